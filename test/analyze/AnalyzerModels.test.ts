import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { windowBounds } from "../../src/analyze/AgeGenderClassifier.js"
import { Analyzer } from "../../src/analyze/Analyzer.js"
import { ChildVoiceClassifier } from "../../src/analyze/ChildVoiceClassifier.js"
import { selectedModelsLayer } from "../../src/analyze/installedModels.js"
import { SileroVad } from "../../src/analyze/SileroVad.js"
import { SpokenLanguage } from "../../src/analyze/SpokenLanguage.js"
import { defaultConfig } from "../../src/domain/Config.js"
import { transcodeToWav } from "../../src/media/Ffmpeg.js"
import { samplesDir } from "../support/cli.js"
import { scopedTempDir } from "../support/manifest.js"

const fixtures = join(import.meta.dirname, "..", "fixtures", "models")

/** The tiny age/gender graph's child probability, as scripts/make-test-models.ts built it. */
const expectedChild = (samples: Float32Array) => {
  const energy = samples.reduce((s, x) => s + x * x, 0) / samples.length
  const level = samples.reduce((s, x) => s + Math.abs(x), 0) / samples.length
  const exps = [-4 * energy + 1, level, 8 * energy - 1].map(Math.exp)
  return exps[2]! / exps.reduce((a, b) => a + b, 0)
}

const poemWav = Effect.gen(function* () {
  const wav = join(yield* scopedTempDir("analyze-models"), "poem.wav")
  yield* transcodeToWav(join(samplesDir, "child-cs-poem.mp3"), wav)
  return wav
})

describe("Analyzer with installed models", () => {
  it.scoped("selected from a models folder: each segment's own audio goes to the age/gender model, speech to the language model", () =>
    Effect.gen(function* () {
      const wav = yield* poemWav
      const analysis = yield* Effect.flatMap(Analyzer, (a) => a.analyze(wav, defaultConfig.vad, 0.5, { title: "Bé học tiếng Việt" }))
      expect(analysis.classifier).toBe("tiny-age-gender")
      expect(analysis.segments.length).toBeGreaterThan(2)
      const bytes = readFileSync(wav).subarray(44)
      const samples = Float32Array.from({ length: bytes.length >> 1 }, (_, i) => bytes.readInt16LE(i * 2) / 32768)
      for (const s of analysis.segments) {
        const audio = samples.subarray(Math.round(s.start * 16000), Math.round(s.end * 16000))
        // The card's 1 s windows, each scored alone, weighted by length.
        const byWindow = windowBounds(audio.length, 16000).reduce((sum, [a, b]) => sum + expectedChild(audio.subarray(a, b)) * (b - a), 0) / audio.length
        expect(s.childScore).toBeCloseTo(byWindow, 5)
        expect(s.medianF0).toBeGreaterThan(150)
      }
      // The audio model outranks the title when it is installed and heard speech.
      expect(analysis.languageSource).toBe("whisper")
      expect(["en", "cs", "vi"]).toContain(analysis.language)
      expect(analysis.languageConfidence).toBeGreaterThan(1 / 3)
    }).pipe(Effect.provide(Analyzer.layer.pipe(Layer.provide(Layer.merge(SileroVad.layer, selectedModelsLayer({ dir: fixtures, childVoice: "auto", language: "auto" })))))))

  it.scoped("without a language model the title decides; with nothing to go on the answer is an honest unknown", () =>
    Effect.gen(function* () {
      const wav = yield* poemWav
      const analyzer = yield* Analyzer
      const titled = yield* analyzer.analyze(wav, defaultConfig.vad, 0.5, { title: "Bé học tiếng Việt" })
      expect([titled.language, titled.languageSource]).toEqual(["vi", "title-script"])
      expect(titled.classifier).toBe("child-voice-acoustic")
      const declared = yield* analyzer.analyze(wav, defaultConfig.vad, 0.5, { title: "Bé học tiếng Việt", declaredLanguage: "cs-CZ" })
      expect([declared.language, declared.languageSource, declared.languageConfidence]).toEqual(["cs", "metadata", 0.8])
      const untitled = yield* analyzer.analyze(wav, defaultConfig.vad, 0.5)
      expect([untitled.language, untitled.languageSource, untitled.languageConfidence]).toEqual(["unknown", "unknown", 0])
    }).pipe(Effect.provide(Analyzer.layer.pipe(Layer.provide(Layer.mergeAll(SileroVad.layer, ChildVoiceClassifier.layer, SpokenLanguage.none))))))

  it.scoped("a named model that is not installed fails with the installed ones listed", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Layer.build(selectedModelsLayer({ dir: fixtures, childVoice: "wav2vec2-age-gender-24", language: "auto" })))
      expect(error._tag).toBe("ModelNotInstalled")
      expect(error.message).toContain("installed: tiny-age-gender")
    }))
})
