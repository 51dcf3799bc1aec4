import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { SpeechSegment } from "../../src/domain/Analysis.js"
import { ClipRules } from "../../src/domain/Config.js"
import { clipFileName, languageFolder, type PlannedClip, planCaptionClips, planClips, transcriptTrack } from "../../src/curate/clipPlan.js"

const rules = ClipRules.make({ minSeconds: 1, maxSeconds: 30, mergeGapSeconds: 0.5, loudnessDbfs: null })
const seg = (start: number, end: number, childScore = 0.9) => SpeechSegment.make({ start, end, childScore, medianF0: null })
const span = (clips: ReadonlyArray<PlannedClip>) => clips.map((c) => [c.start, c.end])
const eps = 1e-6

describe("planClips", () => {
  it("keeps one child segment as one clip with its score", () => {
    const clips = planClips([seg(2, 5, 0.7)], 0.5, rules)
    expect(span(clips)).toEqual([[2, 5]])
    expect(clips[0]!.childScore).toBeCloseTo(0.7, 10)
  })

  it("merges across gaps up to mergeGapSeconds, weighting the score by duration", () => {
    const clips = planClips([seg(0, 1, 0.6), seg(1.5, 4.5, 0.9)], 0.5, rules)
    expect(span(clips)).toEqual([[0, 4.5]])
    expect(clips[0]!.childScore).toBeCloseTo((0.6 * 1 + 0.9 * 3) / 4, 10)
  })

  it("keeps a clip whole when a later segment lies inside it", () => {
    expect(span(planClips([seg(0, 10), seg(2, 5)], 0.5, rules))).toEqual([[0, 10]])
  })

  it("does not merge across a longer gap", () => {
    expect(span(planClips([seg(0, 2), seg(2.75, 4)], 0.5, rules))).toEqual([[0, 2], [2.75, 4]])
  })

  it("does not merge when the result would exceed maxSeconds", () => {
    expect(span(planClips([seg(0, 20), seg(20.5, 35)], 0.5, rules))).toEqual([[0, 20], [20.5, 35]])
  })

  it("splits long speech into even parts of at most maxSeconds", () => {
    const clips = planClips([seg(10, 80)], 0.5, rules)
    expect(clips).toHaveLength(3)
    for (const [i, c] of clips.entries()) {
      expect(c.start).toBeCloseTo(10 + (70 * i) / 3, 9)
      expect(c.end).toBeCloseTo(10 + (70 * (i + 1)) / 3, 9)
      expect(c.childScore).toBe(0.9)
    }
    expect(span(planClips([seg(0, 30)], 0.5, rules))).toEqual([[0, 30]])
    expect(span(planClips([seg(0, 60)], 0.5, rules))).toEqual([[0, 30], [30, 60]])
  })

  it("drops clips shorter than minSeconds and segments below the child score", () => {
    expect(planClips([seg(0, 0.5)], 0.5, rules)).toEqual([])
    expect(planClips([seg(0, 5, 0.49)], 0.5, rules)).toEqual([])
    expect(span(planClips([seg(0, 5, 0.5)], 0.5, rules))).toEqual([[0, 5]])
    // a non-child segment between two child segments does not bridge them
    expect(span(planClips([seg(0, 2), seg(2.25, 3, 0.1), seg(3.25, 5)], 0.5, rules))).toEqual([[0, 2], [3.25, 5]])
  })

  it("sorts segments given out of order", () => {
    expect(span(planClips([seg(10, 12), seg(0, 2)], 0.5, rules))).toEqual([[0, 2], [10, 12]])
  })

  // Disjoint segments, as voice activity detection produces them, in any order.
  const segmentsArb = fc
    .array(
      fc.record({
        gap: fc.double({ min: 0, max: 5, noNaN: true }),
        length: fc.double({ min: 0.01, max: 90, noNaN: true }),
        childScore: fc.double({ min: 0, max: 1, noNaN: true })
      }),
      { maxLength: 25 }
    )
    .map((parts) => {
      let at = 0
      return parts.map(({ gap, length, childScore }) => {
        const start = at + gap
        at = start + length
        return seg(start, at, childScore)
      })
    })
    .chain((segments) => fc.shuffledSubarray(segments, { minLength: segments.length, maxLength: segments.length }))
  const rulesArb = fc
    .record({
      minSeconds: fc.double({ min: 0.1, max: 5, noNaN: true }),
      extra: fc.double({ min: 0, max: 40, noNaN: true }),
      mergeGapSeconds: fc.double({ min: 0, max: 2, noNaN: true })
    })
    .map(({ minSeconds, extra, mergeGapSeconds }) => ClipRules.make({ minSeconds, maxSeconds: minSeconds + extra, mergeGapSeconds, loudnessDbfs: null }))
  const minScoreArb = fc.double({ min: 0, max: 1, noNaN: true })

  it.prop("clips are within [min, max], sorted, disjoint, and inside the child speech's span", [segmentsArb, minScoreArb, rulesArb], ([segments, minScore, r]) => {
    const clips = planClips(segments, minScore, r)
    const child = segments.filter((s) => s.childScore >= minScore)
    if (child.length === 0) {
      expect(clips).toEqual([])
      return
    }
    const first = Math.min(...child.map((s) => s.start))
    const last = Math.max(...child.map((s) => s.end))
    const scores = child.map((s) => s.childScore)
    for (const [i, c] of clips.entries()) {
      expect(c.end - c.start).toBeGreaterThanOrEqual(r.minSeconds - eps)
      expect(c.end - c.start).toBeLessThanOrEqual(r.maxSeconds + eps)
      expect(c.start).toBeGreaterThanOrEqual(first - eps)
      expect(c.end).toBeLessThanOrEqual(last + eps)
      expect(c.childScore).toBeGreaterThanOrEqual(Math.min(...scores) - eps)
      expect(c.childScore).toBeLessThanOrEqual(Math.max(...scores) + eps)
      if (i > 0) expect(c.start).toBeGreaterThanOrEqual(clips[i - 1]!.end - eps)
      // no clip bridges a gap in child speech longer than mergeGapSeconds
      for (let k = 1; k < child.length; k++) {
        const sorted = [...child].sort((a, b) => a.start - b.start)
        const gapStart = sorted[k - 1]!.end
        const gapEnd = sorted[k]!.start
        if (gapEnd - gapStart > r.mergeGapSeconds + eps) {
          expect(c.start < gapStart - eps && c.end > gapEnd + eps).toBe(false)
        }
      }
    }
  })

  it.prop("only segments at or above minChildScore contribute", [segmentsArb, minScoreArb, rulesArb], ([segments, minScore, r]) => {
    const child = segments.filter((s) => s.childScore >= minScore)
    expect(planClips(segments, minScore, r)).toEqual(planClips(child, minScore, r))
    // lowering the score of the segments already below the bar changes nothing
    expect(planClips(segments.map((s) => seg(s.start, s.end, s.childScore < minScore ? s.childScore / 2 : s.childScore)), minScore, r))
      .toEqual(planClips(segments, minScore, r))
  })

  it.prop("child segments at least minSeconds long are fully covered when maxSeconds >= 2 minSeconds", [segmentsArb, minScoreArb, rulesArb], ([segments, minScore, r0]) => {
    const r = ClipRules.make({ ...r0, maxSeconds: Math.max(r0.maxSeconds, 2 * r0.minSeconds) })
    const clips = planClips(segments, minScore, r)
    const covered = (t: number) => clips.some((c) => c.start - eps <= t && t <= c.end + eps)
    for (const s of segments) {
      if (s.childScore < minScore || s.end - s.start < r.minSeconds) continue
      for (const t of [s.start, (s.start + s.end) / 2, s.end]) expect(covered(t)).toBe(true)
    }
  })
})

describe("clipFileName", () => {
  const clip = { start: 12.34, end: 18, childScore: 0.8 }

  it("names clips <lang>/<id>_<start ms>_<end ms>.wav with 9-digit times", () => {
    expect(clipFileName("dQw4w9WgXcQ", "vi", clip)).toBe("vi/dQw4w9WgXcQ_000012340_000018000.wav")
    expect(clipFileName("local-0123456789abcdef", "pt-BR", { start: 0, end: 3600.5, childScore: 1 }))
      .toBe("pt-BR/local-0123456789abcdef_000000000_003600500.wav")
  })

  it("puts anything that is not a language tag under unknown/", () => {
    for (const bad of ["../x", "Tiếng Việt", "", "unknown", "EN", "e", "en/../..", "en-", "vi\n", "english"]) {
      expect(languageFolder(bad)).toBe("unknown")
      expect(clipFileName("dQw4w9WgXcQ", bad, clip)).toBe("unknown/dQw4w9WgXcQ_000012340_000018000.wav")
    }
    for (const good of ["en", "vie", "zh-Hant-TW", "en-US"]) expect(languageFolder(good)).toBe(good)
  })

  it.prop("the folder is one safe path segment whatever the language string", [fc.string({ maxLength: 20 })], ([language]) => {
    const folder = languageFolder(language)
    expect(folder === language || folder === "unknown").toBe(true)
    expect(folder).toMatch(/^[A-Za-z0-9-]+$/)
    const name = clipFileName("dQw4w9WgXcQ", language, clip)
    expect(name.split("/")).toHaveLength(2)
    expect(name).not.toContain("..")
  })

  it.prop("file names sort in time order", [
    fc.double({ min: 0, max: 999_000, noNaN: true }),
    fc.double({ min: 0, max: 999_000, noNaN: true })
  ], ([a, b]) => {
    const name = (start: number) => clipFileName("dQw4w9WgXcQ", "en", { start, end: start + 1, childScore: 1 })
    expect(name(a)).toMatch(/^en\/dQw4w9WgXcQ_\d{9}_\d{9}\.wav$/)
    if (Math.round(a * 1000) < Math.round(b * 1000)) expect(name(a) < name(b)).toBe(true)
  })
})

describe("planCaptionClips", () => {
  const cue = (start: number, end: number, text: string) => ({ start, end, text })

  it("cuts a clip per cue covered by child speech, trimmed to the speech inside it, carrying the cue's text and times", () => {
    const clips = planCaptionClips([cue(0.3, 4.3, "Byl jednou jeden ježek."), cue(4.7, 7.7, "Bydlel v lese.")], [seg(0.4, 4.1), seg(4.9, 7.5)], 0.5, rules)
    expect(clips.map((c) => [c.start, c.end, c.text, c.cueStart, c.cueEnd])).toEqual([
      [0.4, 4.1, "Byl jednou jeden ježek.", 0.3, 4.3],
      [4.9, 7.5, "Bydlel v lese.", 4.7, 7.7]
    ])
  })

  it("joins cues closer than the merge gap while the clip stays within the maximum, texts in order", () => {
    const clips = planCaptionClips([cue(0, 2, "jedna"), cue(2.2, 4, "dvě"), cue(4.1, 6, "tři")], [seg(0, 6)], 0.5, { ...rules, maxSeconds: 4.5 })
    expect(clips.map((c) => [c.start, c.end, c.text])).toEqual([[0, 4, "jedna dvě"], [4.1, 6, "tři"]])
  })

  it("leaves out cues that child speech covers less than half of (an adult speaking, silence) and cues longer than the maximum", () => {
    const clips = planCaptionClips(
      [cue(0, 4, "adult"), cue(5, 9, "child"), cue(10, 14, "quiet"), cue(20, 60, "long")],
      [seg(0, 4, 0.1), seg(5, 9), seg(10, 11), seg(20, 60)],
      0.5,
      rules
    )
    expect(clips.map((c) => c.text)).toEqual(["child"])
  })

  it.prop("clips lie inside their cues and inside child speech, within the length bounds, never overlapping", [
    fc.array(fc.tuple(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0.1, max: 40, noNaN: true })), { maxLength: 12 }),
    fc.array(fc.tuple(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0.1, max: 20, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { maxLength: 12 })
  ], ([cueSpans, segSpans]) => {
    const sorted = [...cueSpans].sort((a, b) => a[0] - b[0])
    // Cues of one track do not overlap.
    const cues = sorted.reduce<Array<{ start: number; end: number; text: string }>>((acc, [start, length], i) => {
      const from = Math.max(start, acc.at(-1)?.end ?? 0)
      return [...acc, cue(from, from + length, `c${i}`)]
    }, [])
    const segments = segSpans.map(([start, length, score]) => seg(start, start + length, score))
    const clips = planCaptionClips(cues, segments, 0.5, rules)
    for (const [i, clip] of clips.entries()) {
      expect(clip.end - clip.start).toBeGreaterThanOrEqual(rules.minSeconds - eps)
      expect(clip.end - clip.start).toBeLessThanOrEqual(rules.maxSeconds + eps)
      expect(clip.start).toBeGreaterThanOrEqual(clip.cueStart - eps)
      expect(clip.end).toBeLessThanOrEqual(clip.cueEnd + eps)
      expect(clip.text).not.toBe("")
      if (i > 0) expect(clip.start).toBeGreaterThanOrEqual(clips[i - 1]!.end - eps)
    }
  })
})

describe("transcriptTrack", () => {
  const track = (language: string | null, source: "manual" | "auto") => ({ language, source })

  it("takes a track in the video's language, the creator's first; a track in another language is a translation, not a transcript", () => {
    expect(transcriptTrack([track("cs", "auto"), track("cs-CZ", "manual")], "cs")).toEqual(track("cs-CZ", "manual"))
    expect(transcriptTrack([track("en", "manual"), track("vi", "auto")], "vi")).toEqual(track("vi", "auto"))
    expect(transcriptTrack([track("en", "manual")], "vi")).toBeNull()
    expect(transcriptTrack([track(null, "manual")], "cs")).toEqual(track(null, "manual"))
    expect(transcriptTrack([track("en", "auto")], "unknown")).toEqual(track("en", "auto"))
    expect(transcriptTrack([], "vi")).toBeNull()
  })
})
