import { Data, Effect } from "effect"
import { promises as fs } from "node:fs"
import { classifyFfmpegFailure, describeCause, failureReason, type FfmpegFailureCause, informativeLines, isTransient } from "./ffmpegFailure.js"
import { runProgram } from "./ProgramRun.js"
import { inputArgs } from "./mediaFormats.js"
import { readWavInfo, type WavInfo } from "./WavFile.js"

/** ffmpeg found no decodable audio, or the file is empty. Retrying will not help. */
export class UndecodableMedia extends Data.TaggedError("UndecodableMedia")<{
  readonly path: string
  readonly reason: string
}> {
  readonly retryable = false
  override get message() {
    return `${this.path} has no decodable audio: ${this.reason}`
  }
}

/**
 * ffmpeg failed for a cause that is not the input's content (killed by a signal, out of memory, disk full, the
 * input vanished), or (from `transcodeToWav`) could not convert its input. Retryable when the cause is transient.
 */
export class FfmpegFailed extends Data.TaggedError("FfmpegFailed")<{
  readonly program: "ffmpeg" | "ffprobe"
  readonly input: string
  readonly output: string | null
  readonly cause: FfmpegFailureCause
  readonly reason: string
}> {
  get retryable() {
    return isTransient(this.cause)
  }
  override get message() {
    const what = this.output === null ? `read ${this.input}` : `write ${this.output} from ${this.input}`
    return `${this.program} could not ${what}: ${describeCause(this.cause)}${this.reason ? ` (${this.reason})` : ""}`
  }
}

/** The program: FFMPEG_PATH (the variable fluent-ffmpeg read, kept for users who set it), else PATH. */
export const ffmpegProgram = () => process.env.FFMPEG_PATH || "ffmpeg"

/** An empty file is said to be empty, not described by whatever the decoder makes of zero bytes. */
export const refuseEmpty = (path: string) =>
  Effect.promise(() => fs.stat(path).then((s) => s.size, () => null)).pipe(
    Effect.filterOrFail((size) => size !== 0, () => new UndecodableMedia({ path, reason: "the file is empty (0 bytes)" })),
    Effect.asVoid
  )

/** The output half of every decode: 16 kHz mono 16-bit PCM WAV, the header the analyzer expects, nothing else. */
export const wavOutputArgs = (output: string) => [
  "-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le",
  // No metadata chunks: the header is the 44-byte canonical one the analyzer and tools expect.
  "-map_metadata", "-1", "-bitexact",
  "-f", "wav", output
]

/** What ffmpeg said on stderr that is worth passing on: ffmpeg guessing the layout of a mono or stereo stream is how it reads most plain files, not a defect. */
export const decodeWarnings = (stderr: string) => informativeLines(stderr.split("\n").filter((l) => !/Guessed Channel Layout/.test(l)).join("\n"), 5)

export interface Excerpt {
  readonly startSeconds: number
  readonly durationSeconds: number
}

export interface Transcoded {
  /** What the decoder warned about (damaged frames, trailing bytes, timestamps), deduplicated; empty when clean. */
  readonly warnings: ReadonlyArray<string>
}

/**
 * Decodes any input ffmpeg reads into 16 kHz mono 16-bit PCM WAV with a plain header, optionally only an
 * excerpt, with ffmpeg's normal error tolerance: a damaged frame or a few trailing bytes are warnings (returned),
 * not a failure. If the fiber is interrupted, ffmpeg is killed and the interruption completes once it has exited.
 */
export const transcodeToWav = (input: string, output: string, excerpt?: Excerpt, limit?: { readonly maxOutputSeconds: number }) =>
  Effect.gen(function* () {
    const args = [
      "-hide_banner", "-nostdin", "-v", "warning", "-y",
      ...(excerpt ? ["-ss", String(excerpt.startSeconds), "-t", String(excerpt.durationSeconds)] : []),
      ...inputArgs(input),
      ...(limit ? ["-t", String(limit.maxOutputSeconds)] : []),
      // The first audio stream, as a shared decode (WavDecoder) takes it: ffmpeg's own choice (the most channels)
      // would differ for a file with several, and where a file is decoded must not change what is heard.
      "-map", "0:a:0",
      ...wavOutputArgs(output)
    ]
    const result = yield* runProgram(ffmpegProgram(), args, { stdin: "ignore", encoding: "utf8" })
    const stderr = String(result.stderr ?? "")
    if (result.exitCode !== 0 || result.signal !== undefined) {
      const cause = classifyFfmpegFailure({ exitCode: result.exitCode, signal: result.signal, stderr })
      return yield* new FfmpegFailed({ program: "ffmpeg", input, output, cause, reason: failureReason(stderr) })
    }
    return { warnings: decodeWarnings(stderr) } satisfies Transcoded
  })

export interface Decoded extends Transcoded {
  /** The header ffmpeg wrote: sample rate, channels and the duration of what was decoded. */
  readonly wav: WavInfo
}

/**
 * The one process a source file costs: decodes it to a 16 kHz mono WAV (as `transcodeToWav`) and takes its
 * duration and format from the header ffmpeg wrote, not from an ffprobe before it (a second process, and a second
 * read of the start of the file). Decoding stops one second past `maxSeconds`, so an input longer than the limit
 * costs at most the limit's decode and shows itself by its output being longer than the limit, whether or not its
 * container declares a length. An empty or undecodable input is UndecodableMedia.
 */
export const decodeToWav = (input: string, output: string, maxSeconds: number) =>
  Effect.gen(function* () {
    yield* refuseEmpty(input)
    const transcoded = yield* transcodeToWav(input, output, undefined, { maxOutputSeconds: maxSeconds + 1 }).pipe(
      Effect.catchIf(
        (e) => e.cause._tag === "Undecodable",
        (e) => Effect.fail(new UndecodableMedia({ path: input, reason: e.reason || "ffmpeg could not decode it" }))
      )
    )
    const wav = yield* readWavInfo(output)
    if (wav.dataBytes === 0) return yield* new UndecodableMedia({ path: input, reason: transcoded.warnings.join(" | ") || "no audio could be decoded from it" })
    return { ...transcoded, wav } satisfies Decoded
  })
