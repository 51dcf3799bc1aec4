import { FileSystem } from "@effect/platform"
import { Clock, Context, Data, Effect, Layer } from "effect"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import { readWavInfo } from "../media/WavFile.js"
import type { ManifestRow } from "../domain/ManifestRow.js"
import { Workspace } from "../domain/Workspace.js"
import { moveIntoPlace } from "../files/atomicWrite.js"
import { ensureFreeSpace, isDiskFullText, OutOfDiskSpace } from "../files/diskSpace.js"
import { FfmpegFailed, probeAudio, transcodeToWav, UndecodableMedia } from "../media/Ffmpeg.js"
import { type HostKeepsRefusing, RequestPacer } from "./RequestPacer.js"
import { CookiesFileMissing, type FetchSettings, runYtDlp, type YtDlpNotFound, ytDlpFetchArgs, ytDlpVersion } from "./YtDlp.js"
import type { CaptionTrack } from "../domain/Captions.js"
import { captionArgs, fetchedCaptions, sidecarCaptions } from "./captions.js"
import { classifyYtDlpFailure, ytDlpErrorLines, type YtDlpFailureKind } from "./ytDlpFailure.js"
import { ytDlpVersionAdvice } from "./ytDlpVersion.js"

export class SourceFileMissing extends Data.TaggedError("SourceFileMissing")<{ readonly videoId: string; readonly path: string }> {
  readonly retryable = false
  override get message() {
    return `the source file of ${this.videoId} is gone: ${this.path}. Put it back and reset the row, or leave it failed.`
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

/** The video itself cannot be had (private, removed, members-only, ...): recorded once as skipped, never retried. */
export class VideoUnavailable extends Data.TaggedError("VideoUnavailable")<{
  readonly videoId: string
  readonly url: string
  readonly reason: string
  readonly detail: string
}> {
  readonly retryable = false
  override get message() {
    return `${this.url} (${this.videoId}) is unavailable (${this.reason}): ${this.detail}`
  }
}

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

export type DownloadError = OutOfDiskSpace | SourceFileMissing | YtDlpFailed | VideoUnavailable | DownloadSkipped | UndecodableMedia | FfmpegFailed |
  TempDirError | YtDlpNotFound | CookiesFileMissing | HostKeepsRefusing |
  import("../media/WavFile.js").WavFormatError | import("../files/atomicWrite.js").FileWriteError

export interface DownloadResult {
  readonly audioPath: string
  readonly measuredDurationSeconds: number
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

      // Once a run per program, and only when a remote video comes up: local-only runs need no yt-dlp at all.
      const checkYtDlp = yield* Effect.cachedFunction((ytDlpPath: string) =>
        Effect.gen(function* () {
          const version = yield* ytDlpVersion(ytDlpPath)
          const advice = ytDlpVersionAdvice(version, new Date(yield* Clock.currentTimeMillis))
          yield* Effect.logInfo(`yt-dlp ${version} at ${ytDlpPath}${advice.supportsJsRuntimes ? " (with --js-runtimes node)" : ""}`)
          if (advice.warning) yield* Effect.logWarning(advice.warning)
          return advice
        })
      )

      /** A private copy of the cookies in the temp dir: yt-dlp rewrites its cookies file on exit. */
      const copyCookies = (cookiesFile: string | null, dir: string) =>
        cookiesFile === null
          ? Effect.succeed(null)
          : Effect.tryPromise({
            try: () => fs.copyFile(cookiesFile, join(dir, "cookies.txt")).then(() => join(dir, "cookies.txt")),
            catch: (e) => new CookiesFileMissing({ path: cookiesFile, detail: String((e as { code?: string }).code ?? e) })
          })

      const fetchWithYtDlp = (row: ManifestRow, dir: string, options: DownloaderOptions) =>
        Effect.gen(function* () {
          const advice = yield* checkYtDlp(options.ytDlpPath)
          const cookies = yield* copyCookies(options.fetch.cookiesFile, dir)
          const args = [
            ...captionArgs(options.captionLanguages ?? [], dir),
            ...ytDlpFetchArgs(options.fetch, cookies, advice.supportsJsRuntimes, join(dir, "source.%(ext)s"), row.sourceUrl)
          ]
          const startedAt = yield* pacer.take
          const failed = yield* runYtDlp(options.ytDlpPath, args, {
            silenceMs: 3 * options.fetch.timeoutSeconds * 1000,
            runMs: options.fetch.maxMinutes === null ? null : options.fetch.maxMinutes * 60_000
          }).pipe(
            Effect.as(null),
            Effect.catchTag("YtDlpExited", Effect.succeed)
          )
          if (failed === null) {
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
          const source = row.kind === "local" ? yield* localSource(row) : yield* fetchWithYtDlp(row, dir, options)
          const probe = yield* probeAudio(source)
          if (probe.durationSeconds !== null && probe.durationSeconds > options.maxDurationSeconds) {
            return yield* new DownloadSkipped({
              videoId: row.id,
              reason: `${Math.round(probe.durationSeconds)} s is longer than the ${options.maxDurationSeconds} s limit`
            })
          }
          // 16 kHz mono 16-bit: 32,000 bytes a second. Checked before writing, and ENOSPC while writing means the same.
          const wavBytes = Math.ceil((probe.durationSeconds ?? 0) * 32000) + 44
          const diskFull = (bytesFree: number | null) => new OutOfDiskSpace({ path: workspace.tmp, bytesNeeded: wavBytes, bytesFree })
          yield* ensureFreeSpace(workspace.tmp, wavBytes)
          const wav = join(dir, `${row.id}.wav`)
          yield* transcodeToWav(source, wav).pipe(Effect.mapError((e) => (isDiskFullText(e.reason) ? diskFull(null) : e)))
          const info = yield* readWavInfo(wav)
          const audioPath = join(workspace.audio, `${row.id}.wav`)
          const captions = row.kind === "local" ? { tracks: yield* sidecarCaptions(source), licence: null } : yield* fetchedCaptions(dir)
          yield* moveIntoPlace(wav, audioPath)
          return { audioPath, measuredDurationSeconds: info.durationSeconds, captions: captions.tracks, reported: { licence: captions.licence } }
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
