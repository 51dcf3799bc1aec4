import { Context, Data, Effect, Layer } from "effect"
import { join } from "node:path"
import ort from "onnxruntime-node"
import { loadModel, type ModelLoadError, modelsDir, resolveModelFile } from "./ModelCard.js"
import { synchronousRun } from "./synchronousRun.js"
import { type BatchCounts, makeVadBatcher, type VadLane } from "./vadBatch.js"

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
  /** The file is done (or abandoned): other files' frames stop waiting for its frames. */
  readonly close: () => void
}

export interface SileroVadApi {
  readonly sampleRate: number
  readonly frameSamples: number
  readonly threshold: number
  /** How each frame runs: on this thread through onnxruntime's native session, or through its public asynchronous API. */
  readonly runs: "synchronous" | "public"
  /** A fresh recurrent state for a new file; the session itself is shared by all workers. */
  readonly newStream: () => VadStream
  /** Frames and model runs so far (synchronous runs only): concurrent files share runs. */
  readonly batchCounts: () => BatchCounts
}

export class SileroVad extends Context.Tag("kidvoice/SileroVad")<SileroVad, SileroVadApi>() {
  /** `runs: "public"` keeps onnxruntime-node's asynchronous API (what a version without the native session falls back to). */
  static readonly layerFromCard = (cardPath: string, runs: "synchronous" | "public" = "synchronous"): Layer.Layer<SileroVad, ModelLoadError> =>
    Layer.scoped(
      SileroVad,
      Effect.gen(function* () {
        const { card, session } = yield* loadModel(cardPath)
        const frameSamples = card.windowSamples
        const contextSamples = card.contextSamples
        const stateWidth = 128
        const sr = new ort.Tensor("int64", BigInt64Array.from([BigInt(card.sampleRate)]), [])
        // The same weights loadModel checked, run on this thread without onnxruntime-node's per-call promise wrapping.
        const runNow = runs === "public" ? null : synchronousRun(resolveModelFile(cardPath, card.file), { intraOpNumThreads: 1, interOpNumThreads: 1 }, card.outputs)
        const catchInference = (e: unknown) => new VadInferenceError({ reason: String(e) })
        const batcher = runNow === null ? null : makeVadBatcher(runNow, sr, stateWidth, catchInference)
        const newStream = (): VadStream => {
          const state = new Float32Array(2 * stateWidth)
          const input = new Float32Array(contextSamples + frameSamples)
          const lane: VadLane = {
            input,
            state,
            // Tensors over the stream's own buffers for the whole file: a run has read them before the next frame is written.
            inputTensor: new ort.Tensor("float32", input, [1, input.length]),
            stateTensor: new ort.Tensor("float32", state, [2, 1, stateWidth])
          }
          const nextInput = (frame: Float32Array) => {
            // Silero v5 reads the last 64 samples of the previous frame before each new one.
            input.copyWithin(0, frameSamples, frameSamples + contextSamples)
            input.set(frame, contextSamples)
            if (frame.length < frameSamples) input.fill(0, contextSamples + frame.length)
          }
          return {
            frameSamples,
            close: batcher?.opened() ?? (() => {}),
            probability: batcher !== null
              ? (frame) => Effect.suspend(() => {
                nextInput(frame)
                return batcher.probability(lane)
              })
              : (frame) =>
                Effect.tryPromise({
                  try: async () => {
                    nextInput(frame)
                    const result = await session.run({ input: new ort.Tensor("float32", input.slice(), [1, input.length]), state: lane.stateTensor, sr })
                    state.set(result["stateN"]!.data as Float32Array)
                    return (result["output"]!.data as Float32Array)[0]!
                  },
                  catch: catchInference
                })
          }
        }
        return { sampleRate: card.sampleRate, frameSamples, threshold: card.thresholds["speech"] ?? 0.5, runs: runNow === null ? "public" : "synchronous", newStream,
          batchCounts: () => batcher?.counts() ?? { frames: 0, runs: 0 } }
      })
    )

  static readonly layer = SileroVad.layerFromCard(join(modelsDir, "silero-vad-v5.json"))
}
