import { createRequire } from "node:module"
import ort from "onnxruntime-node"

/** Runs a loaded model on the calling thread and returns its outputs, or throws onnxruntime's error. */
export type SynchronousRun = (feeds: Record<string, ort.Tensor>) => Record<string, ort.Tensor>

interface NativeSession {
  loadModel(path: string, options: ort.InferenceSession.SessionOptions): void
  run(feeds: Record<string, ort.Tensor>, fetches: Record<string, null>, options: object): Record<string, ort.Tensor | { type: ort.Tensor.Type; data: ort.Tensor.DataType; dims: ReadonlyArray<number> }>
}

interface NativeBinding {
  readonly binding: { readonly InferenceSession: new () => NativeSession }
  readonly initOrt: () => void
}

const require = createRequire(import.meta.url)

/**
 * onnxruntime-node's public `run` is asynchronous in name only: the native run happens on the main thread inside a
 * `setImmediate`, wrapped in two promises and a copy of each output. For a small model run once per 32 ms frame (the
 * VAD: ~470 runs per 15 s of audio) that wrapping cost ~65 µs a run, a third of the whole (measured: 213 → 145 µs
 * CPU per Silero frame). This loads the same file into the package's own native session and runs it directly.
 * Null when this onnxruntime-node does not expose that session the way 1.30 does: the caller keeps the public API.
 */
export const synchronousRun = (
  modelPath: string,
  options: ort.InferenceSession.SessionOptions,
  outputNames: ReadonlyArray<string>
): SynchronousRun | null => {
  let native: NativeSession
  try {
    const { binding, initOrt } = require("onnxruntime-node/dist/binding.js") as NativeBinding
    initOrt()
    native = new binding.InferenceSession()
    native.loadModel(modelPath, options)
  } catch {
    return null
  }
  const fetches = Object.fromEntries(outputNames.map((name) => [name, null]))
  return (feeds) => {
    const raw = native.run(feeds, fetches, {})
    const outputs: Record<string, ort.Tensor> = {}
    for (const name of outputNames) {
      const value = raw[name]!
      outputs[name] = value instanceof ort.Tensor ? value : new ort.Tensor(value.type, value.data as Float32Array, value.dims)
    }
    return outputs
  }
}
