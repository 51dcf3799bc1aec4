import type { DownloadSettings } from "../domain/Config.js"

/**
 * Every yt-dlp command line kidvoice runs (listing and download) is built here, from argument groups. Pure.
 * A group is a feature's flags; a new feature (subtitles, say) adds one group, and every call site gets the
 * same network behaviour: the host sees one client, whether it lists or fetches.
 */
export type ArgGroup = ReadonlyArray<string>

/** How yt-dlp reaches the host: the same for a listing and a download. */
export interface YtDlpNetwork {
  /** The caller's private copy of the cookies file: yt-dlp writes cookies back on exit. */
  readonly cookiesFile: string | null
  readonly proxy: string | null
  readonly sleepRequestsSeconds: number
  readonly timeoutSeconds: number
  /** yt-dlp's `--js-runtimes` value (`deno:/path`), or null to pass none. */
  readonly jsRuntime: string | null
  /** yt-dlp's `--remote-components` value (`ejs:npm`), or null to pass none. */
  readonly remoteComponents: string | null
  /** `--enable-file-urls`: the user allowed `file://` URLs in URL lists. */
  readonly fileUrls: boolean
}

/** `--remote-components` is `auto` (fetch the challenge scripts only when yt-dlp-ejs is missing), `none`, or yt-dlp's value. */
export const autoRemoteComponents = "auto"
export const noRemoteComponents = "none"

/**
 * The remote components to allow. Pure. Without the yt-dlp-ejs package YouTube's challenge scripts must be
 * fetched: deno and bun import them from the npm registry (`ejs:npm`), other runtimes need `ejs:github`.
 */
export const chooseRemoteComponents = (setting: string, jsRuntime: string | null, ejsInstalled: boolean): string | null => {
  if (setting === noRemoteComponents) return null
  if (setting !== autoRemoteComponents) return setting
  if (jsRuntime === null || ejsInstalled) return null
  const runtimeName = jsRuntime.split(":")[0]
  return runtimeName === "deno" || runtimeName === "bun" ? "ejs:npm" : "ejs:github"
}

export const networkArgs = (network: YtDlpNetwork): ArgGroup => [
  "--socket-timeout", String(network.timeoutSeconds),
  ...(network.cookiesFile === null ? [] : ["--cookies", network.cookiesFile]),
  ...(network.proxy === null ? [] : ["--proxy", network.proxy]),
  ...(network.sleepRequestsSeconds > 0 ? ["--sleep-requests", String(network.sleepRequestsSeconds)] : []),
  // YouTube's signature and n challenges are solved by a JavaScript runtime, with the yt-dlp-ejs scripts.
  ...(network.jsRuntime === null ? [] : ["--js-runtimes", network.jsRuntime]),
  ...(network.remoteComponents === null ? [] : ["--remote-components", network.remoteComponents]),
  ...(network.fileUrls ? ["--enable-file-urls"] : []),
  // kidvoice decides when to update yt-dlp (setup.sh, doctor --ready); its age nag would only drown the warnings that matter.
  "--no-update"
]

export type FetchSettings = Pick<DownloadSettings, "limitRate" | "sleepRequestsSeconds" | "timeoutSeconds">

/** The flags that fetch one URL's best audio to `outputTemplate`. */
export const bestAudioArgs = (settings: FetchSettings, outputTemplate: string): ArgGroup => [
  "--no-playlist",
  // Progress lines, one a line, are how a silent (hung) yt-dlp is told from a slow one.
  "--newline", "--progress",
  "--no-part",
  "-f", "bestaudio/best",
  // Few in-run retries: a longer outage is the manifest's to retry later, with backoff, surviving restarts.
  "--retries", "2", "--fragment-retries", "2",
  ...(settings.limitRate === null ? [] : ["--limit-rate", settings.limitRate]),
  ...(settings.sleepRequestsSeconds > 0 ? ["--sleep-interval", String(settings.sleepRequestsSeconds)] : []),
  "-o", outputTemplate
]

/** The flags that list a search, channel tab or playlist without visiting its videos. Warnings are kept: a bot check must be heard. */
export const flatListingArgs = (limit: number): ArgGroup => ["--flat-playlist", "--dump-single-json", "--playlist-end", String(limit)]

/** A whole command line: groups, then the URL or search after `--`, so it is never read as an option. */
export const ytDlpCommand = (groups: ReadonlyArray<ArgGroup>, target: string): ReadonlyArray<string> => [...groups.flat(), "--", target]
