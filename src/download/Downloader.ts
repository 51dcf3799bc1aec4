import { FileSystem } from "@effect/platform"
import { Clock, Context, Data, Duration, Effect, Layer, Option, Schedule } from "effect"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import type { ManifestRow } from "../domain/ManifestRow.js"
import { Workspace } from "../domain/Workspace.js"
import { moveIntoPlace } from "../files/atomicWrite.js"
import { ensureFreeSpace, isDiskFullText, OutOfDiskSpace } from "../files/diskSpace.js"
import { decodeToWav, type FfmpegFailed, type UndecodableMedia } from "../media/Ffmpeg.js"
import { WavDecoder } from "../media/WavDecoder.js"
import { type HostKeepsRefusing, RequestPacer } from "./RequestPacer.js"
import { bestAudioArgs, networkArgs, ytDlpCommand } from "./ytDlpArgs.js"
import { type CookiesFileMissing, copyCookiesInto, type FetchSettings, runYtDlp, type YtDlpNotFound } from "./YtDlp.js"
import { classifyYtDlpFailure, offlineHint, setupHint, upcomingStartsIn, ytDlpErrorLines, type YtDlpFailureKind } from "./ytDlpFailure.js"
import { sharedOrOwnInspector, uninspectedYtDlp, ytDlpNetwork } from "./ytDlpSetup.js"
import type { CaptionTrack } from "../domain/Captions.js"
import { captionArgs, fetchedCaptions, sidecarCaptions } from "./captions.js"

/**
 * A local source file is not there. Transient: a disk not mounted yet or a file being moved comes back, so it is
 * retried with backoff; `run --input` naming the file again, or `kidvoice retry`, puts it back in the queue at once.
 */
export class SourceFileMissing extends Data.TaggedError("SourceFileMissing")<{ readonly videoId: string; readonly path: string }> {
  readonly retryable = true
  override get message() {
    return `the source file of ${this.videoId} is gone: ${this.path}. It is retried later; once it is back, ` +
      `\`kidvoice run --input <its folder>\` or \`kidvoice retry --id ${this.videoId}\` queues it at once.`
  }
}

export class YtDlpFailed extends Data.TaggedError("YtDlpFailed")<{
  readonly videoId: string
  readonly url: string
  readonly kind: YtDlpFailureKind
  readonly reason: string
  readonly retryable: boolean
  readonly detail: string
}> {
  override get message() {
    return `yt-dlp could not fetch ${this.url} (${this.videoId}, ${this.kind}: ${this.reason}): ${this.detail}`
  }
}

/** What a failed fetch of one video is known by: the video, its URL, the class's reason and yt-dlp's own words. */
interface FetchFailure {
  readonly videoId: string
  readonly url: string
  readonly reason: string
  readonly detail: string
}

/** The video itself cannot be had (private, removed, members-only, ...): recorded once as skipped, never retried. */
export class VideoUnavailable extends Data.TaggedError("VideoUnavailable")<FetchFailure> {
  readonly retryable = false
  override get message() {
    return `${this.url} (${this.videoId}) is unavailable (${this.reason}): ${this.detail}`
  }
}

/**
 * No host could be reached (name resolution failed, connection refused): this machine's network, not the video.
 * Retried a few times within seconds, then recorded as a retryable failure the run does not wait for.
 */
export class NetworkUnreachable extends Data.TaggedError("NetworkUnreachable")<FetchFailure> {
  readonly retryable = true
  override get message() {
    return `${offlineHint} (${this.reason} fetching ${this.url}, ${this.videoId}): ${this.detail}`
  }
}

/**
 * YouTube withheld its formats from this yt-dlp (its challenge unsolved, no JavaScript runtime, streams it cannot
 * read): almost surely the set-up's fault, not the video's. A retryable failure, never "no audio"; `inARow` counts
 * the downloads that ended so since this process's last successful yt-dlp run, and from `setupFailuresToStop` on the
 * download stage stops: every later video would fail the same way, while one video that alone causes it must not.
 */
export class YtDlpSetupOutdated extends Data.TaggedError("YtDlpSetupOutdated")<FetchFailure & { readonly inARow: number }> {
  readonly retryable = true
  override get message() {
    return `yt-dlp got no audio format for ${this.url} (${this.videoId}): ${this.reason}${this.inARow > 1 ? ` (${this.inARow} videos in a row)` : ""}. ` +
      `This is most likely ${setupHint}. yt-dlp said: ${this.detail}`
  }
}

/**
 * A premiere or live event that has not begun: tried again when yt-dlp says it starts (`startsAt`, epoch ms),
 * without spending an attempt, and the run does not wait for it.
 */
export class VideoNotStarted extends Data.TaggedError("VideoNotStarted")<FetchFailure & { readonly startsAt: number }> {
  readonly retryable = true
  override get message() {
    return `${this.url} (${this.videoId}) has not started (${this.detail}); it is tried again from ${new Date(this.startsAt).toISOString()}, spending no attempt`
  }
}

/** Set-up failures in a row (no successful yt-dlp run between them) at which the download stage stops. */
export const setupFailuresToStop = 3

/** Seconds, not the manifest's minutes: a network that is back quickly (a blip, a proxy restarting) costs no attempt. */
export const offlineRetry = Schedule.exponential(Duration.seconds(2)).pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(2)))

/** A video that will never be worth downloading (too long, for instance): recorded as skipped, not failed. */
export class DownloadSkipped extends Data.TaggedError("DownloadSkipped")<{ readonly videoId: string; readonly reason: string }> {
  override get message() {
    return `skipped ${this.videoId}: ${this.reason}`
  }
}

export class TempDirError extends Data.TaggedError("TempDirError")<{ readonly path: string; readonly cause: unknown }> {
  readonly retryable = true
  override get message() {
    return `cannot create a temp directory under ${this.path}: ${String(this.cause)}`
  }
}

export type DownloadError = OutOfDiskSpace | SourceFileMissing | YtDlpFailed | NetworkUnreachable | VideoUnavailable | DownloadSkipped | UndecodableMedia | FfmpegFailed |
  TempDirError | YtDlpNotFound | YtDlpSetupOutdated | VideoNotStarted | CookiesFileMissing | HostKeepsRefusing |
  import("../media/WavFile.js").WavFormatError | import("../files/atomicWrite.js").FileWriteError

export interface DownloadResult {
  readonly audioPath: string
  readonly measuredDurationSeconds: number
  /** What the decoder warned about while converting (the audio was kept); empty when clean. */
  readonly decodeWarnings: ReadonlyArray<string>
  readonly captions: ReadonlyArray<CaptionTrack>
  readonly reported?: { readonly licence?: string | null }
}

export interface DownloaderOptions {
  readonly maxDurationSeconds: number
  readonly ytDlpPath: string
  readonly fetch: FetchSettings
  /** Caption languages fetched with the media (yt-dlp `--sub-langs`); empty: none. */
  readonly captionLanguages?: ReadonlyArray<string>
}

export interface DownloaderApi {
  /** Fetches a video's audio and places it as `<out>/audio/<id>.wav`, 16 kHz mono; temp files never outlive the call. */
  readonly download: (row: ManifestRow, options: DownloaderOptions) => Effect.Effect<DownloadResult, DownloadError>
  /** Removes a video's placed audio whose download was never recorded (interrupted between placing and recording). */
  readonly discardUnrecordedAudio: (row: ManifestRow) => Effect.Effect<void>
}

/** Temp directories are named after the owning process, so a later run can tell a crashed run's leftovers. */
export const tempDirPrefix = () => `${process.pid}-`

export class Downloader extends Context.Tag("kidvoice/Downloader")<Downloader, DownloaderApi>() {
  static readonly layer = Layer.effect(
    Downloader,
    Effect.gen(function* () {
      const workspace = yield* Workspace
      const fileSystem = yield* FileSystem.FileSystem

      const pacer = yield* RequestPacer
      // Local files decoded at the same time share one ffmpeg when the run provides the shared decoder (pipeline/layers.ts):
      // its start-up is most of a short file's decode. A fetched file's decode is a small part of its cost: never delayed.
      const sharedDecode = Option.match(yield* Effect.serviceOption(WavDecoder), { onNone: () => decodeToWav, onSome: (decoder) => decoder.decode })

      // Once a run per program and choice (shared with the catalog when the run provides one inspector), and only when
      // a YouTube video comes up: local files need no yt-dlp, other sites' URLs no inspection of it.
      const inspector = yield* sharedOrOwnInspector
      const checkYtDlp = (row: ManifestRow, options: DownloaderOptions) =>
        row.kind === "youtube" ? inspector.inspect(options.ytDlpPath, options.fetch) : Effect.sync(() => uninspectedYtDlp(options.ytDlpPath))

      // Downloads that ended in YtDlpSetupOutdated since the last yt-dlp run that succeeded (all workers of this process).
      let setupFailuresInARow = 0

      const fetchWithYtDlp = (row: ManifestRow, dir: string, options: DownloaderOptions) =>
        Effect.gen(function* () {
          const setup = yield* checkYtDlp(row, options)
          const cookies = yield* copyCookiesInto(options.fetch.cookiesFile, dir)
          const args = ytDlpCommand(
            [
              networkArgs(ytDlpNetwork(setup, options.fetch, cookies)),
              captionArgs(options.captionLanguages ?? [], dir),
              bestAudioArgs(options.fetch, join(dir, "source.%(ext)s"))
            ],
            row.sourceUrl
          )
          const startedAt = yield* pacer.take
          const failed = yield* runYtDlp(setup.path, args, {
            silenceMs: 3 * options.fetch.timeoutSeconds * 1000,
            runMs: options.fetch.maxMinutes === null ? null : options.fetch.maxMinutes * 60_000
          }).pipe(
            Effect.as(null),
            Effect.catchTag("YtDlpExited", Effect.succeed)
          )
          if (failed === null) {
            setupFailuresInARow = 0
            yield* pacer.answered(startedAt)
            const fetched = (yield* Effect.promise(() => fs.readdir(dir))).find((f) => f.startsWith("source."))
            if (fetched) return join(dir, fetched)
            return yield* new YtDlpFailed({
              videoId: row.id, url: row.sourceUrl, kind: "unknown", reason: "no file", retryable: true, detail: "yt-dlp exited 0 but wrote no file"
            })
          }
          if (isDiskFullText(failed.stderr)) {
            return yield* new OutOfDiskSpace({ path: dir, bytesNeeded: row.declaredDurationSeconds ? Math.ceil(row.declaredDurationSeconds * 32000) : 0, bytesFree: null })
          }
          const failure = classifyYtDlpFailure(failed.stderr)
          const detail = ytDlpErrorLines(failed.stderr)
          if (failure.kind === "permanent") return yield* new VideoUnavailable({ videoId: row.id, url: row.sourceUrl, reason: failure.reason, detail })
          if (failure.kind === "offline") return yield* new NetworkUnreachable({ videoId: row.id, url: row.sourceUrl, reason: failure.reason, detail })
          if (failure.kind === "setup") {
            return yield* new YtDlpSetupOutdated({ videoId: row.id, url: row.sourceUrl, reason: failure.reason, detail, inARow: ++setupFailuresInARow })
          }
          if (failure.kind === "upcoming") {
            const startsAt = (yield* Clock.currentTimeMillis) + upcomingStartsIn(failed.stderr) * 1000
            return yield* new VideoNotStarted({ videoId: row.id, url: row.sourceUrl, reason: failure.reason, detail, startsAt })
          }
          // Fails with HostKeepsRefusing when the host has refused through every pause.
          if (failure.kind === "rate-limited") yield* pacer.refused(startedAt, failure.reason)
          return yield* new YtDlpFailed({ videoId: row.id, url: row.sourceUrl, kind: failure.kind, reason: failure.reason, retryable: failure.retryable, detail })
        })

      const localSource = (row: ManifestRow) =>
        Effect.tryPromise({ try: () => fs.access(row.sourceUrl), catch: () => new SourceFileMissing({ videoId: row.id, path: row.sourceUrl }) }).pipe(
          Effect.as(row.sourceUrl)
        )

      const download = (row: ManifestRow, options: DownloaderOptions) =>
        Effect.gen(function* () {
          yield* Effect.promise(() => fs.mkdir(workspace.tmp, { recursive: true }))
          const dir = yield* fileSystem.makeTempDirectoryScoped({ directory: workspace.tmp, prefix: tempDirPrefix() }).pipe(
            Effect.mapError((cause) => new TempDirError({ path: workspace.tmp, cause }))
          )
          const source = row.kind === "local"
            ? yield* localSource(row)
            : yield* fetchWithYtDlp(row, dir, options).pipe(
              Effect.tapError((e) => e._tag === "NetworkUnreachable" ? Effect.logWarning(`${e.reason}; trying again in a few seconds`) : Effect.void),
              Effect.retry({ schedule: offlineRetry, while: (e) => e._tag === "NetworkUnreachable" })
            )
          // 16 kHz mono 16-bit: 32,000 bytes a second, for as long as the host says (a local file says nothing before it is
          // decoded: no ffprobe runs for it). Checked before writing, and ENOSPC while writing means the same.
          const wavBytes = Math.ceil(Math.min(row.declaredDurationSeconds ?? 0, options.maxDurationSeconds + 1) * 32000) + 44
          const diskFull = (bytesFree: number | null) => new OutOfDiskSpace({ path: workspace.tmp, bytesNeeded: wavBytes, bytesFree })
          yield* ensureFreeSpace(workspace.tmp, wavBytes)
          const wav = join(dir, `${row.id}.wav`)
          const decoded = yield* (row.kind === "local" ? sharedDecode : decodeToWav)(source, wav, options.maxDurationSeconds).pipe(
            Effect.mapError((e) => (e._tag === "FfmpegFailed" && e.cause._tag === "DiskFull" ? diskFull(null) : e))
          )
          if (decoded.wav.durationSeconds > options.maxDurationSeconds) {
            return yield* new DownloadSkipped({
              videoId: row.id,
              reason: `longer than the ${options.maxDurationSeconds} s limit (decoding stopped at ${Math.round(decoded.wav.durationSeconds)} s)`
            })
          }
          if (decoded.warnings.length > 0) yield* Effect.logWarning(`decoded with warnings: ${decoded.warnings.join(" | ")}`)
          const audioPath = join(workspace.audio, `${row.id}.wav`)
          const captions = row.kind === "local" ? { tracks: yield* sidecarCaptions(source), licence: null } : yield* fetchedCaptions(dir)
          yield* moveIntoPlace(wav, audioPath)
          return {
            audioPath,
            measuredDurationSeconds: decoded.wav.durationSeconds,
            decodeWarnings: decoded.warnings,
            captions: captions.tracks,
            reported: { licence: captions.licence }
          }
        }).pipe(
          Effect.scoped,
          Effect.withSpan("Downloader.download", { attributes: { videoId: row.id } })
        )

      const discardUnrecordedAudio = (row: ManifestRow) =>
        Effect.promise(() => fs.rm(join(workspace.audio, `${row.id}.wav`), { force: true }))

      return { download, discardUnrecordedAudio }
    })
  )
}
