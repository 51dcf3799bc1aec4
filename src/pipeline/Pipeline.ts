import { Config, Deferred, Effect } from "effect"
import { Analyzer } from "../analyze/Analyzer.js"
import { Curator } from "../curate/Curator.js"
import { commandLine, writeDatasetFiles } from "../curate/datasetFiles.js"
import type { KidvoiceConfig } from "../domain/Config.js"
import type { ManifestRow } from "../domain/ManifestRow.js"
import type { StageFailure } from "../domain/RetryPolicy.js"
import { Workspace } from "../domain/Workspace.js"
import { removeAbandonedTempDirs } from "../download/abandonedTemp.js"
import { Downloader, setupFailuresToStop } from "../download/Downloader.js"
import { Manifest } from "../manifest/Manifest.js"
import { withoutUrlCredentials } from "../upload/protocol.js"
import { captionText } from "../media/captions.js"
import { Uploader, type UploadOptions } from "../upload/Uploader.js"
import { discover, type DiscoveryRequest, type DiscoverySummary } from "./discovery.js"
import { runClaimingStage } from "./stageWorkers.js"

export { discover, type DiscoveryRequest } from "./discovery.js"

/**
 * Claims held by processes that died on this host go back to the pool, and their temp directories go. Mid-run the
 * temp folder is only walked when a claim came back: an idle stage asks every few seconds.
 */
const takeBackFromDeadProcesses = (walkTempDirsAlways: boolean) =>
  Effect.gen(function* () {
    const manifest = yield* Manifest
    const workspace = yield* Workspace
    const reclaimed = yield* manifest.reclaimStale
    const removed = walkTempDirsAlways || reclaimed > 0 ? yield* removeAbandonedTempDirs(workspace.tmp, manifest.owner.isAlive) : []
    return { reclaimed, removedTempDirs: removed.length }
  })

/** Puts the working directory back in order after a crash: stale claims return to the pool, abandoned temp files go. */
export const reconcile = takeBackFromDeadProcesses(true).pipe(
  Effect.tap(({ reclaimed, removedTempDirs }) =>
    reclaimed > 0 || removedTempDirs > 0
      ? Effect.logInfo(`recovered from an earlier run: ${reclaimed} stale claims reclaimed, ${removedTempDirs} abandoned temp dirs removed`)
      : Effect.void
  )
)

/** While a run works: the rule `reconcile` applies at start, for peers that die meanwhile. Answers how many claims came back. */
export const reclaimDeadPeers = takeBackFromDeadProcesses(false).pipe(
  Effect.tap(({ reclaimed, removedTempDirs }) =>
    reclaimed > 0
      ? Effect.logWarning(`took back ${reclaimed} claims of a process that died, removed ${removedTempDirs} of its temp dirs`)
      : Effect.void
  ),
  Effect.map(({ reclaimed }) => reclaimed)
)

const asFailure = (error: StageFailure & { readonly _tag: string }): StageFailure => ({
  _tag: error._tag,
  message: error.message,
  retryable: error.retryable
})

export const downloadStage = (config: KidvoiceConfig, upstreamDone: Deferred.Deferred<void>) =>
  Effect.gen(function* () {
    const downloader = yield* Downloader
    const manifest = yield* Manifest
    const workspace = yield* Workspace
    yield* runClaimingStage({
      stage: "download",
      workers: config.downloadConcurrency,
      upstreamDone,
      handle: (row) => downloader.download(row, {
        maxDurationSeconds: config.rules.maxDurationSeconds,
        ytDlpPath: config.ytDlpPath,
        fetch: config.download,
        captionLanguages: config.download.captionLanguages
      }),
      complete: (row, result) => manifest.completeDownload(row.id, result),
      abandon: downloader.discardUnrecordedAudio,
      // With the network down, local work goes on and the run ends when it is done; the next run retries these.
      noWaitFor: ["NetworkUnreachable", "VideoNotStarted"],
      reclaim: reclaimDeadPeers.pipe(Effect.provideService(Workspace, workspace), Effect.provideService(Manifest, manifest)),
      classify: (error) => {
        switch (error._tag) {
          case "DownloadSkipped":
          case "VideoUnavailable":
            return { _tag: "Skip", failure: { _tag: error._tag, message: error.message, retryable: false } }
          // Not the video's fault: the claim goes back and the stage ends with the reason.
          case "OutOfDiskSpace":
          case "YtDlpNotFound":
          case "CookiesFileMissing":
          case "HostKeepsRefusing":
            return { _tag: "Stop", error }
          // Almost surely the yt-dlp set-up: after a few videos in a row the stage stops (each keeps its retry); one
          // video that alone causes it is an ordinary retryable failure and the others go on.
          case "YtDlpSetupOutdated":
            return error.inARow >= setupFailuresToStop ? { _tag: "FailAndStop", error, failure: asFailure(error) } : { _tag: "Fail", failure: asFailure(error) }
          // Retried when it starts, spending no attempt.
          case "VideoNotStarted":
            return { _tag: "Fail", failure: { ...asFailure(error), notBefore: error.startsAt } }
          case "YtDlpFailed":
            // Refused by the host (the pacer has paused every worker): the row goes back untouched, no attempt spent.
            if (error.kind === "rate-limited") return { _tag: "Requeue", failure: asFailure(error) }
            return { _tag: "Fail", failure: asFailure(error) }
          default:
            return { _tag: "Fail", failure: asFailure(error) }
        }
      }
    })
  })

export const analyzeStage = (config: KidvoiceConfig, upstreamDone: Deferred.Deferred<void>) =>
  Effect.gen(function* () {
    const analyzer = yield* Analyzer
    const manifest = yield* Manifest
    const workspace = yield* Workspace
    yield* runClaimingStage({
      stage: "analyze",
      workers: config.analysisConcurrency,
      upstreamDone,
      handle: (row) => analyzer.analyze(row.audioPath ?? "", config.vad, config.rules.minChildScore, {
        // A local file's "title" is its file name: no evidence of the language spoken in it.
        title: row.kind === "local" ? null : row.title,
        description: row.description,
        declaredLanguage: row.declaredLanguage,
        captions: (row.captions ?? []).map((track) => ({ language: track.language, source: track.source, text: captionText(track.cues) }))
      }),
      complete: (row, analysis) => manifest.completeAnalysis(row.id, analysis),
      reclaim: reclaimDeadPeers.pipe(Effect.provideService(Workspace, workspace), Effect.provideService(Manifest, manifest)),
      classify: (error) => ({ _tag: "Fail", failure: asFailure(error) })
    })
  })

/** The command line the dataset card quotes, without the credentials an --upload-endpoint URL may carry. */
const cardCommandLine = () => withoutUrlCredentials(commandLine())

/** Rows curated at once: enough to share commits, few enough that clip cutting stays gentle on the disk. */
const curateConcurrency = 8

/**
 * Decides every analyzed row. A row that cannot be curated now (its audio vanished, say) is logged and left
 * analyzed for `doctor`; the stage ends after a full sweep that decided nothing once upstream is done.
 */
export const curateStage = (
  config: KidvoiceConfig,
  upstreamDone: Deferred.Deferred<void>,
  producedBy = cardCommandLine(),
  /** Whether this process can read a row's audio (a cluster runner curates only the rows downloaded on its host). */
  audioIsHere: (row: ManifestRow) => boolean = () => true
) =>
  Effect.gen(function* () {
    const curator = yield* Curator
    const manifest = yield* Manifest
    let afterId = ""
    let decidedThisSweep = 0
    while (true) {
      const page = yield* manifest.page(afterId, 100, ["analyzed"])
      const rows = page.filter(audioIsHere)
      if (page.length > 0 && rows.length === 0) {
        afterId = page.at(-1)!.id
        continue
      }
      if (rows.length > 0) {
        // Several rows at once, so their verdicts share a commit (one fsync) instead of waiting for one each.
        yield* Effect.forEach(rows, (row) => Effect.gen(function* () {
          const verdict = yield* curator.curate(row, config).pipe(
            Effect.tap((v) => Effect.logInfo(`${v.accepted ? "accepted" : `rejected (${v.rule})`}: ${v.detail}${v.accepted ? `; ${v.clips} clips` : ""}`)),
            Effect.catchTags({
              IllegalTransition: () => Effect.succeed(null), // decided meanwhile by another process
              NotAnalyzed: (e) => Effect.logError(e.message).pipe(Effect.as(null)),
              WavFormatError: (e) => Effect.logError(e.message).pipe(Effect.as(null))
            }),
            Effect.annotateLogs({ videoId: row.id, stage: "curate" })
          )
          if (verdict) decidedThisSweep++
        }), { concurrency: curateConcurrency, discard: true })
        afterId = page.at(-1)!.id
        continue
      }
      const upstreamFinished = yield* Deferred.isDone(upstreamDone)
      if (upstreamFinished && decidedThisSweep === 0) break
      afterId = ""
      decidedThisSweep = 0
      if (!upstreamFinished) yield* Effect.sleep("200 millis")
    }
    return yield* writeDatasetFiles(producedBy)
  })

/** The upload token, from the environment only: never in a config file, a flag (shell history, `ps`) or a log. */
export const uploadToken = Config.option(Config.redacted("KIDVOICE_UPLOAD_TOKEN"))

/** Basic-auth credentials from the environment, for an endpoint URL that carries none. */
export const uploadCredentials = Config.option(Config.all({ user: Config.string("KIDVOICE_UPLOAD_USER"), password: Config.redacted("KIDVOICE_UPLOAD_PASSWORD") }))

/**
 * Sends the dataset's clips to the configured server; does nothing when none is configured. A cluster runner passes
 * `only`: the clips its machine holds, without the dataset's index files.
 */
export const uploadStage = (config: KidvoiceConfig, only: Pick<UploadOptions, "audioHost" | "indexFiles"> = {}) =>
  Effect.gen(function* () {
    const endpoint = config.upload.endpoint
    if (endpoint === null) return null
    const uploader = yield* Uploader
    return yield* uploader.uploadAll({
      endpoint,
      layout: config.upload.layout,
      token: yield* uploadToken,
      credentials: yield* uploadCredentials,
      concurrency: config.upload.concurrency,
      requestTimeoutMs: config.upload.requestTimeoutSeconds * 1000,
      maxAttempts: config.maxAttempts,
      retryBaseMs: config.upload.retryBaseSeconds * 1000,
      ...only
    })
  })

/** Download, analysis and curation at once, each feeding the next through the manifest, until none has work left. */
const runStages = (config: KidvoiceConfig, producedBy: string) =>
  Effect.gen(function* () {
    const downloadsDone = yield* Deferred.make<void>()
    const analysisDone = yield* Deferred.make<void>()
    const noUpstream = yield* Deferred.make<void>()
    yield* Deferred.succeed(noUpstream, undefined)
    const [, , dataset] = yield* Effect.all([
      downloadStage(config, noUpstream).pipe(Effect.ensuring(Deferred.succeed(downloadsDone, undefined))),
      analyzeStage(config, downloadsDone).pipe(Effect.ensuring(Deferred.succeed(analysisDone, undefined))),
      curateStage(config, analysisDone, producedBy)
    ], { concurrency: "unbounded" })
    return dataset
  })

const addSummaries = (a: DiscoverySummary, b: DiscoverySummary): DiscoverySummary => ({
  added: a.added + b.added,
  skipped: a.skipped + b.skipped,
  known: a.known + b.known,
  duplicates: a.duplicates + b.duplicates,
  notYet: a.notYet + b.notYet,
  channelsExplored: a.channelsExplored + b.channelsExplored,
  failed: a.failed + b.failed
})

/**
 * Discovery, then the stages; then, while the channels of videos accepted meanwhile yield new videos, those
 * channels are explored and the stages run again: good channels are mined in the same run. Each channel is
 * explored once, so the rounds end. Upload follows the last round. `request` may be just the inputs (no searches).
 */
export const runAll = (request: DiscoveryRequest | ReadonlyArray<string>, config: KidvoiceConfig, producedBy = cardCommandLine()) =>
  Effect.gen(function* () {
    yield* reconcile
    let discovered = yield* discover("inputs" in request ? request : { inputs: request, queries: [] }, config)
    let dataset = yield* runStages(config, producedBy)
    while (config.discovery.channelExploreLimit > 0) {
      // Nothing but the queued channels: discovery of no inputs and no searches.
      const explored = yield* discover({ inputs: [], queries: [] }, config)
      discovered = addSummaries(discovered, explored)
      if (explored.added === 0) break
      yield* Effect.logInfo(`${explored.added} new videos from ${explored.channelsExplored} channels of accepted videos: another round`)
      dataset = yield* runStages(config, producedBy)
    }
    const uploaded = yield* uploadStage(config)
    return { discovered, dataset, uploaded }
  })
