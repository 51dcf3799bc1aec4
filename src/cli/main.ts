import { Args, Command, Options, ValidationError } from "@effect/cli"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { Cause, Console, Data, Deferred, Effect, Either, Layer, Logger, LogLevel, Option, type Redacted, Schema } from "effect"
import type { KidvoiceConfig } from "../domain/Config.js"
import { workspacePaths } from "../domain/Workspace.js"
import { ExportFormat } from "../domain/ExportFormat.js"
import { parseQueryList } from "../source/youTubeTargets.js"
import type { UploadSummary } from "../upload/Uploader.js"
import { VideoId } from "../domain/VideoId.js"
import {
  commonSettings, configFileOption, discoverySettings, loadConfig, pipelineSettings, type SettingGroup, settingHelp, settingOptions,
  settingsInForce
} from "./settings.js"
import { formatSettingsTable } from "./settingsTable.js"
import { modelsCommand } from "./models.js"
import { workerOptions } from "./workerOptions.js"
import { helpFooter, helpOf, helpRequest, renderCommandHelp } from "./help.js"
import { prepareOutDirectory, requireManifest } from "../files/outDirectory.js"
import { youTubeTargetOfUrl } from "../source/youTubeTargets.js"
import { exitCodeOf, FinishedWithFailures } from "./exitCodes.js"
import { onFirstUse, provideFrom } from "./lazy.js"
import { cliVersion } from "./version.js"
import { failureReport, unexpectedErrorReport } from "./unexpectedError.js"
import { join } from "node:path"
import { promises as fs } from "node:fs"

// What runs a command is imported when the command runs (src/cli/lazy.ts; docs/cli.md, "Start-up"): `--help` and
// `--version` load none of these, `status` only the manifest's. A new command takes what it runs the same way.
const pipeline = onFirstUse(() => import("../pipeline/Pipeline.js"))
const layers = onFirstUse(() => import("../pipeline/layers.js"))
const manifestLayers = onFirstUse(() => import("../pipeline/manifestLayer.js"))
const manifestLocations = onFirstUse(() => import("../manifest/ManifestLocation.js"))
const discoveryText = onFirstUse(() => import("../pipeline/discovery.js"))
const metricsExport = onFirstUse(() => import("../pipeline/metricsExport.js"))
const sources = onFirstUse(() => import("../source/Source.js"))
const youTubeDataApi = onFirstUse(() => import("../source/YouTubeDataApi.js"))
const uploader = onFirstUse(() => import("../upload/Uploader.js"))
const exporters = onFirstUse(() => import("../manifest/exports.js"))
const doctorChecks = onFirstUse(() => import("../manifest/Doctor.js"))
const snapshots = onFirstUse(() => import("../manifest/snapshots.js"))
const manifestService = onFirstUse(() => import("../manifest/Manifest.js"))
const manifestFile = onFirstUse(() => import("../manifest/manifestFile.js"))
const legacyImport = onFirstUse(() => import("../manifest/legacyImport.js"))
const atomicWrite = onFirstUse(() => import("../files/atomicWrite.js"))
const evaluation = onFirstUse(() => import("./evaluate.js"))
const reportPage = onFirstUse(() => import("./report.js"))
const statusText = onFirstUse(() => import("./status.js"))
const progress = onFirstUse(() => import("./progress.js"))
const readiness = onFirstUse(() => import("./ready.js"))
const workerRun = onFirstUse(() => import("./worker.js"))

/** Every stage's service over the working directory of `config`, built when a command first runs. */
const providePipeline = (config: KidvoiceConfig, apiKeys?: ReadonlyArray<Redacted.Redacted<string>>) =>
  provideFrom(layers, (l) => l.pipelineLayer(config, apiKeys))
/** The working directory and its manifest, built when a command first runs. */
const provideManifest = (config: KidvoiceConfig) => provideFrom(manifestLayers, (l) => l.manifestLayer(config))

const logLevels = { debug: LogLevel.Debug, info: LogLevel.Info, warning: LogLevel.Warning, error: LogLevel.Error } as const

const commonOptions = {
  ...settingOptions(commonSettings),
  config: configFileOption,
  "log-level": Options.choice("log-level", ["debug", "info", "warning", "error"]).pipe(
    Options.withDescription("least severe log level printed"),
    Options.withDefault("info" as const)
  )
}
const pipelineOptions = { ...commonOptions, ...settingOptions(pipelineSettings) }

/**
 * The options of a command that runs some stages: the common ones, the workers' and those of the help sections it
 * uses (a setting's section follows from its config key), plus any named; the rest keep their defaults.
 */
const stageOptions = (groups: ReadonlyArray<SettingGroup>, flags: ReadonlyArray<string> = []) => ({
  ...commonOptions,
  ...settingOptions(pipelineSettings.filter((s) => {
    const group = settingHelp(s).group
    return group === "workers and retries" || groups.includes(group) || flags.includes(s.flag)
  }))
})

const inputsOption = Options.text("input").pipe(
  Options.withDescription(
    "a folder of media files, one media file, a text file of URLs (one a line; channel and playlist URLs in it are listed too), " +
      "or a YouTube channel or playlist URL; repeat for several"
  ),
  Options.withPseudoName("path|url"),
  Options.repeated
)

/** What discovery looks at besides inputs: YouTube searches, and the keys for the Data API. */
const youTubeOptions = {
  ...settingOptions(discoverySettings),
  query: Options.text("query").pipe(
    Options.withDescription("a YouTube search, e.g. \"bé đọc thơ\"; repeat for several (takes --search-limit videos each)"),
    Options.repeated
  ),
  queries: Options.file("queries", { exists: "yes" }).pipe(
    Options.withDescription("a text file of YouTube searches, one a line, # starts a comment"),
    Options.optional
  ),
  "youtube-api-key": Options.redacted("youtube-api-key").pipe(
    Options.withDescription(
      "a YouTube Data API v3 key; repeat for several, used in turn as quotas run out (env KIDVOICE_YOUTUBE_API_KEYS, comma-separated). " +
        "Without keys, searches, channels and playlists are listed with yt-dlp"
    ),
    Options.repeated
  )
}
type YouTubeArgs = {
  readonly input: ReadonlyArray<string>
  readonly query: ReadonlyArray<string>
  readonly queries: Option.Option<string>
  readonly "youtube-api-key": ReadonlyArray<Redacted.Redacted<string>>
}

/** The inputs and searches of a command line, and its API keys. */
const discoveryRequest = (args: YouTubeArgs) =>
  Effect.gen(function* () {
    const { SourceNotFound } = yield* sources
    const { youTubeApiKeys } = yield* youTubeDataApi
    const queryFile = Option.getOrUndefined(args.queries)
    const fromFile = queryFile === undefined ? [] : parseQueryList(yield* Effect.tryPromise({
      try: () => fs.readFile(queryFile, "utf8"),
      catch: (e) => new SourceNotFound({ input: queryFile, reason: String(e) })
    }))
    return {
      request: { inputs: args.input, queries: [...new Set([...args.query, ...fromFile])] },
      apiKeys: yield* youTubeApiKeys(args["youtube-api-key"])
    }
  })

type CommonArgs = { readonly config: Option.Option<string>; readonly "log-level": keyof typeof logLevels } & Record<string, unknown>

/**
 * What a command needs of `--out`: `write` makes sure it is a folder it can write to (created if needed), `read`
 * that it holds a manifest already (creating nothing), `none` leaves it to the command.
 */
type OutUse = "write" | "read" | "none" | "resume"

/** `run` or `discover` with no input and no search, on a folder with no manifest to resume: a usage error. */
class NothingToDo extends Data.TaggedError("NothingToDo")<{ readonly command: string; readonly manifest: string }> {
  override get message() {
    return `nothing to do: give ${this.command} an --input or a --query (there is no manifest at ${this.manifest} to resume)`
  }
}

/** Whether a command line names anything to discover; without it, `run` resumes what the manifest holds. */
const namesWork = (args: YouTubeArgs) => args.input.length > 0 || args.query.length > 0 || Option.isSome(args.queries)

/** Local inputs (not URLs) must exist: checked before `--out` is created, so a typo creates nothing. */
const checkLocalInputs = (inputs: ReadonlyArray<string>) =>
  Effect.flatMap(sources, ({ SourceNotFound }) =>
    Effect.forEach(inputs, (input) =>
      youTubeTargetOfUrl(input) !== undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(input)
        ? Effect.void
        : Effect.tryPromise({
          try: () => fs.stat(input),
          catch: (e) => new SourceNotFound({ input, reason: (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or folder" : String(e) })
        }), { discard: true }))

/** Where the settings put the manifest (read when a command runs: the --help path loads no manifest code). */
const manifestWhere = (config: KidvoiceConfig) => Effect.flatMap(manifestLocations, (l) => l.configuredManifest(config))

/** Loads and checks the settings and `--out`, then runs `program` with logging set up as asked. */
const withConfig = <A, E, R>(args: CommonArgs, program: (config: KidvoiceConfig) => Effect.Effect<A, E, R>, out: OutUse = "write") =>
  Effect.gen(function* () {
    const flags = Object.fromEntries(Object.entries(args).filter(([, v]) => Option.isOption(v))) as Record<string, Option.Option<string>>
    const config = yield* loadConfig(flags, args.config)
    if (Array.isArray(args.input)) yield* checkLocalInputs(args.input as ReadonlyArray<string>)
    const paths = workspacePaths(config.out)
    const location = yield* manifestWhere(config)
    if (out === "write" || (out === "resume" && location._tag === "Postgres")) yield* prepareOutDirectory(paths.root)
    // A shared PostgreSQL manifest is there or not whatever this machine's --out holds: opening it says which.
    const localFile = location._tag === "Sqlite"
    if (localFile && out === "read") yield* requireManifest(paths.root, paths.manifest)
    if (localFile && out === "resume") {
      yield* requireManifest(paths.root, paths.manifest).pipe(Effect.mapError(() => new NothingToDo({ command: "run", manifest: paths.manifest })))
    }
    const { besideProgressLine } = yield* progress
    // Logs go to stderr, so stdout carries only results (a status report, a path) for scripts to read.
    const logger = Logger.replace(
      Logger.defaultLogger,
      config.logFormat === "json" ? Logger.withConsoleError(Logger.jsonLogger) : besideProgressLine(Logger.prettyLogger({ stderr: true }))
    )
    return yield* program(config).pipe(
      Effect.provide(logger),
      Logger.withMinimumLogLevel(logLevels[args["log-level"]])
    )
  })

/** The manifest as reports name it: its file, or its database URL without the password. */
const shownManifest = (config: KidvoiceConfig) =>
  Effect.map(manifestLocations, ({ configuredManifest, shownLocation }) =>
    Either.match(configuredManifest(config), { onLeft: () => workspacePaths(config.out).manifest, onRight: shownLocation }))

/**
 * Known-good copies of an SQLite manifest for `doctor --repair`; a PostgreSQL manifest is the database's to back up
 * (pg_dump, its own replication), not kidvoice's.
 */
const snapshotManifest = (config: KidvoiceConfig) =>
  config.manifest === null
    ? Effect.flatMap(snapshots, ({ takeSnapshot }) => takeSnapshot(workspacePaths(config.out))).pipe(Effect.asVoid)
    : Effect.void

/** Prints the status report, and returns it for the exit code to count the failed videos in it. */
const printStatus = (config: KidvoiceConfig) =>
  Effect.flatMap(statusText, ({ formatStatus, statusReport }) =>
    Effect.flatMap(shownManifest(config), (shown) => statusReport(workspacePaths(config.out), shown)).pipe(Effect.tap((report) => Console.log(formatStatus(report)))))

const failedVideos = (count: number, config: KidvoiceConfig) =>
  count === 0 ? Effect.void : Effect.fail(new FinishedWithFailures({
    count,
    what: count === 1 ? "video" : "videos",
    hint: `the failures line above says why; kidvoice status --out ${config.out} lists them again, and a later run retries the retryable ones`
  }))

const newManifestOption = Options.boolean("new-manifest").pipe(
  Options.withDescription(
    "when <out>/manifest.sqlite exists but is not a usable manifest, move it aside (manifest.sqlite.replaced-<time>) and start an " +
      "empty one; without it such a run is refused (kidvoice doctor --repair restores the last good snapshot instead)"
  )
)

/** `--new-manifest`: the unusable manifest goes aside, said on stderr, before the store opens. */
const startOverIfAsked = (config: KidvoiceConfig, asked: boolean) =>
  asked
    ? Effect.flatMap(manifestFile, ({ moveUnusableManifestAside }) => moveUnusableManifestAside(workspacePaths(config.out).manifest)).pipe(
      Effect.tap((movedTo) => movedTo === null ? Effect.void : Effect.logWarning(`the unusable manifest was moved to ${movedTo}; starting an empty one`))
    )
    : Effect.void

const run = Command.make("run", { ...pipelineOptions, ...youTubeOptions, input: inputsOption, "new-manifest": newManifestOption }, (args) =>
  withConfig(args, (config) =>
    startOverIfAsked(config, args["new-manifest"]).pipe(Effect.zipRight(discoveryRequest(args)), Effect.flatMap(({ request, apiKeys }) => Effect.gen(function* () {
      const [{ runAll }, { publishMetrics }, { showProgress }, { formatDiscovery }] = yield* Effect.all([
        pipeline, metricsExport, progress, discoveryText
      ])
      const { discovered, dataset, uploaded } = yield* Effect.gen(function* () {
        yield* publishMetrics(workspacePaths(config.out), config.metricsPort)
        // Known-good copies before any change and after the work, for `doctor --repair` to fall back on.
        yield* snapshotManifest(config)
        yield* showProgress(config.logFormat, config.progress)
        const result = yield* runAll(request, config)
        yield* snapshotManifest(config)
        return result
      }).pipe(Effect.scoped) // closing the scope writes this run's final metrics, which the status below shows
      const failed = (yield* printStatus(config)).byState.failed
      yield* Console.log(`discovery ${formatDiscovery(discovered)}`)
      yield* Console.log(`dataset   ${dataset.card}`)
      if (uploaded) yield* Console.log(formatUpload(uploaded))
      yield* failedVideos(failed, config)
    }).pipe(providePipeline(config, apiKeys)))), namesWork(args) ? "write" : "resume")
  ).pipe(Command.withDescription("discover, download, analyze and curate: every stage, overlapping, until nothing is left to do"))

/** Pipeline settings `discover` uses too: the filter's duration bounds are the curate rules' own; yt-dlp lists. */
const discoverPipelineSettings = pipelineSettings.filter((s) => ["min-duration-seconds", "max-duration-seconds", "yt-dlp"].includes(s.flag) ||
  // yt-dlp lists as it downloads: same cookies, proxy, pace and JavaScript runtime; URL lists may hold file:// URLs.
  ["cookies", "proxy", "sleep-requests", "download-timeout", "js-runtime", "remote-components", "allow-file-urls"].includes(s.flag))

const discoverCommand = Command.make("discover", { ...commonOptions, ...settingOptions(discoverPipelineSettings), ...youTubeOptions, input: inputsOption }, (args) =>
  withConfig(args, (config) =>
    Effect.gen(function* () {
      const { request, apiKeys } = yield* discoveryRequest(args)
      const [{ discover }, { formatDiscovery }] = yield* Effect.all([pipeline, discoveryText])
      const found = yield* discover(request, config).pipe(providePipeline(config, apiKeys))
      yield* Console.log(formatDiscovery(found))
      if (found.failed > 0) {
        return yield* new FinishedWithFailures({
          count: found.failed,
          what: found.failed === 1 ? "source" : "sources",
          hint: "each is logged above with its cause; run discover again to list them"
        })
      }
    }))).pipe(Command.withDescription(
      "record the videos found in the inputs, YouTube searches and the channels of accepted videos, without downloading them"
    ))

const stageGroups: Record<"download" | "analyze" | "curate", ReadonlyArray<SettingGroup>> = {
  download: ["download"],
  analyze: ["analysis"],
  curate: ["curation and clips"]
}

/** A single stage on its own: its upstream is whatever the manifest already holds. */
const stageCommand = (name: "download" | "analyze" | "curate", description: string) =>
  // --progress: a stage draws the same progress display as `run` (README "Progress").
  Command.make(name, stageOptions(stageGroups[name], [...(name === "curate" ? ["min-duration-seconds", "max-duration-seconds", "models-dir", "asr"] : []), "progress"]), (args) =>
    withConfig(args, (config) => {
      const runStage = <E, R>(stage: (p: Effect.Effect.Success<typeof pipeline>, upstreamDone: Deferred.Deferred<void>) => Effect.Effect<unknown, E, R>) =>
        Effect.gen(function* () {
          const [p, { publishMetrics }, { showProgress }] = yield* Effect.all([pipeline, metricsExport, progress])
          yield* Effect.gen(function* () {
            yield* publishMetrics(workspacePaths(config.out), config.metricsPort)
            yield* p.reconcile
            yield* showProgress(config.logFormat, config.progress)
            const upstreamDone = yield* Deferred.make<void>()
            yield* Deferred.succeed(upstreamDone, undefined)
            yield* stage(p, upstreamDone)
          }).pipe(Effect.scoped)
          // Only this stage's failures: a video that failed to download is not curate's to report.
          yield* failedVideos((yield* printStatus(config)).stages[name].failed, config)
        })
      // Downloading needs neither the models nor the curator: building them would cost seconds of CPU and ~200 MiB.
      const download = runStage((p, upstreamDone) => p.downloadStage(config, upstreamDone)).pipe(provideFrom(layers, (l) => l.downloadStageLayer(config)))
      const analyze = runStage((p, upstreamDone) => p.analyzeStage(config, upstreamDone)).pipe(providePipeline(config))
      const curate = runStage((p, upstreamDone) => p.curateStage(config, upstreamDone)).pipe(providePipeline(config))
      const chosen: Effect.Effect<void, Effect.Effect.Error<typeof download | typeof analyze | typeof curate>> =
        name === "download" ? download : name === "analyze" ? analyze : curate
      return chosen
    })).pipe(Command.withDescription(description))

const formatUpload = (summary: UploadSummary) =>
  `upload    ${summary.sent} sent, ${summary.alreadyThere} already there, ${summary.failed.length} failed` +
  summary.failed.map((f) => `\n  ${f.fileName}: ${f.reason}`).join("")

const upload = Command.make("upload", stageOptions(["upload"]), (args) =>
  withConfig(args, (config) =>
    Effect.gen(function* () {
      const [{ UploadEndpointMissing }, { uploadStage }] = yield* Effect.all([uploader, pipeline])
      if (config.upload.endpoint === null) return yield* new UploadEndpointMissing()
      const summary = yield* uploadStage(config)
      yield* snapshotManifest(config)
      if (summary) yield* Console.log(formatUpload(summary))
      if (summary && summary.failed.length > 0) {
        return yield* new FinishedWithFailures({ count: summary.failed.length, what: "clips", hint: "run upload again to send them" })
      }
    }).pipe(providePipeline(config)))).pipe(
  Command.withDescription("send the dataset's clips to the upload endpoint; clips it already holds are not sent again")
)

const importCommand = Command.make("import", {
  ...commonOptions,
  legacyManifest: Args.file({ name: "manifest.json", exists: "yes" }).pipe(Args.withDescription("the Python crawler's manifest.json")),
  urls: Options.file("urls", { exists: "yes" }).pipe(
    Options.withDescription("its discovered_urls.txt (default: the one beside manifest.json, if any)"),
    Options.optional
  )
}, (args) =>
  withConfig(args, (config) =>
    Effect.gen(function* () {
      const { importLegacy, siblingUrlList } = yield* legacyImport
      const urls = Option.isSome(args.urls) ? args.urls : yield* siblingUrlList(args.legacyManifest)
      const summary = yield* importLegacy(args.legacyManifest, urls)
      yield* snapshotManifest(config)
      yield* Console.log(
        `imported ${summary.imported} videos, ${summary.fromUrlList} more from the URL list; ${summary.alreadyKnown} already known (left as they were)` +
          summary.skipped.map((s) => `\n  skipped ${s.where}: ${s.reason}`).join("") +
          summary.notes.map((n) => `\n  note: ${n}`).join("") +
          (summary.targets.length > 0
            ? `\n${summary.targets.length} channel or playlist URLs to list: kidvoice discover --out ${config.out}` +
              summary.targets.map((t) => ` --input '${t.replace(/'/g, "'\\''")}'`).join("")
            : "")
      )
    }).pipe(provideManifest(config)))).pipe(
  Command.withDescription("bring the old Python crawler's manifest.json (and discovered_urls.txt) into the manifest, once")
)

/** `doctor` found problems it did not (or could not) fix: the exit code says so to scripts. */
class ProblemsRemain extends Data.TaggedError("ProblemsRemain")<{ readonly count: number; readonly repaired: boolean }> {
  override get message() {
    return `${this.count} problem${this.count === 1 ? "" : "s"} ${this.repaired ? "remain after repair (see above)" : "found; kidvoice doctor --repair fixes what can be fixed"}`
  }
}

/** What `doctor --ready` checks with the settings of a run: yt-dlp and its runtime, cookies, models. */
const readySettings = pipelineSettings.filter((s) =>
  ["yt-dlp", "cookies", "js-runtime", "remote-components", "models-dir", "child-model", "language-model", "asr"].includes(s.flag))

const doctor = Command.make("doctor", {
  ...commonOptions,
  ...settingOptions(readySettings),
  ready: Options.boolean("ready").pipe(
    Options.withDescription("instead of the manifest, check what a YouTube run needs: yt-dlp's version and age, the JavaScript runtime " +
      "as yt-dlp reports it, its challenge scripts, ffmpeg/ffprobe, the models, free disk in --out, the cookies file; " +
      "exits non-zero when one fails, with the command that fixes each")
  ),
  repair: Options.boolean("repair").pipe(
    Options.withDescription("fix what can be fixed: restore a damaged manifest from its last good snapshot, reclaim stale claims, " +
      "remove abandoned temp files, requeue videos whose audio vanished, move files with no row to <out>/orphans (never deletes them). " +
      "Do not run it while a run is using the same --out.")
  )
}, (args) =>
  withConfig(args, (config) =>
    Effect.gen(function* () {
      if (args.ready) {
        const { readinessTable, renderReadiness, requireReady } = yield* readiness
        const lines = yield* readinessTable(config)
        yield* Console.log(renderReadiness(lines))
        return yield* requireReady(lines)
      }
      const paths = workspacePaths(config.out)
      const [{ diagnose, renderDoctorReport, renderRepairReport, repair }, { manifestOptions }] = yield* Effect.all([doctorChecks, manifestLayers])
      const location = yield* manifestWhere(config)
      if (!args.repair) {
        const report = yield* diagnose(paths, manifestOptions(config), location)
        yield* Console.log(renderDoctorReport(report).join("\n"))
        if (report.findings.length > 0 || report.manifest.status === "damaged") {
          return yield* new ProblemsRemain({ count: Math.max(1, report.findings.length), repaired: false })
        }
        return
      }
      const repaired = yield* repair(paths, manifestOptions(config), location)
      yield* Console.log(renderRepairReport(repaired).join("\n"))
      if (repaired.blocked !== null || repaired.after.findings.length > 0) {
        return yield* new ProblemsRemain({ count: Math.max(1, repaired.after.findings.length), repaired: true })
      }
    }), "none")).pipe(Command.withDescription("check the manifest against the files on disk and say what is wrong; --repair fixes it; --ready checks a YouTube run's tools"))

const retryCommand = Command.make("retry", {
  ...commonOptions,
  state: Options.choice("state", ["failed", "skipped"]).pipe(
    Options.withDescription("which rows to put back in the queue: failed (due now, attempts reset) or skipped (discovered again)"),
    Options.withDefault("failed" as const)
  ),
  tag: Options.text("tag").pipe(
    Options.withDescription("only rows whose last error has this tag, e.g. SourceFileMissing, FfmpegFailed (status lists them)"),
    Options.optional
  ),
  id: Options.text("id").pipe(Options.withDescription("only this video id; repeat for several"), Options.repeated)
}, (args) =>
  withConfig(args, (config) =>
    Effect.gen(function* () {
      const ids = yield* Schema.decodeUnknown(Schema.Array(VideoId))(args.id)
      const manifest = yield* (yield* manifestService).Manifest
      const requeued = yield* manifest.retry({ state: args.state, tag: Option.getOrNull(args.tag), ids })
      yield* Console.log(`requeued ${requeued} ${args.state} video${requeued === 1 ? "" : "s"}; \`kidvoice run\` (or the stage's command) works on them now`)
    }).pipe(provideManifest(config)), "read")).pipe(
  Command.withDescription("put failed or skipped videos back in the queue (all, one error tag, or chosen ids) and say how many")
)

const status = Command.make("status", {
  ...commonOptions,
  json: Options.boolean("json").pipe(Options.withDescription("print the report as JSON")),
  report: Options.boolean("report").pipe(Options.withDescription("also write <out>/reports/report.html: score histogram, hours by language"))
}, (args) =>
  withConfig(args, (config) =>
    Effect.gen(function* () {
      const paths = workspacePaths(config.out)
      const { formatStatus, statusReport } = yield* statusText
      const report = yield* statusReport(paths, yield* shownManifest(config))
      yield* Console.log(args.json ? JSON.stringify(report, null, 2) : formatStatus(report))
      if (!args.report) return
      const [{ gatherReport, renderReportHtml }, { writeTextAtomic }] = yield* Effect.all([reportPage, atomicWrite])
      const html = join(paths.root, "reports", "report.html")
      yield* writeTextAtomic(html, renderReportHtml(yield* gatherReport(report)))
      yield* Console.log(`report    ${html}`)
    }).pipe(provideManifest(config)), "read")).pipe(Command.withDescription("videos per state, hours of audio and speech, clips, failures by cause"))

/** Why an export can be empty, said beside "wrote 0 lines". */
const emptyExportReason: Record<ExportFormat, string> = {
  hf: "no accepted clips yet",
  nemo: "no accepted clips yet",
  csv: "no accepted clips yet",
  urls: "no remote videos in the manifest: local files have no URL",
  jsonl: "the manifest has no rows",
  lhotse: "no accepted clips yet",
  webdataset: "no accepted clips yet"
}

const exportCommand = Command.make("export", {
  ...commonOptions,
  format: Options.choice("format", ExportFormat.literals).pipe(
    Options.withDescription(
      "hf: Hugging Face audiofolder metadata.jsonl; nemo: NeMo JSONL (audio_filepath, duration, text, lang); csv: one clip a row; " +
        "urls: the source URL of every remote video; jsonl: one manifest row a line; " +
        "lhotse: lhotse_recordings.jsonl + lhotse_supervisions.jsonl (paths relative to the export); " +
        "webdataset: tar shards of at most 256 MiB in exports/webdataset/ (<key>.wav, .json, .txt)"
    ),
    Options.withDefault("hf" as const)
  ),
  output: Options.text("output").pipe(
    Options.withDescription("file to write (default: <out>/dataset/metadata.jsonl for hf, else <out>/exports/<format file>)"),
    Options.optional
  )
}, (args) =>
  withConfig(args, (config) =>
    Effect.flatMap(exporters, ({ defaultExportPath, writeExport }) =>
      writeExport(args.format, Option.getOrElse(args.output, () => defaultExportPath(workspacePaths(config.out), args.format)), workspacePaths(config.out))).pipe(
      Effect.flatMap((written) => Console.log(`wrote ${written.lines} lines to ${written.path}${written.lines > 0 ? "" : ` (${emptyExportReason[args.format]})`}`)),
      provideManifest(config)
    ), "read")).pipe(Command.withDescription("write a file derived from the manifest, atomically"))

const evalCommand = Command.make("eval", {
  ...commonOptions,
  ...settingOptions(pipelineSettings.filter((s) => s.flag === "vad-threshold" || s.flag === "analysis-concurrency" || s.flag.startsWith("min-child-"))),
  labels: Options.file("labels", { exists: "yes" }).pipe(
    Options.withDescription("CSV lines path,child (yes/no; optional header file,child) or JSONL {\"file\":...,\"child\":true}; relative paths from the labels file")
  ),
  html: Options.text("html").pipe(Options.withDescription("HTML report to write (default: <out>/reports/eval.html)"), Options.optional)
}, (args) =>
  withConfig(args, (config) =>
    Effect.gen(function* () {
      const [{ evalBackends, evaluateLabels, formatEval, readLabels, renderEvalCsv, renderEvalHtml }, { writeTextAtomic }] = yield* Effect.all([
        evaluation, atomicWrite
      ])
      // A bad labels file is refused before the models load.
      const entries = yield* readLabels(args.labels)
      const { backends, f0CutHz } = yield* evalBackends(config.models)
      const result = yield* evaluateLabels(args.labels, entries, config.vad, config.analysisConcurrency, backends, f0CutHz, config.rules)
      yield* Console.log(formatEval(result))
      const html = Option.getOrElse(args.html, () => join(workspacePaths(config.out).root, "reports", "eval.html"))
      yield* writeTextAtomic(html, renderEvalHtml(result))
      const csv = html.replace(/\.html?$/i, "") + ".csv"
      yield* writeTextAtomic(csv, renderEvalCsv(result))
      yield* Console.log(`report    ${html}\nscores    ${csv}`)
    }).pipe(Effect.scoped))).pipe(
  Command.withDescription("score labelled recordings (child or not) with the shipped models: precision, recall, F1, a threshold sweep, an HTML histogram")
)

const configCommand = Command.make("config", {
  ...commonOptions,
  ...settingOptions(pipelineSettings),
  ...settingOptions(discoverySettings),
  print: Options.boolean("print").pipe(Options.withDescription("print every setting in force and where it came from: default, file, env or flag")),
  format: Options.choice("format", ["table", "json"]).pipe(Options.withDescription("how --print prints"), Options.withDefault("table" as const))
}, (args) =>
  Effect.gen(function* () {
    if (!args.print) return yield* Console.log("kidvoice config --print [--format json] shows the settings in force; kidvoice config --help lists them")
    const flags = Object.fromEntries(Object.entries(args).filter(([, v]) => Option.isOption(v))) as Record<string, Option.Option<string>>
    const rows = yield* settingsInForce(flags, args.config)
    yield* Console.log(args.format === "json" ? JSON.stringify(rows, null, 2) : formatSettingsTable(rows))
  })).pipe(Command.withDescription("show the settings in force (defaults, config file, KIDVOICE_* variables, flags) and where each came from"))

const worker = Command.make("worker", { ...pipelineOptions, ...youTubeOptions, ...workerOptions, input: inputsOption }, (args) =>
  withConfig(args, (config) =>
    discoveryRequest(args).pipe(Effect.flatMap(({ request, apiKeys }) =>
      Effect.flatMap(workerRun, ({ workerProgram }) => workerProgram(args, config, request, apiKeys))
    )))).pipe(Command.withDescription(
      "run a cluster runner on this machine (needs --manifest postgres://…): runners share discovery and the work of the manifest, until stopped"
    ))

const kidvoice = Command.make("kidvoice").pipe(
  Command.withDescription("mine children's speech from videos and audio into a documented dataset"),
  Command.withSubcommands([
    run,
    discoverCommand,
    stageCommand("download", "fetch and convert the audio of discovered videos"),
    stageCommand("analyze", "find speech and score child voices in downloaded audio"),
    stageCommand("curate", "accept or reject analyzed videos and cut the dataset's clips"),
    upload,
    importCommand,
    doctor,
    retryCommand,
    status,
    exportCommand,
    modelsCommand,
    evalCommand,
    configCommand,
    worker
  ])
)

const cli = Command.run(kidvoice, { name: "kidvoice", version: cliVersion })

/** A command line the parser would refuse, said with a suggestion. */
class UsageError extends Data.TaggedError("UsageError")<{ readonly problem: string; readonly suggestion: string | null; readonly helpCommand: string }> {
  override get message() {
    return `${this.problem}${this.suggestion === null ? "" : `; did you mean ${this.suggestion}?`} (see ${this.helpCommand} --help)`
  }
}

/** Help and typo checks come first, from the same command definitions the parser uses; the rest is the parser's. */
const main = Effect.gen(function* () {
  const args = process.argv.slice(2)
  const request = helpRequest(helpOf(kidvoice), args)
  const width = process.stdout.isTTY ? Math.min(100, Math.max(60, process.stdout.columns ?? 80)) : 80
  switch (request._tag) {
    case "Help":
      return yield* Console.log(
        renderCommandHelp("kidvoice", request.path, request.help, width) + (request.path.length === 0 ? "\n" + helpFooter("kidvoice", width) : "")
      )
    case "UnknownFlag": {
      const command = ["kidvoice", ...request.path].join(" ")
      return yield* new UsageError({ problem: `unknown option ${request.flag} for ${command}`, suggestion: request.suggestion, helpCommand: command })
    }
    case "BadValue": {
      const command = ["kidvoice", ...request.path].join(" ")
      return yield* new UsageError({ problem: `${request.flag} ${request.problem}`, suggestion: null, helpCommand: command })
    }
    case "UnknownCommand":
      return yield* new UsageError({ problem: `unknown command ${request.name}`, suggestion: request.suggestion, helpCommand: "kidvoice" })
    case "None":
      return yield* cli(process.argv)
  }
})

main.pipe(
  // @effect/cli has already printed what was wrong with the command line; everything else is said here, once,
  // a defect included: no exit path is silent.
  Effect.tapErrorCause((cause) => {
    if (Cause.isInterruptedOnly(cause)) return Effect.void
    const failure = Cause.failureOption(cause)
    if (Option.isSome(failure)) {
      return ValidationError.isValidationError(failure.value) ? Effect.void : Console.error(failureReport(failure.value))
    }
    return Console.error(unexpectedErrorReport(cause))
  }),
  // What @effect/cli needs, not all of NodeContext.layer: its worker and command-executor services are Schema classes
  // and fibers built at every start, and no command uses them.
  Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)),
  Effect.onInterrupt(() => Console.error("kidvoice: interrupted; work in progress was handed back to the manifest. Run again to resume.")),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    disablePrettyLogger: true,
    // 0 all done, 1 a setup or usage error, 2 finished with failed items, 130 after Ctrl-C (the shell's convention).
    teardown: (exit, onExit) => onExit(exitCodeOf(exit))
  })
)
