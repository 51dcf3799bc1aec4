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
    // fluent-ffmpeg cannot kill ffprobe; an interruption waits for it (a local file: milliseconds).
    let probed: () => void = () => {}
    const ended = new Promise<void>((done) => (probed = done))
    ffmpeg.ffprobe(path, (error, data) => {
      probed()
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
    return Effect.promise(() => ended)
  })

export interface Excerpt {
  readonly startSeconds: number
  readonly durationSeconds: number
}

/**
 * Decodes any input ffmpeg reads into 16 kHz mono 16-bit PCM WAV with a plain header,
 * optionally only an excerpt. If the fiber is interrupted, ffmpeg is killed (or, when fluent-ffmpeg has not
 * spawned it yet, killed the moment it starts) and the interruption completes only once it has exited.
 */
export const transcodeToWav = (input: string, output: string, excerpt?: Excerpt) =>
  Effect.async<void, FfmpegFailed>((resume) => {
    let interrupted = false
    let exited: () => void = () => {}
    const ended = new Promise<void>((done) => (exited = done))
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
      // fluent-ffmpeg spawns after its own checks: a kill before that is lost, so it is repeated at the start.
      .on("start", () => {
        if (interrupted) command.kill("SIGKILL")
      })
      .on("error", (error: Error, _stdout: string | null, stderr: string | null) => {
        exited()
        resume(Effect.fail(new FfmpegFailed({ input, output, reason: lastLines(stderr || error.message) })))
      })
      .on("end", () => {
        exited()
        resume(Effect.void)
      })
      .save(output)
    return Effect.promise(() => {
      interrupted = true
      command.kill("SIGKILL")
      return ended
    })
  })
