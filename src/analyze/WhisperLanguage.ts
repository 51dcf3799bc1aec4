import { Effect, Layer, Schema } from "effect"
import { promises as fs } from "node:fs"
import ort from "onnxruntime-node"
import type { LanguageGuess } from "./languageHints.js"
import { logMel, whisperAudio } from "./logMel.js"
import { loadModel, ModelLoadError, resolveModelFile } from "./ModelCard.js"
import { softmax } from "./probabilities.js"
import { LanguageInferenceError, SpokenLanguage, type SpokenLanguageApi } from "./SpokenLanguage.js"

/**
 * A Whisper encoder + decoder pair used only for its language token: the decoder is given
 * `<|startoftranscript|>` and the logits of its first step, read at the language tokens, say which
 * language it would transcribe. The two ONNX files have their own cards (checksums, tensor names);
 * this card ties them together and names the tokens.
 */
export class WhisperCard extends Schema.Class<WhisperCard>("WhisperCard")({
  name: Schema.String,
  task: Schema.Literal("language"),
  kind: Schema.Literal("whisper"),
  /** Cards of the encoder and the decoder, relative to this card. */
  encoder: Schema.String,
  decoder: Schema.String,
  nMels: Schema.optionalWith(Schema.Int, { default: () => 80 }),
  io: Schema.Struct({
    features: Schema.String,
    encoderOutput: Schema.String,
    inputIds: Schema.String,
    encoderHidden: Schema.String,
    logits: Schema.String
  }),
  tokens: Schema.Struct({
    startOfTranscript: Schema.Int,
    /** Language code → its token id, e.g. `"vi": 50278` in the multilingual Whisper vocabulary. */
    languages: Schema.Record({ key: Schema.String, value: Schema.Int }).pipe(Schema.filter((l) => Object.keys(l).length > 0 || "at least one language"))
  }),
  /** What transcription needs besides (src/analyze/Transcriber.ts); a card without it identifies languages only. */
  transcription: Schema.optional(Schema.Struct({
    /** A Hugging Face `tokenizer.json` or a GPT-2 `vocab.json`, relative to this card. */
    tokenizer: Schema.String,
    transcribe: Schema.Int,
    noTimestamps: Schema.Int,
    endOfText: Schema.Int,
    /** Tokens generated per 30 s window at most; Whisper's own limit is 224 (half its 448 positions). */
    maxTokens: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 224 })
  })),
  source: Schema.String,
  licence: Schema.String
}) {}

/** The language whose token scores highest among the language tokens only, with its softmax share of them. */
export const languageFromLogits = (logits: ArrayLike<number>, languages: Readonly<Record<string, number>>): LanguageGuess => {
  const codes = Object.keys(languages)
  const shares = softmax(codes.map((code) => logits[languages[code]!] ?? Number.NEGATIVE_INFINITY))
  const best = shares.indexOf(Math.max(...shares))
  return { language: codes[best]!, confidence: shares[best]!, source: "whisper" }
}

/**
 * A Whisper card with its encoder and decoder sessions, for the scope (one session each for a whole run), and the
 * encoder run on up to 30 s of 16 kHz audio.
 */
export const loadWhisper = (cardPath: string) =>
  Effect.gen(function* () {
    const text = yield* Effect.tryPromise({ try: () => fs.readFile(cardPath, "utf8"), catch: (e) => new ModelLoadError({ card: cardPath, reason: String(e) }) })
    const card = yield* Schema.decodeUnknown(Schema.parseJson(WhisperCard))(text).pipe(
      Effect.mapError((e) => new ModelLoadError({ card: cardPath, reason: `the card is invalid: ${e.message}` }))
    )
    const encoder = yield* loadModel(resolveModelFile(cardPath, card.encoder))
    const decoder = yield* loadModel(resolveModelFile(cardPath, card.decoder))
    const encode = async (speech: Float32Array) => {
      const features = new ort.Tensor("float32", logMel(speech, card.nMels), [1, card.nMels, whisperAudio.frames])
      return (await encoder.session.run({ [card.io.features]: features }))[card.io.encoderOutput]!
    }
    /** The decoder's logits for the token after `tokens`, checked to cover token ids up to `highestId`. */
    const nextLogits = async (tokens: ReadonlyArray<number>, encoded: ort.Tensor, highestId: number) => {
      const decoded = await decoder.session.run({
        [card.io.inputIds]: new ort.Tensor("int64", BigInt64Array.from(tokens, BigInt), [1, tokens.length]),
        [card.io.encoderHidden]: encoded
      })
      const logits = decoded[card.io.logits]!
      const vocabulary = logits.dims.at(-1)!
      if (highestId >= vocabulary) throw new Error(`token ${highestId} is outside the decoder's ${vocabulary}-token vocabulary`)
      const data = logits.data as Float32Array
      return data.subarray(data.length - vocabulary)
    }
    return { card, encode, nextLogits }
  })

export const whisperLanguageLayer = (cardPath: string) =>
  Layer.scoped(
    SpokenLanguage,
    Effect.gen(function* () {
      const { card, encode, nextLogits } = yield* loadWhisper(cardPath)
      const highestId = Math.max(...Object.values(card.tokens.languages), card.tokens.startOfTranscript)

      const identify = (speech: Float32Array) =>
        Effect.tryPromise({
          // The prediction that follows <|startoftranscript|>, read at the language tokens.
          try: async () => languageFromLogits(await nextLogits([card.tokens.startOfTranscript], await encode(speech), highestId), card.tokens.languages),
          catch: (e) => new LanguageInferenceError({ model: card.name, reason: e instanceof Error ? e.message : String(e) })
        })

      return { name: card.name, maxSamples: whisperAudio.chunkSamples, identify } satisfies SpokenLanguageApi
    })
  )
