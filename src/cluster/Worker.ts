import { Deferred, Duration, Effect } from "effect"
import type { KidvoiceConfig } from "../domain/Config.js"
import type { ManifestRow } from "../domain/ManifestRow.js"
import { Manifest } from "../manifest/Manifest.js"
import { analyzeStage, curateStage, downloadStage, reconcile, uploadStage } from "../pipeline/Pipeline.js"
import type { DiscoveryRequest } from "../pipeline/discovery.js"
import { splitCredentials, uploadTarget } from "../upload/protocol.js"
import { YtDlpInspector } from "../download/ytDlpSetup.js"
import { makeDiscoveryQueue } from "./DiscoveryQueue.js"
import { supervisedStage } from "./stageSupervision.js"
import { wakeEgressPace } from "./EgressPace.js"
import type { RunnerIdentity } from "./runnerLayers.js"
import type { WorkerStage } from "./workerStages.js"

/**
 * Whether this runner can read a row's audio: the row was downloaded here, or before hosts were recorded, or
 * every runner shares one --out (then any runner reads any row's audio).
 */
export const audioIsHere = (node: string, sharedOut: boolean) => (row: Pick<ManifestRow, "audioHost">): boolean =>
  sharedOut || row.audioHost === undefined || row.audioHost === null || row.audioHost === node

/** How long the upload loop rests when it found nothing to send, and after a round in which the server failed. */
const uploadIdle = Duration.seconds(2)
const uploadAfterFailure = Duration.seconds(30)

/**
 * The upload stage of a runner, continuously: the clips cut on this machine (every clip, with --shared-out) go to
 * the configured server as they are decided, so clips from every machine reach one place. The dataset's index files
 * stay out: a runner's folder holds its own clips only; `export` writes the index from the manifest on any machine.
 */
const uploadContinuously = (config: KidvoiceConfig, audioHost: string | undefined) =>
  Effect.gen(function* () {
    const endpoint = config.upload.endpoint
    if (endpoint === null) {
      return yield* Effect.logInfo("no --upload-endpoint: this runner's clips stay in its --out/dataset")
    }
    const manifest = yield* Manifest
    const target = uploadTarget(config.upload.layout, splitCredentials(endpoint).endpoint)
    while (true) {
      const waiting = yield* manifest.clipsToUpload(target, 1, "", audioHost)
      if (waiting.length === 0) {
        yield* Effect.sleep(uploadIdle)
        continue
      }
      const summary = yield* uploadStage(config, { audioHost, indexFiles: false })
      if (summary !== null && summary.failed.length > 0) yield* Effect.sleep(uploadAfterFailure)
    }
  })

/**
 * What a download runner does once, before it claims: yt-dlp is inspected and its egress's pace entity woken. Both
 * would otherwise be paid by the first download, while its row is claimed and its request slot held. A failed
 * inspection is left for the first download to report, with the video it concerns.
 */
const readyToDownload = (config: KidvoiceConfig, egress: string) =>
  Effect.all([
    Effect.flatMap(YtDlpInspector, (inspector) => Effect.ignore(inspector.inspect(config.ytDlpPath, config.download))),
    wakeEgressPace(egress)
  ], { concurrency: "unbounded", discard: true })

/**
 * One runner's work, until it is stopped: its inputs go to the cluster's discovery queue (the discovery singleton
 * lists them, on whichever runner holds it), and the per-video stages it was given (`--stages`, default all) run here
 * on plain claims from the shared manifest: download, then analysis and curation of the rows whose audio is on this
 * machine, and the upload of the clips cut here. The stages never see their input end (a runner waits for more), so a
 * worker runs until Ctrl-C or SIGTERM, which hands its claims back.
 */
export const runWorker = (
  config: KidvoiceConfig,
  identity: RunnerIdentity,
  request: DiscoveryRequest,
  sharedOut: boolean,
  stages: ReadonlySet<WorkerStage>
) =>
  Effect.gen(function* () {
    const queue = yield* makeDiscoveryQueue
    yield* queue.enqueue(request)
    yield* reconcile
    const endless = yield* Deferred.make<void>()
    if (stages.has("download")) yield* readyToDownload(config, identity.egress)
    yield* Effect.logInfo(
      `runner ${identity.node} at ${identity.endpoint.host}:${identity.endpoint.port} (egress ${identity.egress}) works on the shared manifest: ` +
        [...stages].join(", ")
    )
    // A stage this runner was not given is left to the runners that were. A stage stopped by the shared database or
    // by a defect starts again (stageSupervision.ts): a runner outlives what the other runners and the database do.
    const given = <A, E, R>(stage: WorkerStage, work: Effect.Effect<A, E, R>) =>
      stages.has(stage) ? Effect.asVoid(supervisedStage(stage, work)) : Effect.void
    yield* Effect.all([
      given("download", downloadStage(config, endless)),
      given("analyze", analyzeStage(config, endless)),
      given("curate", curateStage(config, endless, undefined, audioIsHere(identity.node, sharedOut))),
      given("upload", uploadContinuously(config, sharedOut ? undefined : identity.node))
    ], { concurrency: "unbounded", discard: true })
  }).pipe(Effect.annotateLogs({ runner: identity.node }))
