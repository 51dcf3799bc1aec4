import { Data, Effect } from "effect"
import { killProgramGroup, runProgram, startFailure, startProgram } from "../media/ProgramRun.js"
import type { DownloadSettings } from "../domain/Config.js"

/** The yt-dlp program could not be started: a setup problem, not the video's, so the stage stops. */
export class YtDlpNotFound extends Data.TaggedError("YtDlpNotFound")<{ readonly path: string; readonly detail: string }> {
  readonly retryable = false
  override get message() {
    return `cannot run yt-dlp at "${this.path}" (${this.detail}). Install it (apt-get install yt-dlp; ` +
      `for YouTube a current one: pip install -U yt-dlp) or point --yt-dlp (env KIDVOICE_YT_DLP) at it.`
  }
}

export class CookiesFileMissing extends Data.TaggedError("CookiesFileMissing")<{ readonly path: string; readonly detail: string }> {
  readonly retryable = false
  override get message() {
    return `the cookies file "${this.path}" given by --cookies (env KIDVOICE_COOKIES) cannot be read (${this.detail}). ` +
      `Export it from a logged-in browser in Netscape format, or leave --cookies out.`
  }
}

/** A yt-dlp run that ended badly, with its stderr (and why kidvoice killed it, if it did) for the Downloader to classify. */
export class YtDlpExited extends Data.TaggedError("YtDlpExited")<{ readonly stderr: string }> {}

export interface YtDlpLimits {
  /** Killed when, once it has started talking, it prints nothing this long (hung where no socket timeout reaches). */
  readonly silenceMs: number
  /** Killed when it is still running after this long, talking or not (a host that trickles bytes). */
  readonly runMs: number | null
}

/** Silence allowed before yt-dlp's first line: a Python program's start can take seconds on a busy machine. */
const startupGraceMs = 30_000

export type FetchSettings = Pick<DownloadSettings, "cookiesFile" | "proxy" | "limitRate" | "sleepRequestsSeconds" | "timeoutSeconds" | "maxMinutes">

/**
 * The arguments that fetch one URL's best audio to `outputTemplate`. Pure. `cookiesFile` is the caller's
 * private copy: yt-dlp writes cookies back on exit, and concurrent runs must not write over each other's.
 */
export const ytDlpFetchArgs = (
  settings: FetchSettings,
  cookiesFile: string | null,
  supportsJsRuntimes: boolean,
  outputTemplate: string,
  url: string
): ReadonlyArray<string> => [
  "--no-playlist",
  // Progress lines, one a line, are how a silent (hung) yt-dlp is told from a slow one.
  "--newline", "--progress",
  "--no-part",
  "-f", "bestaudio/best",
  "--socket-timeout", String(settings.timeoutSeconds),
  // Few in-run retries: a longer outage is the manifest's to retry later, with backoff, surviving restarts.
  "--retries", "2", "--fragment-retries", "2",
  ...(cookiesFile === null ? [] : ["--cookies", cookiesFile]),
  ...(settings.proxy === null ? [] : ["--proxy", settings.proxy]),
  ...(settings.limitRate === null ? [] : ["--limit-rate", settings.limitRate]),
  ...(settings.sleepRequestsSeconds > 0
    ? ["--sleep-requests", String(settings.sleepRequestsSeconds), "--sleep-interval", String(settings.sleepRequestsSeconds)]
    : []),
  // YouTube's signature challenges need a JavaScript runtime; node is the one kidvoice already runs on.
  ...(supportsJsRuntimes ? ["--js-runtimes", "node"] : []),
  "-o", outputTemplate,
  "--", url
]

/** `yt-dlp --version`, or YtDlpNotFound naming the path when it cannot be run. */
export const ytDlpVersion = (path: string) =>
  runProgram(path, ["--version"], { stdin: "ignore", timeout: 30_000, encoding: "utf8" }).pipe(
    Effect.filterOrFail(
      (result) => !result.failed,
      (result) => new YtDlpNotFound({ path, detail: startFailure(result) ?? result.shortMessage ?? `exit code ${result.exitCode}` })
    ),
    Effect.map((result) => String(result.stdout).trim())
  )

/**
 * Runs yt-dlp with an argument array (never a shell line). It is killed with whatever it started, and awaited
 * until it has exited, when the fiber is interrupted, so its files can be removed right after; and killed when
 * it outlasts one of its `limits`. Real time on purpose: it watches a real process.
 */
export const runYtDlp = (path: string, args: ReadonlyArray<string>, limits: YtDlpLimits) =>
  Effect.async<void, YtDlpExited | YtDlpNotFound>((resume) => {
    const child = startProgram(path, args, { stdin: "ignore", reject: false, buffer: { stdout: false } })
    const startedAt = Date.now()
    let lastOutputAt = startedAt
    let allowedSilenceMs = Math.max(limits.silenceMs, startupGraceMs)
    let killedFor: string | null = null
    const heard = () => {
      lastOutputAt = Date.now()
      allowedSilenceMs = limits.silenceMs
    }
    child.stdout?.on("data", heard)
    child.stderr?.on("data", heard)
    const watchdog = setInterval(() => {
      const now = Date.now()
      if (now - lastOutputAt > allowedSilenceMs) killedFor = `printed nothing for ${Math.round(limits.silenceMs / 1000)} s: stalled`
      else if (limits.runMs !== null && now - startedAt > limits.runMs) {
        killedFor = `timed out: still downloading after ${+(limits.runMs / 60_000).toFixed(2)} min (--max-download-minutes)`
      } else return
      killProgramGroup(child)
    }, Math.min(1000, limits.silenceMs / 4, (limits.runMs ?? Infinity) / 4))
    void child.then((result) => {
      clearInterval(watchdog)
      const code = startFailure(result)
      if (code !== null) {
        resume(Effect.fail(new YtDlpNotFound({ path, detail: code })))
      } else if (killedFor !== null) {
        resume(Effect.fail(new YtDlpExited({ stderr: `${result.stderr ?? ""}\nERROR: yt-dlp ${killedFor}, killed` })))
      } else if (result.failed) {
        resume(Effect.fail(new YtDlpExited({ stderr: result.stderr || `yt-dlp exited with code ${result.exitCode ?? result.signal}` })))
      } else {
        resume(Effect.void)
      }
    })
    return Effect.promise(async () => {
      clearInterval(watchdog)
      killProgramGroup(child)
      await child
    })
  })
