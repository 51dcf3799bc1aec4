import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { type ClosedSegment, type SegmenterSettings, SpeechSegmenter } from "../../src/analyze/SpeechSegmenter.js"

/** Feeds every probability (payload: the frame's index) and flushes, collecting the segments. */
const run = (settings: SegmenterSettings, probabilities: ReadonlyArray<number>) => {
  const segmenter = new SpeechSegmenter<number>(settings)
  const segments: Array<ClosedSegment<number>> = []
  probabilities.forEach((p, i) => {
    const closed = segmenter.push(p, i)
    if (closed) segments.push(closed)
  })
  const last = segmenter.flush()
  if (last) segments.push(last)
  return segments
}
const bounds = (segments: ReadonlyArray<ClosedSegment<number>>) => segments.map((s) => [s.startFrame, s.endFrame])
const frames = (...runs: ReadonlyArray<[number, number]>) => runs.flatMap(([p, n]) => Array<number>(n).fill(p))

const settings: SegmenterSettings = { threshold: 0.5, minSpeechFrames: 3, minSilenceFrames: 4, maxSegmentFrames: 50 }

describe("SpeechSegmenter", () => {
  it("finds one stretch of speech with its frames", () => {
    const segments = run(settings, frames([0.1, 5], [0.9, 10], [0.1, 10]))
    expect(bounds(segments)).toEqual([[5, 15]])
    expect(segments[0]!.frames).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
  })

  it("returns a segment on the frame that closes it, and nothing before", () => {
    const segmenter = new SpeechSegmenter<number>(settings)
    const probabilities = frames([0.9, 5], [0.1, 4])
    const results = probabilities.map((p, i) => segmenter.push(p, i))
    expect(results.slice(0, 8).every((r) => r === null)).toBe(true)
    expect(results[8]).toEqual({ startFrame: 0, endFrame: 5, frames: [0, 1, 2, 3, 4] })
    expect(segmenter.flush()).toBeNull()
  })

  it("keeps speech going above threshold - 0.15 (hysteresis) but does not start it there", () => {
    expect(run(settings, frames([0.45, 20]))).toEqual([])
    expect(bounds(run(settings, frames([0.9, 3], [0.4, 10], [0.1, 5])))).toEqual([[0, 13]])
    // 0.34 is below 0.5 - 0.15: silence
    expect(bounds(run(settings, frames([0.9, 3], [0.34, 10], [0.1, 5])))).toEqual([[0, 3]])
  })

  it("drops blips shorter than minSpeechFrames", () => {
    expect(run(settings, frames([0.1, 3], [0.9, 2], [0.1, 10]))).toEqual([])
    expect(bounds(run(settings, frames([0.1, 3], [0.9, 3], [0.1, 10])))).toEqual([[3, 6]])
  })

  it("bridges pauses shorter than minSilenceFrames and splits at longer ones", () => {
    expect(bounds(run(settings, frames([0.9, 5], [0.1, 3], [0.9, 5], [0.1, 10])))).toEqual([[0, 13]])
    expect(bounds(run(settings, frames([0.9, 5], [0.1, 4], [0.9, 5], [0.1, 10])))).toEqual([[0, 5], [9, 14]])
  })

  it("cuts speech longer than maxSegmentFrames", () => {
    const segments = run({ ...settings, maxSegmentFrames: 10 }, frames([0.9, 25], [0.1, 5]))
    expect(bounds(segments)).toEqual([[0, 10], [10, 20], [20, 25]])
    expect(segments.map((s) => s.frames.length)).toEqual([10, 10, 5])
  })

  it("keeps one-frame segments when maxSegmentFrames is 1", () => {
    const segments = run({ threshold: 0.5, minSpeechFrames: 1, minSilenceFrames: 2, maxSegmentFrames: 1 }, frames([0.9, 3], [0.1, 3]))
    expect(bounds(segments)).toEqual([[0, 1], [1, 2], [2, 3]])
  })

  it("flushes the open segment without its trailing silence", () => {
    const segmenter = new SpeechSegmenter<string>(settings)
    for (const [i, p] of frames([0.1, 2], [0.9, 6], [0.1, 2]).entries()) expect(segmenter.push(p, `f${i}`)).toBeNull()
    expect(segmenter.flush()).toEqual({ startFrame: 2, endFrame: 8, frames: ["f2", "f3", "f4", "f5", "f6", "f7"] })
    expect(segmenter.flush()).toBeNull()
  })

  it("flush drops an open segment that is too short", () => {
    const segmenter = new SpeechSegmenter<number>(settings)
    segmenter.push(0.9, 0)
    segmenter.push(0.9, 1)
    expect(segmenter.flush()).toBeNull()
  })

  const settingsArb = fc
    .record({
      threshold: fc.double({ min: 0.2, max: 0.9, noNaN: true }),
      minSpeechFrames: fc.integer({ min: 1, max: 6 }),
      minSilenceFrames: fc.integer({ min: 1, max: 6 }),
      extra: fc.integer({ min: 0, max: 20 })
    })
    .map(({ extra, ...s }): SegmenterSettings => ({ ...s, maxSegmentFrames: s.minSpeechFrames + extra }))
  // Runs of similar probabilities, like a real VAD's output.
  const probabilitiesArb = fc
    .array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 12 })), { maxLength: 30 })
    .map((runs) => runs.flatMap(([p, n]) => Array<number>(n).fill(p)))

  it.prop("segments are ordered, disjoint, sized within bounds and carry exactly their frames", [settingsArb, probabilitiesArb], ([s, probabilities]) => {
    const segments = run(s, probabilities)
    let previousEnd = 0
    for (const seg of segments) {
      expect(seg.startFrame).toBeGreaterThanOrEqual(previousEnd)
      expect(seg.endFrame - seg.startFrame).toBeGreaterThanOrEqual(s.minSpeechFrames)
      expect(seg.endFrame - seg.startFrame).toBeLessThanOrEqual(s.maxSegmentFrames)
      expect(seg.endFrame).toBeLessThanOrEqual(probabilities.length)
      expect(seg.frames).toEqual(Array.from({ length: seg.endFrame - seg.startFrame }, (_, k) => seg.startFrame + k))
      expect(probabilities[seg.startFrame]!).toBeGreaterThanOrEqual(s.threshold)
      previousEnd = seg.endFrame
    }
  })

  // The cut at maxSegmentFrames happens without look-ahead, so the speech right after a cut is a new segment
  // that minSpeechFrames may drop: a run of maxSegmentFrames + 1 frames cannot be covered by segments that are
  // each at least minSpeechFrames long (take minSpeechFrames = maxSegmentFrames = 2 and a 3-frame run).
  // That tail, fewer than minSpeechFrames - 1 frames after a full-length segment, is the one exception.
  it.prop("every frame in a run of at least minSpeechFrames speech frames is inside a segment, but for a short tail after a cut", [settingsArb, probabilitiesArb], ([s, probabilities]) => {
    const segments = run(s, probabilities)
    const inside = (i: number) => segments.some((seg) => seg.startFrame <= i && i < seg.endFrame)
    const afterCut = (i: number) =>
      segments.some((seg) => seg.endFrame - seg.startFrame === s.maxSegmentFrames && seg.endFrame <= i && i < seg.endFrame + s.minSpeechFrames - 1)
    let runStart = 0
    for (let i = 0; i <= probabilities.length; i++) {
      if (i < probabilities.length && probabilities[i]! >= s.threshold) continue
      if (i - runStart >= s.minSpeechFrames) {
        for (let k = runStart; k < i; k++) expect(inside(k) || afterCut(k), `frame ${k} of speech run [${runStart}, ${i})`).toBe(true)
      }
      runStart = i + 1
    }
  }, { fastCheck: { numRuns: 500 } })

  it("drops a short tail of speech after a cut at maxSegmentFrames (see the property above)", () => {
    const segments = run({ threshold: 0.5, minSpeechFrames: 3, minSilenceFrames: 2, maxSegmentFrames: 10 }, frames([0.9, 11], [0.1, 5]))
    expect(bounds(segments)).toEqual([[0, 10]])
  })

  it("segments a mixed sequence, flushing the last one", () => {
    const probabilities = frames([0.1, 2], [0.9, 7], [0.3, 3], [0.6, 4], [0.2, 9], [0.95, 3], [0.1, 1])
    const segments = run(settings, probabilities)
    expect(bounds(segments)).toEqual([[2, 16], [25, 28]])
  })
})
