import { Context, Data, Effect, Layer } from "effect"
import type { LanguageGuess } from "./languageHints.js"

export class LanguageInferenceError extends Data.TaggedError("LanguageInferenceError")<{ readonly model: string; readonly reason: string }> {
  readonly retryable = false
  override get message() {
    return `language model ${this.model} failed: ${this.reason}`
  }
}

export interface SpokenLanguageApi {
  /** The audio model's name, or null when none is installed (the title and metadata decide alone). */
  readonly name: string | null
  /** How much speech (16 kHz samples) the model reads: the analyzer keeps at most this much of a file's speech. */
  readonly maxSamples: number
  readonly identify: (speech: Float32Array) => Effect.Effect<LanguageGuess, LanguageInferenceError>
}

/** Which language is spoken, from the audio. Back-ends differ; the analyzer sees only this. */
export class SpokenLanguage extends Context.Tag("kidvoice/SpokenLanguage")<SpokenLanguage, SpokenLanguageApi>() {
  /** No audio model: the analyzer keeps no speech for it, and language comes from metadata and title. */
  static readonly none = Layer.succeed(SpokenLanguage, {
    name: null,
    maxSamples: 0,
    identify: () => Effect.die("SpokenLanguage.none has no model to identify with")
  })
}
