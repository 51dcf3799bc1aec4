import { Data, Effect } from "effect"
import { promises as fs } from "node:fs"
import { classifyFfmpegFailure, describeCause, type FfmpegFailureCause, informativeLines, isTransient } from "./ffmpegFailure.js"
import { runProgram } from "./ProgramRun.js"

/** ffprobe found no decodable audio, or the file is empty. Retrying will not help. */
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
 * ffmpeg or ffprobe failed for a cause that is not the input's content (killed by a signal, out of memory,
 * disk full, the input vanished), or ffmpeg could not convert an input ffprobe accepted. Retryable when the
 * cause is transient.
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

export interface MediaProbe {
  readonly durationSeconds: number | null
  readonly audioCodec: string
  readonly sampleRate: number | null
  readonly channels: number | null
}

/** The programs: FFMPEG_PATH / FFPROBE_PATH (the variables fluent-ffmpeg read, kept for users who set them), else PATH. */
const ffmpegProgram = () => process.env.FFMPEG_PATH || "ffmpeg"
const ffprobeProgram = () => process.env.FFPROBE_PATH || "ffprobe"

/** An empty file is said to be empty, not described by whatever the decoder makes of zero bytes. */
const refuseEmpty = (path: string) =>
  Effect.promise(() => fs.stat(path).then((s) => s.size, () => null)).pipe(
    Effect.filterOrFail((size) => size !== 0, () => new UndecodableMedia({ path, reason: "the file is empty (0 bytes)" })),
    Effect.asVoid
  )

interface ProbeOutput {
  readonly streams?: ReadonlyArray<{
    readonly codec_type?: string
    readonly codec_name?: string
    readonly sample_rate?: string
    readonly channels?: number
    readonly duration?: string
  }>
  readonly format?: { readonly duration?: string }
}

const parseProbe = (path: string, stdout: string) =>
  Effect.try({
    try: () => JSON.parse(stdout) as ProbeOutput,
    catch: () => new UndecodableMedia({ path, reason: "ffprobe printed no readable description" })
  }).pipe(
    Effect.flatMap((data) => {
      const stream = (data.streams ?? []).find((s) => s.codec_type === "audio")
      if (!stream) return Effect.fail(new UndecodableMedia({ path, reason: "the file has no audio stream" }))
      const duration = Number(data.format?.duration ?? stream.duration)
      return Effect.succeed<MediaProbe>({
        durationSeconds: Number.isFinite(duration) ? duration : null,
        audioCodec: stream.codec_name ?? "unknown",
        sampleRate: stream.sample_rate ? Number(stream.sample_rate) : null,
        channels: stream.channels ?? null
      })
    })
  )

/** What ffprobe says about the file's audio. Separate from the conversion, so a caller may skip it. */
export const probeAudio = (path: string) =>
  Effect.gen(function* () {
    yield* refuseEmpty(path)
    const result = yield* runProgram(ffprobeProgram(), ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", "--", path], {
      stdin: "ignore",
      encoding: "utf8"
    })
    if (result.exitCode !== 0 || result.signal !== undefined) {
      const stderr = String(result.stderr ?? "")
      const cause = classifyFfmpegFailure({ exitCode: result.exitCode, signal: result.signal, stderr })
      const reason = informativeLines(stderr).join(" | ") || `exit code ${result.exitCode}`
      if (cause._tag === "Undecodable") return yield* new UndecodableMedia({ path, reason })
      return yield* new FfmpegFailed({ program: "ffprobe", input: path, output: null, cause, reason })
    }
    return yield* parseProbe(path, String(result.stdout ?? ""))
  })

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
export const transcodeToWav = (input: string, output: string, excerpt?: Excerpt) =>
  Effect.gen(function* () {
    const args = [
      "-hide_banner", "-nostdin", "-v", "warning", "-y",
      ...(excerpt ? ["-ss", String(excerpt.startSeconds), "-t", String(excerpt.durationSeconds)] : []),
      "-i", input,
      "-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le",
      // No metadata chunks: the header is the 44-byte canonical one the analyzer and tools expect.
      "-map_metadata", "-1", "-bitexact",
      "-f", "wav", output
    ]
    const result = yield* runProgram(ffmpegProgram(), args, { stdin: "ignore", encoding: "utf8" })
    const stderr = String(result.stderr ?? "")
    if (result.exitCode !== 0 || result.signal !== undefined) {
      const cause = classifyFfmpegFailure({ exitCode: result.exitCode, signal: result.signal, stderr })
      return yield* new FfmpegFailed({ program: "ffmpeg", input, output, cause, reason: informativeLines(stderr).join(" | ") })
    }
    // ffmpeg guessing the layout of a mono or stereo stream is how it reads most plain files, not a defect.
    const warnings = informativeLines(stderr.split("\n").filter((l) => !/Guessed Channel Layout/.test(l)).join("\n"), 5)
    return { warnings } satisfies Transcoded
  })
