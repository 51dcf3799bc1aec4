import { Data, Effect } from "effect"
import ffmpeg from "fluent-ffmpeg"

/** ffprobe found no decodable audio, or could not read the file at all. Retrying will not help. */
export class UndecodableMedia extends Data.TaggedError("UndecodableMedia")<{
  readonly path: string
  readonly reason: string
}> {
  readonly retryable = false
  override get message() {
    return `${this.path} has no decodable audio: ${this.reason}`
  }
}

/** ffmpeg failed while converting or cutting. Disk-full is worth retrying once space is freed. */
export class FfmpegFailed extends Data.TaggedError("FfmpegFailed")<{
  readonly input: string
  readonly output: string
  readonly reason: string
}> {
  get retryable() {
    return /No space left on device|Resource temporarily unavailable/i.test(this.reason)
  }
  override get message() {
    return `ffmpeg could not write ${this.output} from ${this.input}: ${this.reason}`
  }
}

export interface MediaProbe {
  readonly durationSeconds: number | null
  readonly audioCodec: string
  readonly sampleRate: number | null
  readonly channels: number | null
}

/** The last informative lines of ffmpeg's stderr, where it says what went wrong. */
const lastLines = (text: string, count = 3) =>
  text.split("\n").map((l) => l.trim()).filter((l) => l.length > 0).slice(-count).join(" | ")

export const probeAudio = (path: string) =>
  Effect.async<MediaProbe, UndecodableMedia>((resume) => {
    ffmpeg.ffprobe(path, (error, data) => {
      if (error) {
        resume(Effect.fail(new UndecodableMedia({ path, reason: lastLines(String(error.message ?? error)) })))
        return
      }
      const stream = data.streams.find((s) => s.codec_type === "audio")
      if (!stream) {
        resume(Effect.fail(new UndecodableMedia({ path, reason: "the file has no audio stream" })))
        return
      }
      const duration = Number(data.format.duration ?? stream.duration)
      resume(Effect.succeed({
        durationSeconds: Number.isFinite(duration) ? duration : null,
        audioCodec: stream.codec_name ?? "unknown",
        sampleRate: stream.sample_rate ? Number(stream.sample_rate) : null,
        channels: stream.channels ?? null
      }))
    })
  })

export interface Excerpt {
  readonly startSeconds: number
  readonly durationSeconds: number
}

/**
 * Decodes any input ffmpeg reads into 16 kHz mono 16-bit PCM WAV with a plain header,
 * optionally only an excerpt. The ffmpeg process is killed if the fiber is interrupted.
 */
export const transcodeToWav = (input: string, output: string, excerpt?: Excerpt) =>
  Effect.async<void, FfmpegFailed>((resume) => {
    const command = ffmpeg(input)
    if (excerpt) command.seekInput(excerpt.startSeconds).duration(excerpt.durationSeconds)
    command
      .noVideo()
      .audioChannels(1)
      .audioFrequency(16000)
      .audioCodec("pcm_s16le")
      // No metadata chunks: the header is the 44-byte canonical one the analyzer and tools expect.
      .outputOptions(["-map_metadata", "-1", "-bitexact", "-xerror"])
      .format("wav")
      .on("error", (error: Error, _stdout: string | null, stderr: string | null) => {
        resume(Effect.fail(new FfmpegFailed({ input, output, reason: lastLines(stderr || error.message) })))
      })
      .on("end", () => resume(Effect.void))
      .save(output)
    return Effect.sync(() => command.kill("SIGKILL"))
  })
