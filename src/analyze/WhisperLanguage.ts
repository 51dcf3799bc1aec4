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

export const whisperLanguageLayer = (cardPath: string) =>
  Layer.scoped(
    SpokenLanguage,
    Effect.gen(function* () {
      const text = yield* Effect.tryPromise({ try: () => fs.readFile(cardPath, "utf8"), catch: (e) => new ModelLoadError({ card: cardPath, reason: String(e) }) })
      const card = yield* Schema.decodeUnknown(Schema.parseJson(WhisperCard))(text).pipe(
        Effect.mapError((e) => new ModelLoadError({ card: cardPath, reason: `the card is invalid: ${e.message}` }))
      )
      // One session each for the whole run, released with the scope.
      const encoder = yield* loadModel(resolveModelFile(cardPath, card.encoder))
      const decoder = yield* loadModel(resolveModelFile(cardPath, card.decoder))
      const vocabularyCheck = Math.max(...Object.values(card.tokens.languages), card.tokens.startOfTranscript)

      const identify = (speech: Float32Array) =>
        Effect.tryPromise({
          try: async () => {
            const features = new ort.Tensor("float32", logMel(speech, card.nMels), [1, card.nMels, whisperAudio.frames])
            const encoded = await encoder.session.run({ [card.io.features]: features })
            const decoded = await decoder.session.run({
              [card.io.inputIds]: new ort.Tensor("int64", BigInt64Array.from([BigInt(card.tokens.startOfTranscript)]), [1, 1]),
              [card.io.encoderHidden]: encoded[card.io.encoderOutput]!
            })
            const logits = decoded[card.io.logits]!
            const vocabulary = logits.dims.at(-1)!
            if (vocabularyCheck >= vocabulary) throw new Error(`token ${vocabularyCheck} is outside the decoder's ${vocabulary}-token vocabulary`)
            // The last position's logits: the prediction that follows <|startoftranscript|>.
            const data = logits.data as Float32Array
            return languageFromLogits(data.subarray(data.length - vocabulary), card.tokens.languages)
          },
          catch: (e) => new LanguageInferenceError({ model: card.name, reason: e instanceof Error ? e.message : String(e) })
        })

      return { name: card.name, maxSamples: whisperAudio.chunkSamples, identify } satisfies SpokenLanguageApi
    })
  )
