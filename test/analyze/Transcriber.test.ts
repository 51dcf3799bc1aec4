import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Transcriber } from "../../src/analyze/Transcriber.js"
import { scopedTempDir } from "../support/manifest.js"

const asrFixtures = join(import.meta.dirname, "..", "fixtures", "models", "asr")
const card = (name: string) => join(asrFixtures, `${name}.json`)
const silence = (seconds: number) => new Float32Array(Math.round(seconds * 16000))

/** A fixture card rewritten in a temp folder, its files named by absolute path. */
const cardWith = (name: string, change: (card: Record<string, any>) => void) =>
  Effect.gen(function* () {
    const dir = yield* scopedTempDir("asr-card")
    const json = JSON.parse(readFileSync(card(name), "utf8"))
    json.encoder = join(asrFixtures, json.encoder)
    json.decoder = join(asrFixtures, json.decoder)
    if (json.transcription) json.transcription.tokenizer = join(asrFixtures, json.transcription.tokenizer)
    change(json)
    writeFileSync(join(dir, "card.json"), JSON.stringify(json))
    return join(dir, "card.json")
  })

const transcribe = (cardPath: string, samples: Float32Array, language: string | null) =>
  Effect.flatMap(Transcriber, (t) => t.transcribe(samples, language)).pipe(Effect.provide(Transcriber.layerFromCard(cardPath)))

describe("Whisper transcriber (tiny same-signature models)", () => {
  it.effect("decodes greedily after the 4-token prompt, skips a timestamp, decodes multi-byte UTF-8 and stops at end-of-text", () =>
    Effect.gen(function* () {
      const result = yield* transcribe(card("tiny-whisper-asr"), silence(2), "en")
      expect(result).toEqual({ text: "hello world děti", language: "en", tokens: 6, stop: "end-of-text" })
    }))

  it.effect("without a language it transcribes in the one the first decoder step names", () =>
    Effect.gen(function* () {
      const result = yield* transcribe(card("tiny-whisper-asr"), silence(1), null)
      expect(result.language).toBe("cs")
      const unknown = yield* transcribe(card("tiny-whisper-asr"), silence(1), "unknown")
      expect(unknown.language).toBe("cs")
    }))

  it.effect("reads audio longer than 30 s in 30 s windows, their texts joined", () =>
    Effect.gen(function* () {
      const result = yield* transcribe(card("tiny-whisper-asr"), silence(31), "en")
      expect(result.text).toBe("hello world děti hello world děti")
      expect(result.tokens).toBe(12)
    }))

  it.effect("stops a decoder stuck in a loop and keeps one copy of the repeated word", () =>
    Effect.gen(function* () {
      const result = yield* transcribe(card("tiny-whisper-loop"), silence(1), "en")
      expect(result).toEqual({ text: "hello la", language: "en", tokens: 9, stop: "repeat" })
    }))

  it.scoped("stops at the card's token limit", () =>
    Effect.gen(function* () {
      const path = yield* cardWith("tiny-whisper-loop", (c) => { c.transcription.maxTokens = 5 })
      const result = yield* transcribe(path, silence(1), "en")
      expect(result).toEqual({ text: "hello la la la la", language: "en", tokens: 5, stop: "max-tokens" })
    }))

  it.scoped("refuses a card without a transcription section, or whose tokens the tokenizer does not have", () =>
    Effect.gen(function* () {
      const languageOnly = yield* cardWith("tiny-whisper-asr", (c) => { delete c.transcription })
      const noSection = yield* Effect.flip(transcribe(languageOnly, silence(1), "en"))
      expect(noSection._tag).toBe("ModelLoadError")
      expect(noSection.message).toContain("no transcription section")
      const mismatched = yield* cardWith("tiny-whisper-asr", (c) => { c.transcription.endOfText = 50257 })
      const mismatch = yield* Effect.flip(transcribe(mismatched, silence(1), "en"))
      expect(mismatch.message).toContain("50257 (endOfText)")
      const notJson = yield* cardWith("tiny-whisper-asr", (c) => { c.transcription.tokenizer = c.decoder })
      const decoderCardAsTokenizer = yield* Effect.flip(transcribe(notJson, silence(1), "en"))
      expect(decoderCardAsTokenizer.message).toContain("cannot read the tokenizer")
    }))
})
