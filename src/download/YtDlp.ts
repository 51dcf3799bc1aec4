import { Data, Effect } from "effect"
import { promises as fs } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { killProgramGroup, runProgram, startFailure, startProgram } from "../media/ProgramRun.js"
import type { DownloadSettings } from "../domain/Config.js"

/** The yt-dlp program could not be started: a setup problem, not the video's, so the stage stops. */
export class YtDlpNotFound extends Data.TaggedError("YtDlpNotFound")<{ readonly path: string; readonly detail: string }> {
  readonly retryable = false
  override get message() {
    return `cannot run yt-dlp at "${this.path}" (${this.detail}). Install it: bash scripts/setup.sh puts a current one in .venv/ ` +
      `(or apt-get install yt-dlp, too old for YouTube), or point --yt-dlp (env KIDVOICE_YT_DLP) at one.`
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

/** Everything a download needs from the settings: how it reaches the host, and what it fetches. */
export type FetchSettings = Pick<DownloadSettings, "cookiesFile" | "proxy" | "limitRate" | "sleepRequestsSeconds" | "timeoutSeconds" | "maxMinutes" |
  "jsRuntime" | "remoteComponents" | "allowFileUrls">

/**
 * A private copy of the cookies in `dir`: yt-dlp writes its cookies file back on exit, and concurrent runs
 * (downloads, listings) must neither write over each other's nor over the user's own file.
 */
export const copyCookiesInto = (cookiesFile: string | null, dir: string) =>
  cookiesFile === null
    ? Effect.succeed(null)
    : Effect.tryPromise({
      try: () => fs.copyFile(cookiesFile, join(dir, "cookies.txt")).then(() => join(dir, "cookies.txt")),
      catch: (e) => new CookiesFileMissing({ path: cookiesFile, detail: String((e as { code?: string }).code ?? e) })
    })

/** `copyCookiesInto` a temp directory of its own, removed with the scope: for runs that have no work directory. */
export const privateCookies = (cookiesFile: string | null) =>
  cookiesFile === null
    ? Effect.succeed(null)
    : Effect.acquireRelease(
      Effect.promise(() => fs.mkdtemp(join(tmpdir(), "kidvoice-cookies-"))),
      (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
    ).pipe(Effect.flatMap((dir) => copyCookiesInto(cookiesFile, dir)))

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
