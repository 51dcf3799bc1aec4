import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { copyFileSync } from "node:fs"
import { join } from "node:path"
import { ChildVoiceClassifier, type SegmentInput } from "../../src/analyze/ChildVoiceClassifier.js"
import { ensembleClassifierLayer } from "../../src/analyze/EnsembleClassifier.js"
import { selectedModelsLayer } from "../../src/analyze/installedModels.js"
import { modelsDir } from "../../src/analyze/ModelCard.js"
import { scopedTempDir } from "../support/manifest.js"

/** A back-end that answers one score and remembers whether it was handed audio. */
const fixed = (name: string, childScore: number, threshold: number, needsAudio: boolean, heard: Array<string>) =>
  Layer.succeed(ChildVoiceClassifier, {
    name,
    threshold,
    needsAudio,
    scoreSegment: ({ audio }: SegmentInput) => Effect.sync(() => {
      heard.push(`${name}:${audio === null ? "no audio" : audio.length}`)
      return { childScore, medianF0: 200 }
    })
  })

describe("ensembleClassifierLayer", () => {
  it.scoped("scores the mean of its members, at the mean threshold, and hands audio only to members that read it", () =>
    Effect.gen(function* () {
      const heard: Array<string> = []
      const layer = ensembleClassifierLayer([fixed("a", 0.9, 0.4, false, heard), fixed("b", 0.3, 0.6, true, heard)])
      const ensemble = yield* Effect.provide(ChildVoiceClassifier, layer)
      expect([ensemble.name, ensemble.threshold, ensemble.needsAudio]).toEqual(["ensemble(a+b)", 0.5, true])
      const score = yield* ensemble.scoreSegment({ frames: [], audio: new Float32Array(160) })
      expect(score.childScore).toBeCloseTo(0.6, 10)
      expect(heard).toEqual(["a:no audio", "b:160"])
    }))

  it.scoped("auto runs the age/gender model beside the acoustic one when both are installed", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("ensemble")
      const fixtures = join(import.meta.dirname, "..", "fixtures", "models")
      for (const name of ["tiny-age-gender.json", "tiny-age-gender.onnx"]) copyFileSync(join(fixtures, name), join(dir, name))
      for (const name of ["child-voice-acoustic.json", "child-voice-acoustic.onnx"]) copyFileSync(join(modelsDir, name), join(dir, name))
      const auto = yield* Effect.provide(ChildVoiceClassifier, selectedModelsLayer({ dir, childVoice: "auto", language: "none" }))
      expect(auto.name).toBe("ensemble(child-voice-acoustic+tiny-age-gender)")
      const named = yield* Effect.provide(ChildVoiceClassifier, selectedModelsLayer({ dir, childVoice: "tiny-age-gender", language: "none" }))
      expect(named.name).toBe("tiny-age-gender")
    }))
})
