import { describe, expect, it } from "@effect/vitest"
import { childSpeechAt } from "../../src/domain/Analysis.js"

describe("childSpeechAt", () => {
  it("counts the seconds of segments scoring at or above the threshold, and their share of the speech", () => {
    const segments = [{ start: 0, end: 3, childScore: 0.8 }, { start: 5, end: 6, childScore: 0.3 }]
    expect(childSpeechAt(segments, 0.5)).toMatchObject({ speechSeconds: 4, childSpeechSeconds: 3, childShare: 0.75 })
    expect(childSpeechAt(segments, 0.8)).toMatchObject({ childSpeechSeconds: 3 })
    expect(childSpeechAt(segments, 0.9)).toMatchObject({ childSpeechSeconds: 0, childShare: 0 })
    expect(childSpeechAt([], 0.5)).toMatchObject({ speechSeconds: 0, childShare: 0 })
  })
})
