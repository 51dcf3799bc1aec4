import { Effect, Layer, Schema } from "effect"
import ort from "onnxruntime-node"
import { summariseSegment } from "./voiceFeatures.js"
import { ChildVoiceClassifier, type ChildVoiceClassifierApi, ChildVoiceInferenceError, type SegmentInput } from "./ChildVoiceClassifier.js"
import { loadModel, ModelCard, ModelLoadError } from "./ModelCard.js"
import { softmax } from "./probabilities.js"

/**
 * A wav2vec2 age/gender model as audeering publishes it in ONNX: raw 16 kHz audio in (`signal` [1, samples]),
 * age/100 (`logits_age` [1, 1]) and gender logits (`logits_gender` [1, 3], female/male/child) out.
 * The tensor names, the label order and whether to normalise come from the card.
 */
export class AgeGenderCard extends ModelCard.extend<AgeGenderCard>("AgeGenderCard")({
  kind: Schema.Literal("wav2vec2-age-gender"),
  io: Schema.Struct({ signal: Schema.String, age: Schema.String, gender: Schema.String }),
  /** Zero mean, unit variance per window, as the model's feature extractor did in training. */
  normalise: Schema.optionalWith(Schema.Boolean, { default: () => false })
}) {}

/** Cuts `length` samples into the fewest near-equal windows of at most `max`, so no window is a sliver. */
export const windowBounds = (length: number, max: number): Array<readonly [number, number]> => {
  const count = Math.max(1, Math.ceil(length / max))
  const size = Math.ceil(length / count)
  return Array.from({ length: count }, (_, i) => [i * size, Math.min(length, (i + 1) * size)] as const).filter(([a, b]) => b > a)
}

const normalised = (samples: Float32Array) => {
  let mean = 0
  for (const s of samples) mean += s
  mean /= samples.length
  let variance = 0
  for (const s of samples) variance += (s - mean) ** 2
  const scale = 1 / Math.sqrt(variance / samples.length + 1e-7)
  return samples.map((s) => (s - mean) * scale)
}

export const ageGenderClassifierLayer = (cardPath: string) =>
  Layer.scoped(
    ChildVoiceClassifier,
    Effect.gen(function* () {
      const { card, session } = yield* loadModel(cardPath, AgeGenderCard)
      const child = card.labels.indexOf("child")
      if (child < 0) return yield* new ModelLoadError({ card: cardPath, reason: `labels must include child (found ${card.labels.join(", ")})` })
      const fail = (reason: string) => new ChildVoiceInferenceError({ model: card.name, reason })

      /** Child probability of one window; memory is one window however long the segment. */
      const childProbability = (samples: Float32Array) =>
        Effect.tryPromise({
          try: async () => {
            const signal = card.normalise ? normalised(samples) : samples
            const result = await session.run({ [card.io.signal]: new ort.Tensor("float32", signal, [1, signal.length]) })
            return softmax(result[card.io.gender]!.data as Float32Array)[child]!
          },
          catch: (e) => fail(String(e))
        })

      const scoreSegment = ({ frames, audio }: SegmentInput) =>
        Effect.gen(function* () {
          const { medianF0 } = summariseSegment(frames)
          if (audio === null || audio.length === 0) return yield* fail("the analyzer gave no audio for the segment")
          let weighted = 0
          for (const [start, end] of windowBounds(audio.length, card.windowSamples)) {
            weighted += (yield* childProbability(audio.subarray(start, end))) * (end - start)
          }
          return { childScore: weighted / audio.length, medianF0 }
        })

      return { name: card.name, threshold: card.thresholds["child"] ?? 0.5, needsAudio: true, scoreSegment } satisfies ChildVoiceClassifierApi
    })
  )
