import { Context, Data, Effect, Layer } from "effect"
import { join } from "node:path"
import ort from "onnxruntime-node"
import { loadModel, type ModelLoadError, modelsDir } from "./ModelCard.js"

export class VadInferenceError extends Data.TaggedError("VadInferenceError")<{ readonly reason: string }> {
  readonly retryable = false
  override get message() {
    return `voice activity detection failed: ${this.reason}`
  }
}

/** One file's pass through the recurrent VAD: feed consecutive frames, get a speech probability for each. */
export interface VadStream {
  readonly frameSamples: number
  readonly probability: (frame: Float32Array) => Effect.Effect<number, VadInferenceError>
}

export interface SileroVadApi {
  readonly sampleRate: number
  readonly frameSamples: number
  readonly threshold: number
  /** A fresh recurrent state for a new file; the session itself is shared by all workers. */
  readonly newStream: () => VadStream
}

export class SileroVad extends Context.Tag("kidvoice/SileroVad")<SileroVad, SileroVadApi>() {
  static readonly layerFromCard = (cardPath: string): Layer.Layer<SileroVad, ModelLoadError> =>
    Layer.scoped(
      SileroVad,
      Effect.gen(function* () {
        const { card, session } = yield* loadModel(cardPath)
        const frameSamples = card.windowSamples
        const contextSamples = card.contextSamples
        const sr = new ort.Tensor("int64", BigInt64Array.from([BigInt(card.sampleRate)]), [])
        const newStream = (): VadStream => {
          let state: ort.Tensor = new ort.Tensor("float32", new Float32Array(2 * 128), [2, 1, 128])
          const input = new Float32Array(contextSamples + frameSamples)
          return {
            frameSamples,
            probability: (frame) =>
              Effect.tryPromise({
                try: async () => {
                  // Silero v5 reads the last 64 samples of the previous frame before each new one.
                  input.copyWithin(0, frameSamples, frameSamples + contextSamples)
                  input.set(frame, contextSamples)
                  if (frame.length < frameSamples) input.fill(0, contextSamples + frame.length)
                  const result = await session.run({
                    input: new ort.Tensor("float32", input.slice(), [1, input.length]),
                    state,
                    sr
                  })
                  state = result["stateN"] as ort.Tensor
                  return (result["output"]!.data as Float32Array)[0]!
                },
                catch: (e) => new VadInferenceError({ reason: String(e) })
              })
          }
        }
        return { sampleRate: card.sampleRate, frameSamples, threshold: card.thresholds["speech"] ?? 0.5, newStream }
      })
    )

  static readonly layer = SileroVad.layerFromCard(join(modelsDir, "silero-vad-v5.json"))
}
