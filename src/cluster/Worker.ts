import { Deferred, Effect } from "effect"
import type { KidvoiceConfig } from "../domain/Config.js"
import type { ManifestRow } from "../domain/ManifestRow.js"
import { analyzeStage, curateStage, downloadStage, reconcile } from "../pipeline/Pipeline.js"
import type { DiscoveryRequest } from "../pipeline/discovery.js"
import { makeDiscoveryQueue } from "./DiscoveryQueue.js"
import type { RunnerIdentity } from "./runnerLayers.js"

/**
 * Whether this runner can read a row's audio: the row was downloaded here, or before hosts were recorded, or
 * every runner shares one --out (then any runner reads any row's audio).
 */
export const audioIsHere = (node: string, sharedOut: boolean) => (row: Pick<ManifestRow, "audioHost">): boolean =>
  sharedOut || row.audioHost === undefined || row.audioHost === null || row.audioHost === node

/**
 * One runner's work, until it is stopped: its inputs go to the cluster's discovery queue (the discovery singleton
 * lists them, on whichever runner holds it), and the per-video stages run here on plain claims from the shared
 * manifest: download, then analysis and curation of the rows whose audio is on this machine. The stages never
 * see their input end (a runner waits for more), so a worker runs until Ctrl-C or SIGTERM, which hands its
 * claims back.
 */
export const runWorker = (config: KidvoiceConfig, identity: RunnerIdentity, request: DiscoveryRequest, sharedOut: boolean) =>
  Effect.gen(function* () {
    const queue = yield* makeDiscoveryQueue
    yield* queue.enqueue(request)
    yield* reconcile
    const endless = yield* Deferred.make<void>()
    yield* Effect.logInfo(
      `runner ${identity.node} at ${identity.endpoint.host}:${identity.endpoint.port} (egress ${identity.egress}) works on the shared manifest`
    )
    yield* Effect.all([
      downloadStage(config, endless),
      analyzeStage(config, endless),
      curateStage(config, endless, undefined, audioIsHere(identity.node, sharedOut))
    ], { concurrency: "unbounded", discard: true })
  }).pipe(Effect.annotateLogs({ runner: identity.node }))
