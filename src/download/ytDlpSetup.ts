import { Clock, Context, Effect, Layer, Option } from "effect"
import type { DownloadSettings } from "../domain/Config.js"
import { runProgram } from "../media/ProgramRun.js"
import { chooseRemoteComponents, type YtDlpNetwork } from "./ytDlpArgs.js"
import { chooseJsRuntime, denoBinary, resolveYtDlpPath } from "./ytDlpLocation.js"
import {
  assessYtDlp, parseYtDlpVerbose, type ReadinessLine, readinessSummary, supportedRuntime, type YtDlpFindings, type YtDlpSelfReport
} from "./ytDlpReadiness.js"
import { ytDlpVersion, type YtDlpNotFound } from "./YtDlp.js"
import { type YtDlpVersionAdvice, ytDlpVersionAdvice } from "./ytDlpVersion.js"

/** The yt-dlp this run uses, what it says about itself, and the JavaScript runtime and remote components it is given. */
export interface YtDlpSetup {
  readonly path: string
  readonly advice: YtDlpVersionAdvice
  /** From `yt-dlp -v` with the runtime kidvoice chose; null for a yt-dlp that predates `--js-runtimes`. */
  readonly report: YtDlpSelfReport | null
  /** The `--js-runtimes` kidvoice wanted to give (null: none available or turned off). */
  readonly wantedJsRuntime: string | null
  /** What is passed: the wanted runtime when this yt-dlp accepts it. */
  readonly jsRuntime: string | null
  readonly remoteComponents: string | null
}

export type YtDlpChoices = Pick<DownloadSettings, "jsRuntime" | "remoteComponents">

/** `yt-dlp -v` with `args`: its debug header is on stderr; it exits 2 (no URL), which is expected. No age nag: kidvoice judges the age. */
export const ytDlpVerbose = (path: string, args: ReadonlyArray<string>) =>
  runProgram(path, ["-v", "--no-update", ...args], { stdin: "ignore", timeout: 60_000, encoding: "utf8" }).pipe(
    Effect.map((result) => `${result.stderr ?? ""}\n${result.stdout ?? ""}`)
  )

/**
 * Finds yt-dlp and asks it, once, about itself with the JavaScript runtime kidvoice would give it. The runtime is
 * passed only when yt-dlp lists it as supported; a yt-dlp that does not answer `-v` like yt-dlp (a wrapper) gets
 * the runtime its version allows. Fails with YtDlpNotFound when the program cannot be run at all.
 */
export const inspectYtDlp = (configuredPath: string, choices: YtDlpChoices) =>
  Effect.gen(function* () {
    const path = resolveYtDlpPath(configuredPath)
    const version = yield* ytDlpVersion(path)
    const advice = ytDlpVersionAdvice(version, new Date(yield* Clock.currentTimeMillis))
    const wantedJsRuntime = advice.supportsJsRuntimes
      ? chooseJsRuntime(choices.jsRuntime, denoBinary(), process.version, process.execPath)
      : null
    if (!advice.supportsJsRuntimes) {
      return { path, advice, report: null, wantedJsRuntime, jsRuntime: null, remoteComponents: null } satisfies YtDlpSetup
    }
    const report = parseYtDlpVerbose(yield* ytDlpVerbose(path, wantedJsRuntime === null ? [] : ["--js-runtimes", wantedJsRuntime]))
    const answered = report.version !== null
    const jsRuntime = wantedJsRuntime !== null && (!answered || supportedRuntime(report, wantedJsRuntime) !== null) ? wantedJsRuntime : null
    const remoteComponents = chooseRemoteComponents(choices.remoteComponents, jsRuntime, report.ejsInstalled)
    return { path, advice, report: answered ? report : null, wantedJsRuntime, jsRuntime, remoteComponents } satisfies YtDlpSetup
  }).pipe(Effect.withSpan("inspectYtDlp"))

/** How every yt-dlp run of this process reaches the host, given its private copy of the cookies. */
export const ytDlpNetwork = (
  setup: Pick<YtDlpSetup, "jsRuntime" | "remoteComponents">,
  settings: Pick<DownloadSettings, "proxy" | "sleepRequestsSeconds" | "timeoutSeconds" | "allowFileUrls">,
  cookiesCopy: string | null
): YtDlpNetwork => ({
  cookiesFile: cookiesCopy,
  proxy: settings.proxy,
  sleepRequestsSeconds: settings.sleepRequestsSeconds,
  timeoutSeconds: settings.timeoutSeconds,
  jsRuntime: setup.jsRuntime,
  remoteComponents: setup.remoteComponents,
  fileUrls: settings.allowFileUrls
})

/** One line for the log: which yt-dlp, and how YouTube's challenges will be solved. */
export const describeYtDlpSetup = (setup: YtDlpSetup): string =>
  `yt-dlp ${setup.advice.version} at ${setup.path}` +
  (setup.jsRuntime === null ? ", no JavaScript runtime" : `, --js-runtimes ${setup.jsRuntime}`) +
  (setup.remoteComponents === null ? "" : `, --remote-components ${setup.remoteComponents}`) +
  (setup.report?.ejsInstalled ? `, yt-dlp-ejs ${setup.report.ejsVersion ?? ""}`.trimEnd() : "")

const findingsOf = (setup: YtDlpSetup): YtDlpFindings => ({
  path: setup.path,
  version: setup.advice.version,
  ageDays: setup.advice.ageDays,
  ageWarning: setup.advice.warning,
  supportsJsRuntimes: setup.advice.supportsJsRuntimes,
  report: setup.report,
  wantedJsRuntime: setup.wantedJsRuntime,
  jsRuntime: setup.jsRuntime,
  remoteComponents: setup.remoteComponents
})

/** The readiness table's yt-dlp lines for what `inspectYtDlp` found (or the reason it could not run yt-dlp). */
export const ytDlpReadiness = (setup: YtDlpSetup | null, notFound: string | null, choices: YtDlpChoices): ReadonlyArray<ReadinessLine> =>
  assessYtDlp(setup === null ? null : findingsOf(setup), notFound, {
    jsRuntimeSetting: choices.jsRuntime,
    remoteComponentsSetting: choices.remoteComponents,
    denoFound: denoBinary() !== null,
    nodeVersion: process.version
  })

/** `inspectYtDlp`, then a log line of what is used and, when YouTube may not work, one warning line saying why. */
export const inspectAndAnnounce = (configuredPath: string, choices: YtDlpChoices) =>
  Effect.tap(inspectYtDlp(configuredPath, choices), (setup) =>
    Effect.gen(function* () {
      yield* Effect.logInfo(describeYtDlpSetup(setup))
      const summary = readinessSummary(ytDlpReadiness(setup, null, choices))
      if (summary !== null) yield* Effect.logWarning(summary)
    }))

/**
 * The yt-dlp a URL that is not YouTube's is fetched with, uninspected. The inspection (`--version`, then `-v` with the
 * runtime, which starts deno too: three program starts, seconds on a busy machine) only decides how YouTube's
 * challenges are solved; other sites need no JavaScript runtime, and every yt-dlp takes the flags passed then.
 * A yt-dlp that cannot be run still fails the download as YtDlpNotFound, from the download's own run.
 */
export const uninspectedYtDlp = (configuredPath: string): Pick<YtDlpSetup, "path" | "jsRuntime" | "remoteComponents"> => ({
  path: resolveYtDlpPath(configuredPath),
  jsRuntime: null,
  remoteComponents: null
})

export interface YtDlpInspectorApi {
  /** `inspectAndAnnounce`, run once per program and choices for everyone sharing this inspector; its failure is kept too. */
  readonly inspect: (configuredPath: string, choices: YtDlpChoices) => Effect.Effect<YtDlpSetup, YtDlpNotFound>
}

const makeInspector = Effect.map(
  Effect.cachedFunction((key: string) => {
    const [path, jsRuntime, remoteComponents] = JSON.parse(key) as [string, YtDlpChoices["jsRuntime"], YtDlpChoices["remoteComponents"]]
    return inspectAndAnnounce(path, { jsRuntime, remoteComponents })
  }),
  (cached): YtDlpInspectorApi => ({
    inspect: (configuredPath, choices) => cached(JSON.stringify([configuredPath, choices.jsRuntime, choices.remoteComponents]))
  })
)

/**
 * One inspection of yt-dlp (`--version`, then `-v`) for a whole run: the catalog that lists and the Downloader that
 * fetches share it when the run provides this layer (pipelineLayer does), so yt-dlp is asked about itself once, and
 * only when something remote comes up.
 */
export class YtDlpInspector extends Context.Tag("kidvoice/YtDlpInspector")<YtDlpInspector, YtDlpInspectorApi>() {
  static readonly layer = Layer.effect(YtDlpInspector, makeInspector)
}

/** The run's shared inspector when one is provided, else one of the caller's own (a Downloader or a catalog used alone). */
export const sharedOrOwnInspector: Effect.Effect<YtDlpInspectorApi> = Effect.flatMap(
  Effect.serviceOption(YtDlpInspector),
  Option.match({ onNone: () => makeInspector, onSome: Effect.succeed })
)
