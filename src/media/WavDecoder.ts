import { Context, Deferred, Effect, Exit, Fiber, Layer } from "effect"
import { type Decoded, decodeToWav, decodeWarnings, ffmpegProgram, refuseEmpty, wavOutputArgs } from "./Ffmpeg.js"
import { inputArgs } from "./mediaFormats.js"
import { runProgram } from "./ProgramRun.js"
import { readWavInfo } from "./WavFile.js"

/**
 * Decodes source files to 16 kHz mono WAV as `decodeToWav` does (same errors, same output), but files that arrive
 * together share one ffmpeg: `ffmpeg -i a -i b … -map 0:a:0 … a.wav -map 1:a:0 … b.wav`.
 *
 * Why: starting Debian's ffmpeg (215 shared libraries to map and relocate) costs ~0.2 CPU-s, more than decoding a
 * short file (measured: 8 short Ogg files one process each 2.25 CPU-s, all in one process 0.88 CPU-s, the WAVs
 * byte-identical). For an archive of short recordings that start-up was most of the decode stage.
 *
 * Rules, so that sharing never changes a result:
 * - The first file to arrive waits up to `gatherMs` (real time) for others (until there are `maxInputs`), then runs them together.
 *   A file alone is decoded alone, by `decodeToWav`.
 * - Only a clean shared run counts: ffmpeg exited 0, said nothing worth passing on, and wrote a WAV with samples
 *   for the file. Otherwise (one file undecodable, damaged, the disk full, …) every file of that run is decoded again
 *   alone, so each gets its own verdict and its own warnings exactly as before.
 * - Interrupting any waiting caller kills the shared ffmpeg and waits for it to exit (the promise `decodeToWav`
 *   makes: after an interruption, no ffmpeg writes into the caller's files); the other callers decode alone.
 * - Each file's first audio stream is decoded (`-map N:a:0`), in a shared run as alone.
 */
export interface WavDecoderApi {
  readonly decode: (input: string, output: string, maxSeconds: number) => Effect.Effect<Decoded, Effect.Effect.Error<ReturnType<typeof decodeToWav>>>
  /** Files decoded so far and ffmpeg processes started for them (shared runs plus files decoded alone). */
  readonly counts: () => { readonly files: number; readonly processes: number }
}

interface Request {
  readonly input: string
  readonly output: string
  readonly maxSeconds: number
  /** The file's result from a shared run, or null: decode it alone. */
  readonly done: Deferred.Deferred<Decoded | null>
}

interface Batch {
  readonly requests: Array<Request>
  /** Set once the gathering is over: no request joins or leaves after it. */
  closed: boolean
  /** A caller was interrupted after the gathering: the shared run must not start, or must be killed. */
  aborted: boolean
  program: Fiber.RuntimeFiber<unknown> | null
  /** Completed once every request of the batch has its outcome and the shared ffmpeg (if any) has exited. */
  readonly finished: Deferred.Deferred<void>
  /** Ends the gathering early (the batch is full). */
  wake: () => void
}

/** One ffmpeg for several files: each input mapped to its own output, with the limit `decodeToWav` applies. */
export const sharedDecodeArgs = (requests: ReadonlyArray<Pick<Request, "input" | "output" | "maxSeconds">>) => [
  "-hide_banner", "-nostdin", "-v", "warning", "-y",
  ...requests.flatMap((r) => inputArgs(r.input)),
  ...requests.flatMap((r, i) => ["-map", `${i}:a:0`, "-t", String(r.maxSeconds + 1), ...wavOutputArgs(r.output)])
]

export const makeWavDecoder = (options: { readonly gatherMs: number; readonly maxInputs: number }) => {
  let forming: Batch | null = null
  let files = 0
  let processes = 0

  /** The outcome of each file of a clean shared run; null for every file when the run was not clean. */
  const runShared = (batch: Batch) =>
    Effect.gen(function* () {
      if (batch.aborted) return
      processes++
      const program = yield* Effect.fork(runProgram(ffmpegProgram(), sharedDecodeArgs(batch.requests), { stdin: "ignore", encoding: "utf8" }))
      batch.program = program
      const exit = yield* Fiber.await(program).pipe(Effect.onInterrupt(() => Fiber.interrupt(program)))
      if (!Exit.isSuccess(exit)) return
      const result = exit.value
      if (result.exitCode !== 0 || result.signal !== undefined || decodeWarnings(String(result.stderr ?? "")).length > 0) return
      yield* Effect.forEach(batch.requests, (request) =>
        readWavInfo(request.output).pipe(
          Effect.flatMap((wav) => wav.dataBytes === 0 ? Effect.void : Deferred.succeed(request.done, { warnings: [], wav })),
          Effect.ignore
        ), { discard: true })
    }).pipe(
      // Whatever did not get a result from the shared run (all of them, if it was not clean) decodes alone.
      Effect.ensuring(Effect.forEach(batch.requests, (r) => Deferred.succeed(r.done, null), { discard: true }).pipe(Effect.zipRight(Deferred.succeed(batch.finished, undefined))))
    )

  /** Real time, not the Clock: a gathering window is about ffmpeg start-ups, and a TestClock must not stall decoding. */
  const gather = (batch: Batch) =>
    Effect.async<void>((resume) => {
      let resumed = false
      const end = () => {
        if (resumed) return
        resumed = true
        clearTimeout(timer)
        resume(Effect.void)
      }
      const timer = setTimeout(end, options.gatherMs)
      batch.wake = end
      return Effect.sync(() => clearTimeout(timer))
    })

  /** What a caller does when interrupted while its file is in `batch`. */
  const leave = (batch: Batch, request: Request) =>
    Effect.suspend(() => {
      if (!batch.closed) {
        batch.requests.splice(batch.requests.indexOf(request), 1)
        return Effect.void
      }
      batch.aborted = true
      return (batch.program === null ? Effect.void : Fiber.interrupt(batch.program)).pipe(Effect.zipRight(Deferred.await(batch.finished)))
    })

  const close = (batch: Batch) => {
    batch.closed = true
    if (forming === batch) forming = null
  }

  /** Joins the batch being gathered, or starts one and runs it; the file's shared result, or null to decode it alone. */
  const shared = (input: string, output: string, maxSeconds: number) =>
    Effect.gen(function* () {
      const request: Request = { input, output, maxSeconds, done: yield* Deferred.make<Decoded | null>() }
      const joined = forming
      if (joined !== null) {
        joined.requests.push(request)
        if (joined.requests.length >= options.maxInputs) {
          close(joined)
          joined.wake()
        }
        return yield* Deferred.await(request.done).pipe(Effect.onInterrupt(() => leave(joined, request)))
      }
      // One caller at a time (one download worker): nobody could join, so no waiting.
      if (options.maxInputs <= 1) return null
      const batch: Batch = { requests: [request], closed: false, aborted: false, program: null, finished: yield* Deferred.make<void>(), wake: () => {} }
      forming = batch
      return yield* Effect.gen(function* () {
        yield* gather(batch)
        close(batch)
        // Alone: decoded by `decodeToWav`, as without this service.
        if (batch.requests.length === 1) return yield* Deferred.succeed(batch.finished, undefined).pipe(Effect.as(null))
        yield* runShared(batch)
        return yield* Deferred.await(request.done)
      }).pipe(
        Effect.onInterrupt(() => Effect.suspend(() => {
          // Interrupted while gathering: the others decode alone (their `done` is completed here).
          close(batch)
          batch.aborted = true
          return Effect.forEach(batch.requests, (r) => Deferred.succeed(r.done, null), { discard: true }).pipe(Effect.zipRight(Deferred.succeed(batch.finished, undefined)))
        }))
      )
    })

  const decode = (input: string, output: string, maxSeconds: number) =>
    Effect.gen(function* () {
      yield* refuseEmpty(input)
      files++
      const result = yield* shared(input, output, maxSeconds)
      if (result !== null) return result
      processes++
      return yield* decodeToWav(input, output, maxSeconds)
    })

  return { decode, counts: () => ({ files, processes }) } satisfies WavDecoderApi
}

/** Optional: a Downloader built without it decodes each file in its own ffmpeg. */
export class WavDecoder extends Context.Tag("kidvoice/WavDecoder")<WavDecoder, WavDecoderApi>() {
  /**
   * `callers`: how many download workers may decode at once; a batch that has them all starts at once. Otherwise it
   * starts 500 ms after its first file: the workers drift apart (each file's commit and move take their own time),
   * and on a loaded machine 20 ms gathered 1–2 files of 4, 200 ms 60 files in 37 runs; a local file waits for analysis far longer.
   */
  static readonly layer = (callers: number) => Layer.sync(WavDecoder, () => makeWavDecoder({ gatherMs: 500, maxInputs: Math.min(callers, 16) }))
}
