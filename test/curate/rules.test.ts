import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { decide } from "../../src/curate/rules.js"
import { Analysis, SpeechSegment } from "../../src/domain/Analysis.js"
import { CurateRules, defaultConfig } from "../../src/domain/Config.js"

const rules = CurateRules.make({
  minChildSpeechSeconds: 5,
  minChildShare: 0.5,
  minChildScore: 0.5,
  allowedLanguages: ["vi", "en"],
  minDurationSeconds: 3,
  maxDurationSeconds: 3600
})

const good = {
  durationSeconds: 120,
  speechSeconds: 60,
  childSpeechSeconds: 45,
  childShare: 0.75,
  language: "vi",
  languageConfidence: 0.9,
  languageSource: "test",
  classifier: "test",
  segments: [] as ReadonlyArray<SpeechSegment>
}
const analysis = (overrides: Partial<typeof good> = {}) => Analysis.make({ ...good, ...overrides })

describe("decide", () => {
  it("accepts a video that passes every rule, with its numbers", () => {
    expect(decide(analysis(), rules)).toEqual({
      accepted: true,
      rule: "accepted",
      detail: "45.0 s of child speech (75 % of 60.0 s speech)"
    })
  })

  it("rejects audio shorter than the minimum", () => {
    const v = decide(analysis({ durationSeconds: 2.04 }), rules)
    expect(v).toMatchObject({ accepted: false, rule: "too-short" })
    expect(v.detail).toContain("2.0 s")
    expect(v.detail).toContain("3.0 s")
    expect(decide(analysis({ durationSeconds: 3 }), rules).accepted).toBe(true)
  })

  it("rejects audio longer than the maximum", () => {
    const v = decide(analysis({ durationSeconds: 3700.26 }), rules)
    expect(v).toMatchObject({ accepted: false, rule: "too-long" })
    expect(v.detail).toContain("3700.3 s")
    expect(v.detail).toContain("3600.0 s")
    expect(decide(analysis({ durationSeconds: 3600 }), rules).accepted).toBe(true)
  })

  it("rejects a video without speech", () => {
    const v = decide(analysis({ speechSeconds: 0, childSpeechSeconds: 0, childShare: 0 }), rules)
    expect(v).toMatchObject({ accepted: false, rule: "no-speech" })
    expect(v.detail).toContain("no speech")
  })

  it("rejects a language that is not allowed, naming it and the allowed ones", () => {
    const v = decide(analysis({ language: "fr" }), rules)
    expect(v).toMatchObject({ accepted: false, rule: "language" })
    expect(v.detail).toContain("fr")
    expect(v.detail).toContain("vi, en")
    expect(decide(analysis({ language: "unknown" }), rules).rule).toBe("language")
    expect(decide(analysis({ language: "en" }), rules).accepted).toBe(true)
  })

  it("accepts any language, unknown included, when none are listed", () => {
    const any = CurateRules.make({ ...rules, allowedLanguages: [] })
    for (const language of ["unknown", "fr", "zh-Hant", ""]) {
      expect(decide(analysis({ language }), any)).toMatchObject({ accepted: true, rule: "accepted" })
    }
  })

  it("rejects too little child speech", () => {
    const v = decide(analysis({ childSpeechSeconds: 4.44, childShare: 0.9 }), rules)
    expect(v).toMatchObject({ accepted: false, rule: "child-speech-seconds" })
    expect(v.detail).toContain("4.4 s")
    expect(v.detail).toContain("5.0 s")
    expect(decide(analysis({ childSpeechSeconds: 5 }), rules).accepted).toBe(true)
  })

  it("says why little speech counted as a child's: the best segment score against the score a segment needs", () => {
    const segments = [SpeechSegment.make({ start: 0, end: 4, childScore: 0.31, medianF0: 240 }), SpeechSegment.make({ start: 5, end: 7, childScore: 0.12, medianF0: 180 })]
    const v = decide(analysis({ childSpeechSeconds: 0, childShare: 0, segments, classifier: "child-voice-acoustic" }), rules)
    expect(v.detail).toContain("best segment child score 0.31, a segment counts from 0.5; 2 segments, child-voice-acoustic")
    expect(v.detail).not.toContain("4 kHz")
  })

  it("says so when the audio is narrowband (nothing above 4 kHz), where the model finds few children", () => {
    const segments = [SpeechSegment.make({ start: 0, end: 4, childScore: 0.2, medianF0: 280 })]
    const rejected = (upperBandShare: number | null) => decide(Analysis.make({ ...good, childSpeechSeconds: 0, childShare: 0, segments, upperBandShare }), rules).detail
    expect(rejected(0.00002)).toContain("almost nothing above 4 kHz")
    expect(rejected(0.03)).toContain("; 1 segment, ")
    expect(rejected(0.03)).not.toContain("4 kHz")
    // Analyses recorded before the share was measured have none: no claim either way.
    expect(rejected(null)).not.toContain("4 kHz")
  })

  describe("with the default rules, per video", () => {
    /** A video's analysis from (seconds, child score) segments, counted the way the analyzer counts them. */
    const video = (parts: ReadonlyArray<readonly [number, number]>) => {
      const r = defaultConfig.rules
      let at = 0
      const segments = parts.map(([seconds, childScore]) => SpeechSegment.make({ start: at, end: (at += seconds), childScore, medianF0: null }))
      const speech = parts.reduce((sum, [seconds]) => sum + seconds, 0)
      const child = parts.filter(([, score]) => score >= r.minChildScore).reduce((sum, [seconds]) => sum + seconds, 0)
      return analysis({ durationSeconds: speech + 10, speechSeconds: speech, childSpeechSeconds: child, childShare: child / speech, segments, language: "vi" })
    }
    const r = CurateRules.make({ ...defaultConfig.rules, allowedLanguages: [] })

    it.prop("a child with a parent talking beside it, up to 60 % of the speech, is accepted", [
      fc.array(fc.tuple(fc.double({ min: 1, max: 8, noNaN: true }), fc.boolean()), { minLength: 6, maxLength: 30 })
    ], ([turns]) => {
      const childSeconds = turns.filter(([, child]) => child).reduce((sum, [s]) => sum + s, 0)
      const parentSeconds = turns.filter(([, child]) => !child).reduce((sum, [s]) => sum + s, 0)
      fc.pre(childSeconds >= 10 && parentSeconds <= 1.5 * childSeconds)
      expect(decide(video(turns.map(([s, child]) => [s, child ? 0.9 : 0.1] as const)), r).accepted).toBe(true)
    })

    it.prop("an adult alone is rejected, even with a few segments scored as a child's (up to 1 in 10)", [
      fc.array(fc.double({ min: 1, max: 8, noNaN: true }), { minLength: 10, maxLength: 200 }),
      fc.integer({ min: 0, max: 1000 })
    ], ([lengths, seed]) => {
      const parts = lengths.map((s, i) => [s, (i * 7 + seed) % 10 === 0 ? 0.8 : 0.05] as const)
      const stray = parts.filter(([, score]) => score >= 0.5).reduce((sum, [s]) => sum + s, 0)
      fc.pre(stray <= 0.1 * lengths.reduce((a, b) => a + b, 0))
      expect(decide(video(parts), r).accepted).toBe(false)
    })
  })

  it("rejects a small child share", () => {
    const v = decide(analysis({ childShare: 0.3 }), rules)
    expect(v).toMatchObject({ accepted: false, rule: "child-share" })
    expect(v.detail).toContain("30.0 %")
    expect(v.detail).toContain("50.0 %")
    expect(decide(analysis({ childShare: 0.5 }), rules).accepted).toBe(true)
    // A share just under the minimum must not read as equal to it.
    expect(decide(analysis({ childShare: 0.499 }), rules).detail).toContain("49.9 % of the speech is a child's, below 50.0 %")
  })

  it("lets the first failing rule decide", () => {
    const allBad = { durationSeconds: 1, speechSeconds: 0, language: "fr", childSpeechSeconds: 0, childShare: 0 }
    expect(decide(analysis(allBad), rules).rule).toBe("too-short")
    expect(decide(analysis({ ...allBad, durationSeconds: 5000 }), rules).rule).toBe("too-long")
    expect(decide(analysis({ ...allBad, durationSeconds: 60 }), rules).rule).toBe("no-speech")
    expect(decide(analysis({ ...allBad, durationSeconds: 60, speechSeconds: 10 }), rules).rule).toBe("language")
    expect(decide(analysis({ ...allBad, durationSeconds: 60, speechSeconds: 10, language: "en" }), rules).rule).toBe("child-speech-seconds")
    expect(decide(analysis({ ...allBad, durationSeconds: 60, speechSeconds: 10, language: "en", childSpeechSeconds: 6 }), rules).rule)
      .toBe("child-share")
  })

  it.prop("rejects by the first failing check in order, accepts only when all pass", [
    fc.record({
      durationSeconds: fc.double({ min: 0, max: 5000, noNaN: true }),
      speechSeconds: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 100, noNaN: true })),
      childSpeechSeconds: fc.double({ min: 0, max: 20, noNaN: true }),
      childShare: fc.double({ min: 0, max: 1, noNaN: true }),
      language: fc.constantFrom("vi", "en", "fr", "unknown")
    }),
    fc.subarray(["vi", "en", "fr"])
  ], ([a, allowedLanguages]) => {
    const r = CurateRules.make({ ...rules, allowedLanguages })
    const checks: ReadonlyArray<[string, boolean]> = [
      ["too-short", a.durationSeconds >= r.minDurationSeconds],
      ["too-long", a.durationSeconds <= r.maxDurationSeconds],
      ["no-speech", a.speechSeconds !== 0],
      ["language", allowedLanguages.length === 0 || allowedLanguages.includes(a.language)],
      ["child-speech-seconds", a.childSpeechSeconds >= r.minChildSpeechSeconds],
      ["child-share", a.childShare >= r.minChildShare]
    ]
    const firstFailing = checks.find(([, passes]) => !passes)
    const verdict = decide(analysis(a), r)
    expect(verdict.accepted).toBe(firstFailing === undefined)
    expect(verdict.rule).toBe(firstFailing?.[0] ?? "accepted")
    expect(verdict.detail.length).toBeGreaterThan(0)
  })
})

describe("decide with --require-transcript", () => {
  it("manual needs the creator's captions, any takes automatic ones too, none needs nothing", () => {
    const manual = CurateRules.make({ ...rules, requireTranscript: "manual" })
    const any = CurateRules.make({ ...rules, requireTranscript: "any" })
    expect(decide(analysis(), manual, "manual").accepted).toBe(true)
    expect(decide(analysis(), manual, "auto")).toMatchObject({ accepted: false, rule: "transcript", detail: expect.stringContaining("only automatic captions") })
    expect(decide(analysis(), any, "auto").accepted).toBe(true)
    expect(decide(analysis(), any, "none")).toMatchObject({ accepted: false, rule: "transcript" })
    expect(decide(analysis(), rules, "none").accepted).toBe(true)
  })

  it("a speech recogniser's text counts for any, never for manual", () => {
    expect(decide(analysis(), CurateRules.make({ ...rules, requireTranscript: "any" }), "asr").accepted).toBe(true)
    expect(decide(analysis(), CurateRules.make({ ...rules, requireTranscript: "manual" }), "asr")).toMatchObject({
      accepted: false,
      rule: "transcript",
      detail: expect.stringContaining("speech recognition only")
    })
  })
})
