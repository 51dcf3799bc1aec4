import { Context, Data, Effect, Layer } from "effect"
import { promises as fs } from "node:fs"
import type ort from "onnxruntime-node"
import { bestToken, type DecodeStop, defaultLoopGuard, type StopRules, stopDecision } from "./greedyDecoding.js"
import { whisperAudio } from "./logMel.js"
import { ModelLoadError, resolveModelFile } from "./ModelCard.js"
import { languageFromLogits, loadWhisper } from "./WhisperLanguage.js"
import { decodeTokens, parseVocabulary, type WhisperVocabulary } from "./whisperTokenizer.js"

export class TranscriptionError extends Data.TaggedError("TranscriptionError")<{
  readonly model: string
  readonly reason: string
}> {
  readonly retryable = false
  override get message() {
    return `speech recognition by ${this.model} failed: ${this.reason}`
  }
}

export interface Transcription {
  readonly text: string
  /** The language transcribed in: the one asked for when the model knows it, else the one the model heard. */
  readonly language: string
  /** Tokens generated over all 30 s windows (prompts not counted). */
  readonly tokens: number
  /** Why the last window's decoding stopped. */
  readonly stop: DecodeStop
}

export interface TranscriberApi {
  /** The model's card name, recorded with every text it writes. */
  readonly model: string
  /** Text of 16 kHz mono samples, in `language` when the model knows it (else the language it hears); any length. */
  readonly transcribe: (samples: Float32Array, language: string | null) => Effect.Effect<Transcription, TranscriptionError>
}

/** Speech to text for clips that have no captions. Provided only when a Whisper model that can transcribe is chosen. */
export class Transcriber extends Context.Tag("kidvoice/Transcriber")<Transcriber, TranscriberApi>() {
  /** Whisper, greedy decoding, from a Whisper card with a `transcription` section (the card the language model uses). */
  static readonly layerFromCard = (cardPath: string) => Layer.scoped(Transcriber, whisperTranscriber(cardPath))
}

/** The 30 s windows Whisper reads; a clip is short, but nothing stops a user from `--clip-max-seconds 120`. */
export const windows = (samples: Float32Array): ReadonlyArray<Float32Array> =>
  Array.from({ length: Math.max(1, Math.ceil(samples.length / whisperAudio.chunkSamples)) }, (_, i) =>
    samples.subarray(i * whisperAudio.chunkSamples, (i + 1) * whisperAudio.chunkSamples))

const readVocabulary = (cardPath: string, file: string) =>
  Effect.tryPromise({
    try: async () => parseVocabulary(JSON.parse(await fs.readFile(resolveModelFile(cardPath, file), "utf8"))),
    catch: (e) => new ModelLoadError({ card: cardPath, reason: `cannot read the tokenizer ${file}: ${e instanceof Error ? e.message : String(e)}` })
  })

const whisperTranscriber = (cardPath: string) =>
  Effect.gen(function* () {
    const { card, encode, nextLogits } = yield* loadWhisper(cardPath)
    const setup = card.transcription
    if (setup === undefined) {
      return yield* new ModelLoadError({ card: cardPath, reason: "the card has no transcription section (tokenizer, transcribe/noTimestamps/endOfText ids): it identifies languages only" })
    }
    const vocabulary: WhisperVocabulary = yield* readVocabulary(cardPath, setup.tokenizer)
    const prompts = { startOfTranscript: card.tokens.startOfTranscript, transcribe: setup.transcribe, noTimestamps: setup.noTimestamps, endOfText: setup.endOfText }
    const unknown = Object.entries({ ...prompts, ...card.tokens.languages }).filter(([, id]) => !vocabulary.tokens.has(id))
    if (unknown.length > 0) {
      return yield* new ModelLoadError({ card: cardPath, reason: `the tokenizer has no token ${unknown.map(([name, id]) => `${id} (${name})`).join(", ")}: card and tokenizer belong to different models` })
    }
    const highestId = Math.max(...Object.values(prompts), ...Object.values(card.tokens.languages))
    const rules: StopRules = { endOfText: setup.endOfText, maxTokens: setup.maxTokens, loop: defaultLoopGuard }
    // Timestamps, languages, tasks: never text. End-of-text stays choosable: it is how the decoder says it is done.
    let suppressed: Uint8Array | null = null
    const suppressedFor = (vocabularySize: number) => {
      if (suppressed?.length !== vocabularySize) {
        suppressed = new Uint8Array(vocabularySize)
        for (const id of vocabulary.special) if (id < vocabularySize && id !== setup.endOfText) suppressed[id] = 1
      }
      return suppressed
    }
    const fail = (e: unknown) => new TranscriptionError({ model: card.name, reason: e instanceof Error ? e.message : String(e) })
    const step = <A>(run: () => Promise<A>) => Effect.tryPromise({ try: run, catch: fail })

    /** One window: the prompt, then one token at a time (each step an effect, so an interrupt stops the loop). */
    const decodeWindow = (window: Float32Array, language: string | null) =>
      Effect.gen(function* () {
        const encoded: ort.Tensor = yield* step(() => encode(window))
        const languageToken = language !== null ? card.tokens.languages[language] : undefined
        const spoken = languageToken !== undefined
          ? language!
          : languageFromLogits(yield* step(() => nextLogits([prompts.startOfTranscript], encoded, highestId)), card.tokens.languages).language
        const prompt = [prompts.startOfTranscript, card.tokens.languages[spoken]!, prompts.transcribe, prompts.noTimestamps]
        const generated: Array<number> = []
        while (true) {
          const logits = yield* step(() => nextLogits([...prompt, ...generated], encoded, highestId))
          const next = bestToken(logits, suppressedFor(logits.length))
          if (next < 0) return yield* fail("every token is suppressed")
          generated.push(next)
          const decision = stopDecision(generated, rules)
          if (decision !== null) {
            const text = yield* Effect.try({ try: () => decodeTokens(vocabulary, generated.slice(0, decision.keep)), catch: fail })
            return { text, language: spoken, tokens: generated.length, stop: decision.stop }
          }
        }
      })

    const transcribe = (samples: Float32Array, language: string | null) =>
      Effect.forEach(windows(samples), (window) => decodeWindow(window, language)).pipe(
        Effect.map((parts): Transcription => ({
          text: parts.map((p) => p.text).filter((t) => t.length > 0).join(" "),
          language: parts[0]!.language,
          tokens: parts.reduce((sum, p) => sum + p.tokens, 0),
          stop: parts.at(-1)!.stop
        })),
        Effect.withSpan("Transcriber.transcribe", { attributes: { model: card.name, samples: samples.length } })
      )

    return { model: card.name, transcribe } satisfies TranscriberApi
  })
