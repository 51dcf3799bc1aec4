import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Layer } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { ageGenderClassifierLayer, windowBounds } from "../../src/analyze/AgeGenderClassifier.js"
import { ChildVoiceClassifier } from "../../src/analyze/ChildVoiceClassifier.js"
import { scopedTempDir } from "../support/manifest.js"

const fixtures = join(import.meta.dirname, "..", "fixtures", "models")
const tone = (seconds: number, amplitude: number) =>
  Float32Array.from({ length: Math.round(seconds * 16000) }, (_, n) => amplitude * Math.sin((2 * Math.PI * 300 * n) / 16000))

/** What scripts/make-test-models.ts built: gender logits = [energy, level]·W + b over [female, male, child]. */
const expectedChild = (samples: Float32Array) => {
  const energy = samples.reduce((s, x) => s + x * x, 0) / samples.length
  const level = samples.reduce((s, x) => s + Math.abs(x), 0) / samples.length
  const logits = [-4 * energy + 1, level, 8 * energy - 1]
  const exps = logits.map(Math.exp)
  return exps[2]! / exps.reduce((a, b) => a + b, 0)
}

/** The fixture card, changed, beside an absolute path to its weights. */
const cardWith = (change: (card: Record<string, any>) => void) =>
  Effect.gen(function* () {
    const dir = yield* scopedTempDir("age-gender")
    const card = JSON.parse(readFileSync(join(fixtures, "tiny-age-gender.json"), "utf8"))
    card.file = join(fixtures, card.file)
    change(card)
    writeFileSync(join(dir, "card.json"), JSON.stringify(card))
    return join(dir, "card.json")
  })

const voicedFrame = (f0: number) => ({ f0, centroid: 1200, rolloff: 3500, band1to3: 0.3, band3to5: 0.1, upperBand: 0.05, mfcc: new Float32Array(12), energy: 1, formants: null, aperiodicity: 0.05 })

const score = (audio: Float32Array | null) =>
  Effect.flatMap(ChildVoiceClassifier, (c) => c.scoreSegment({ frames: [voicedFrame(310), voicedFrame(290)], audio }))

describe("wav2vec2 age/gender back-end", () => {
  it.scoped("child score is the softmax share of the card's child label, window by window, weighted by length", () =>
    Effect.gen(function* () {
      const classifier = yield* ChildVoiceClassifier
      expect(classifier.name).toBe("tiny-age-gender")
      expect(classifier.needsAudio).toBe(true)
      const loud = tone(0.5, 0.9)
      const result = yield* score(loud)
      expect(result.childScore).toBeCloseTo(expectedChild(loud), 5)
      expect(result.medianF0).toBeCloseTo(300, 0) // the median of 290 and 310 Hz on the log scale the features use
      // 2.5 s with 1 s windows: three windows of 0.84 s, quiet, quiet, loud.
      const mixed = new Float32Array(40000)
      mixed.set(tone(40000 / 3 / 16000 * 2, 0.05))
      mixed.set(tone(40000 / 3 / 16000, 0.9).subarray(0, 40000 - 26667), 26667)
      const windows = windowBounds(40000, 16000).map(([a, b]) => mixed.subarray(a, b))
      const byWindow = windows.reduce((s, w) => s + expectedChild(w) * w.length, 0) / 40000
      expect((yield* score(mixed)).childScore).toBeCloseTo(byWindow, 5)
      expect(byWindow).not.toBeCloseTo(expectedChild(mixed), 2)
    }).pipe(Effect.provide(ageGenderClassifierLayer(join(fixtures, "tiny-age-gender.json")))))

  it.scoped("label order comes from the card; normalisation makes the score level-independent", () =>
    Effect.gen(function* () {
      const reordered = yield* cardWith((card) => (card.labels = ["child", "male", "female"]))
      const asFemale = yield* score(tone(0.5, 0.9)).pipe(Effect.provide(ageGenderClassifierLayer(reordered)))
      const logits = [-4 * 0.405 + 1, 0.9 * 2 / Math.PI, 8 * 0.405 - 1]
      expect(asFemale.childScore).toBeCloseTo(Math.exp(logits[0]!) / logits.map(Math.exp).reduce((a, b) => a + b), 2)
      const normalising = yield* cardWith((card) => (card.normalise = true))
      const [quiet, loud] = yield* Effect.all([score(tone(0.5, 0.05)), score(tone(0.5, 0.9))]).pipe(
        Effect.provide(ageGenderClassifierLayer(normalising))
      )
      expect(quiet.childScore).toBeCloseTo(loud.childScore, 4)
    }))

  it.scoped("refuses a card without a child label, and a segment without audio", () =>
    Effect.gen(function* () {
      const noChild = yield* cardWith((card) => (card.labels = ["female", "male", "other"]))
      const error = yield* Effect.flip(Layer.build(ageGenderClassifierLayer(noChild)))
      expect(error.message).toContain("labels must include child")
      const missing = yield* Effect.flip(score(null).pipe(Effect.provide(ageGenderClassifierLayer(join(fixtures, "tiny-age-gender.json")))))
      expect(missing._tag).toBe("ChildVoiceInferenceError")
    }))

  it.prop("windows cover a segment exactly, none longer than the maximum, none a sliver", [fc.integer({ min: 1, max: 200_000 }), fc.integer({ min: 1000, max: 50_000 })], ([length, max]) => {
    const bounds = windowBounds(length, max)
    expect(bounds[0]![0]).toBe(0)
    expect(bounds.at(-1)![1]).toBe(length)
    bounds.forEach(([a, b], i) => {
      expect(b - a).toBeLessThanOrEqual(max)
      if (i > 0) expect(a).toBe(bounds[i - 1]![1])
      if (bounds.length > 1) expect(b - a).toBeGreaterThanOrEqual(max / 2 - 1)
    })
  })
})
