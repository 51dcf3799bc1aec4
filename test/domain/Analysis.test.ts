import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { Analysis, childSpeechAt } from "../../src/domain/Analysis.js"

describe("childSpeechAt", () => {
  it("counts the seconds of segments scoring at or above the threshold, and their share of the speech", () => {
    const segments = [{ start: 0, end: 3, childScore: 0.8 }, { start: 5, end: 6, childScore: 0.3 }]
    expect(childSpeechAt(segments, 0.5)).toMatchObject({ speechSeconds: 4, childSpeechSeconds: 3, childShare: 0.75 })
    expect(childSpeechAt(segments, 0.8)).toMatchObject({ childSpeechSeconds: 3 })
    expect(childSpeechAt(segments, 0.9)).toMatchObject({ childSpeechSeconds: 0, childShare: 0 })
    expect(childSpeechAt([], 0.5)).toMatchObject({ speechSeconds: 0, childShare: 0 })
  })
})

describe("Analysis", () => {
  it("reads an analysis recorded before the upper band was measured: the share is null, which claims nothing", () => {
    const recorded = JSON.stringify({
      durationSeconds: 3, speechSeconds: 2, childSpeechSeconds: 0, childShare: 0, language: "vi", languageConfidence: 1,
      languageSource: "test", classifier: "test", segments: []
    })
    expect(Schema.decodeUnknownSync(Schema.parseJson(Analysis))(recorded).upperBandShare).toBeNull()
  })
})
