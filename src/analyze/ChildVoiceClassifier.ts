import { Context, Data, Effect, Layer } from "effect"
import { join } from "node:path"
import ort from "onnxruntime-node"
import { loadModel, ModelLoadError, modelsDir } from "./ModelCard.js"
import { type FrameFeatures, segmentFeatureNames, summariseSegment } from "./voiceFeatures.js"

export interface ChildVoiceScore {
  readonly childScore: number
  readonly medianF0: number | null
}

/** One speech segment as the analyzer hands it over. */
export interface SegmentInput {
  readonly frames: ReadonlyArray<FrameFeatures>
  /** The segment's 16 kHz samples, or null when the classifier does not read them (see `needsAudio`). */
  readonly audio: Float32Array | null
}

export interface ChildVoiceClassifierApi {
  readonly name: string
  /** The score from which a segment counts as a child's, as the model was calibrated. */
  readonly threshold: number
  /** Whether `scoreSegment` reads the samples: the analyzer keeps a segment's audio only then. */
  readonly needsAudio: boolean
  readonly scoreSegment: (segment: SegmentInput) => Effect.Effect<ChildVoiceScore, ChildVoiceInferenceError>
}

export class ChildVoiceInferenceError extends Data.TaggedError("ChildVoiceInferenceError")<{ readonly model: string; readonly reason: string }> {
  readonly retryable = false
  override get message() {
    return `child-voice model ${this.model} failed: ${this.reason}`
  }
}

/** Below this share of voiced frames a segment scores 0 without asking the model. */
export const minVoicedShare = 0.15

/** Decides how child-like the voice of a speech segment is. Back-ends differ; the analyzer sees only this. */
export class ChildVoiceClassifier extends Context.Tag("kidvoice/ChildVoiceClassifier")<ChildVoiceClassifier, ChildVoiceClassifierApi>() {
  /** The learned model over segment features (scripts/train-child-voice.ts): one onnxruntime session for the scope. */
  static readonly layerFromCard = (cardPath: string): Layer.Layer<ChildVoiceClassifier, ModelLoadError> =>
    Layer.scoped(
      ChildVoiceClassifier,
      Effect.gen(function* () {
        const { card, session } = yield* loadModel(cardPath)
        const names = card.features ?? []
        if (names.length !== segmentFeatureNames.length || names.some((name, i) => name !== segmentFeatureNames[i])) {
          return yield* new ModelLoadError({
            card: cardPath,
            reason: `the card's features (${names.join(", ") || "none"}) are not the ones this version computes (${segmentFeatureNames.join(", ")})`
          })
        }
        const [input] = card.inputs
        const [output] = card.outputs
        const scoreSegment = ({ frames }: SegmentInput) => {
          const summary = summariseSegment(frames)
          // Hardly any pitch: whispering, noise or music that slipped past the VAD. The model never saw such segments.
          if (summary.voicedShare < minVoicedShare) return Effect.succeed({ childScore: 0, medianF0: summary.medianF0 })
          return Effect.tryPromise({
            try: async () => {
              const result = await session.run({ [input!]: new ort.Tensor("float32", summary.features, [1, summary.features.length]) })
              return { childScore: (result[output!]!.data as Float32Array)[0]!, medianF0: summary.medianF0 }
            },
            catch: (e) => new ChildVoiceInferenceError({ model: card.name, reason: String(e) })
          })
        }
        return { name: card.name, threshold: card.thresholds["child"] ?? 0.5, needsAudio: false, scoreSegment } satisfies ChildVoiceClassifierApi
      })
    )

  static readonly layer = ChildVoiceClassifier.layerFromCard(join(modelsDir, "child-voice-acoustic.json"))
}
