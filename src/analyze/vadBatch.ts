import { Deferred, Effect } from "effect"
import ort from "onnxruntime-node"
import type { SynchronousRun } from "./synchronousRun.js"

/** One file's next frame for the VAD: its input (context + frame) and its recurrent state, which a run updates in place. */
export interface VadLane {
  readonly input: Float32Array
  /** Shaped [2, 1, width]: Silero's two state rows for this file alone. */
  readonly state: Float32Array
  readonly inputTensor: ort.Tensor
  readonly stateTensor: ort.Tensor
}

/** How many frames went through the model, in how many runs: fewer runs than frames means frames shared runs. */
export interface BatchCounts {
  readonly frames: number
  readonly runs: number
}

interface Waiting<E> {
  readonly lane: VadLane
  readonly done: Deferred.Deferred<number, E> | null
}

/** Batched tensors for a batch size, made once: a run of 2 files reuses them every frame. */
interface BatchBuffers {
  readonly input: Float32Array
  readonly state: Float32Array
  readonly inputTensor: ort.Tensor
  readonly stateTensor: ort.Tensor
}

/**
 * Runs the frames that concurrent files (the analysis workers) have ready in one model run. Silero's batch rows are
 * independent (a test checks the probabilities are bit-identical to one file at a time) and a run of 2 frames costs
 * ~1.2 runs of 1 (measured on the busy 2-core machine: 155 → 96 µs CPU per frame), so two workers analysing at once
 * pay much less per frame. The first frame to arrive yields once, letting the other workers reach their next frame,
 * then runs all that arrived; the others wait for that run. The run is never interrupted halfway, so nobody waits for
 * a run that will not happen. A file alone runs its frames at once, as before.
 */
export const makeVadBatcher = <E>(run: SynchronousRun, sr: ort.Tensor, stateWidth: number, failure: (cause: unknown) => E) => {
  let waiting: Array<Waiting<E>> = []
  let frames = 0
  let runs = 0
  const buffers = new Map<number, BatchBuffers>()
  const buffersFor = (size: number, inputLength: number) => {
    let b = buffers.get(size)
    if (b === undefined) {
      const input = new Float32Array(size * inputLength)
      const state = new Float32Array(2 * size * stateWidth)
      b = { input, state, inputTensor: new ort.Tensor("float32", input, [size, inputLength]), stateTensor: new ort.Tensor("float32", state, [2, size, stateWidth]) }
      buffers.set(size, b)
    }
    return b
  }

  /** One model run over `batch`; each lane's state is updated and its probability returned in batch order. */
  const runBatch = (batch: ReadonlyArray<Waiting<E>>): Float32Array => {
    frames += batch.length
    runs++
    if (batch.length === 1) {
      const lane = batch[0]!.lane
      const result = run({ input: lane.inputTensor, state: lane.stateTensor, sr })
      lane.state.set(result["stateN"]!.data as Float32Array)
      return result["output"]!.data as Float32Array
    }
    const size = batch.length
    const inputLength = batch[0]!.lane.input.length
    const b = buffersFor(size, inputLength)
    batch.forEach(({ lane }, i) => {
      b.input.set(lane.input, i * inputLength)
      for (let row = 0; row < 2; row++) b.state.set(lane.state.subarray(row * stateWidth, (row + 1) * stateWidth), (row * size + i) * stateWidth)
    })
    const result = run({ input: b.inputTensor, state: b.stateTensor, sr })
    const stateN = result["stateN"]!.data as Float32Array
    batch.forEach(({ lane }, i) => {
      for (let row = 0; row < 2; row++) lane.state.set(stateN.subarray((row * size + i) * stateWidth, (row * size + i + 1) * stateWidth), row * stateWidth)
    })
    return result["output"]!.data as Float32Array
  }

  const collectAndRun = Effect.suspend(() => {
    const batch = waiting
    waiting = []
    let probabilities: Float32Array
    try {
      probabilities = runBatch(batch)
    } catch (cause) {
      const error = failure(cause)
      return Effect.forEach(batch, (w) => (w.done === null ? Effect.void : Deferred.fail(w.done, error)), { discard: true }).pipe(Effect.zipRight(Effect.fail(error)))
    }
    if (batch.length === 1) return Effect.succeed(probabilities[0]!)
    return Effect.forEach(batch, (w, i) => (w.done === null ? Effect.void : Deferred.succeed(w.done, probabilities[i]!)), { discard: true }).pipe(
      Effect.as(probabilities[0]!)
    )
  })

  /**
   * A turn of the event loop: the other files' reads and writes complete, so their workers can reach their next frame.
   * Only when another file is open and has not sent its frame after a plain yield (it was waiting for the disk).
   */
  const turnOfTheEventLoop = Effect.async<void>((resume) => {
    const handle = setImmediate(() => resume(Effect.void))
    return Effect.sync(() => clearImmediate(handle))
  })
  const othersMayCome = Effect.suspend(() => (waiting.length < open ? turnOfTheEventLoop : Effect.void))

  /** The speech probability of the frame now in `lane.input`, run alone or with other files' frames. */
  const probability = (lane: VadLane): Effect.Effect<number, E> =>
    Effect.suspend(() => {
      if (waiting.length > 0) {
        return Effect.flatMap(Deferred.make<number, E>(), (done) => {
          waiting.push({ lane, done })
          return Deferred.await(done)
        })
      }
      waiting.push({ lane, done: null })
      // One file open: its frame runs at once, as before batching.
      if (open <= 1) return collectAndRun
      return Effect.uninterruptible(Effect.yieldNow().pipe(Effect.zipRight(othersMayCome), Effect.zipRight(collectAndRun)))
    })

  /** Files being analysed now: while more than one is, a frame waits for the others' frames. */
  let open = 0
  const opened = () => {
    open++
    let closed = false
    return () => {
      if (!closed) open--
      closed = true
    }
  }

  const counts = (): BatchCounts => ({ frames, runs })
  return { probability, counts, opened }
}
