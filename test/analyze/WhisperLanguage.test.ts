import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { SpokenLanguage } from "../../src/analyze/SpokenLanguage.js"
import { languageFromLogits, whisperLanguageLayer } from "../../src/analyze/WhisperLanguage.js"
import { scopedTempDir } from "../support/manifest.js"

const fixtures = join(import.meta.dirname, "..", "fixtures", "models")
const tone = (hz: number, seconds: number) =>
  Float32Array.from({ length: seconds * 16000 }, (_, n) => 0.5 * Math.sin((2 * Math.PI * hz * n) / 16000))

/** The fixture's whisper card, rewritten, beside absolute paths to its encoder and decoder cards. */
const cardWith = (change: (card: Record<string, any>) => void) =>
  Effect.gen(function* () {
    const dir = yield* scopedTempDir("whisper")
    const card = JSON.parse(readFileSync(join(fixtures, "tiny-whisper.json"), "utf8"))
    card.encoder = join(fixtures, card.encoder)
    card.decoder = join(fixtures, card.decoder)
    change(card)
    writeFileSync(join(dir, "whisper.json"), JSON.stringify(card))
    return join(dir, "whisper.json")
  })

const identify = (speech: Float32Array) => Effect.flatMap(SpokenLanguage, (l) => l.identify(speech))

describe("languageFromLogits", () => {
  it("reads only the language tokens, with the softmax share among them", () => {
    const guess = languageFromLogits([0, 1, 2, 1, 99], { en: 1, vi: 2, cs: 3 })
    expect(guess.language).toBe("vi")
    const e = Math.E
    expect(guess.confidence).toBeCloseTo(e * e / (e + e * e + e), 10)
    expect(guess.source).toBe("whisper")
  })
})

describe("Whisper language back-end", () => {
  it.scoped("runs the encoder and the first decoder step; the tiny graph maps low, middle and high tones to en, cs, vi", () =>
    Effect.gen(function* () {
      const language = yield* SpokenLanguage
      expect(language.name).toBe("tiny-whisper")
      expect(language.maxSamples).toBe(480_000)
      const low = yield* identify(tone(300, 3))
      const middle = yield* identify(tone(1800, 3))
      const high = yield* identify(tone(4000, 3))
      expect([low.language, middle.language, high.language]).toEqual(["en", "cs", "vi"])
      // <|notimestamps|> outscores every language token by far; a share over the whole vocabulary would be ≈ 0.
      for (const guess of [low, middle, high]) {
        expect(guess.confidence).toBeGreaterThan(0.5)
        expect(guess.confidence).toBeLessThan(1)
        expect(guess.source).toBe("whisper")
      }
    }).pipe(Effect.provide(whisperLanguageLayer(join(fixtures, "tiny-whisper.json")))))

  it.scoped("the card's token table decides which code a token means", () =>
    Effect.gen(function* () {
      const swapped = yield* cardWith((card) => (card.tokens.languages = { vi: 1, en: 2, cs: 3 }))
      const guess = yield* identify(tone(300, 3)).pipe(Effect.provide(whisperLanguageLayer(swapped)))
      expect(guess.language).toBe("vi")
    }))

  it.scoped("a token outside the decoder's vocabulary is an inference error naming it; a broken card fails to load", () =>
    Effect.gen(function* () {
      const outside = yield* cardWith((card) => (card.tokens.languages = { en: 1, xx: 50278 }))
      const error = yield* Effect.flip(identify(tone(300, 1)).pipe(Effect.provide(whisperLanguageLayer(outside))))
      expect(error.message).toContain("token 50278 is outside the decoder's 6-token vocabulary")
      const missing = yield* cardWith((card) => (card.encoder = join(fixtures, "no-such-encoder.json")))
      const loadError = yield* Effect.flip(Layer.build(whisperLanguageLayer(missing)))
      expect(loadError._tag).toBe("ModelLoadError")
      expect(loadError.message).toContain("no-such-encoder.json")
    }))
})
