import { SqlClient } from "@effect/sql"
import { NodeHttpClient } from "@effect/platform-node"
import { Data, Effect, Layer, type Redacted } from "effect"
import type { KidvoiceConfig } from "../domain/Config.js"
import { RequestPacer } from "../download/RequestPacer.js"
import { YtDlpInspector } from "../download/ytDlpSetup.js"
import { analyzerLayer, curatorLayer, downloaderLayer, manifestLayer, youTubeCatalogLayer } from "../pipeline/layers.js"
import { Source } from "../source/Source.js"
import { Uploader } from "../upload/Uploader.js"
import { makeApiKeyLedger } from "./ApiKeyLedger.js"
import { channelExplorerLayer } from "./ChannelExplorer.js"
import { clusterRunnerLayer, type RunnerEndpoint } from "./ClusterRunner.js"
import { discoverySingleton } from "./DiscoverySingleton.js"
import { clusterRequestPacerLayer, EgressPaceLive } from "./EgressPace.js"

/** What makes this process one runner of the cluster. */
export interface RunnerIdentity {
  readonly endpoint: RunnerEndpoint
  /** This machine's name in the manifest: rows it downloads say their audio is here. */
  readonly node: string
  /** The public address downloads leave through; runners behind one address share one request pace. */
  readonly egress: string
}

export class ClusterNeedsPostgres extends Data.TaggedError("ClusterNeedsPostgres")<{ readonly out: string }> {
  override get message() {
    return `kidvoice worker needs a PostgreSQL manifest that every runner reaches (--manifest postgres://user@host/db or ` +
      `KIDVOICE_DATABASE_URL); the manifest here is the SQLite file under ${this.out}, which only this machine sees`
  }
}

/** Refuses SQLite: runners meet in the manifest's database, so it must be one every machine can reach. */
const requirePostgres = (config: KidvoiceConfig) =>
  Layer.effectDiscard(Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const postgres = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    if (!postgres) return yield* new ClusterNeedsPostgres({ out: config.out })
  }))

/**
 * Every service a runner needs, over one manifest connection: the stage services of `run` (with the request pace
 * of this runner's egress entity instead of a per-process one), the cluster's sharding, and the entities and
 * singletons this runner can host. Built as one layer, so the manifest and the sharding are made once.
 */
export const runnerLayer = (
  config: KidvoiceConfig,
  identity: RunnerIdentity,
  apiKeys: ReadonlyArray<Redacted.Redacted<string>>,
  sharedOut: boolean
) => {
  // Rows downloaded here record this machine, unless every runner reads the same --out.
  const base = manifestLayer(config, sharedOut ? {} : { audioHost: identity.node })
  const checked = requirePostgres(config).pipe(Layer.provide(base))
  const sharding = clusterRunnerLayer(identity.endpoint).pipe(Layer.provide(base), Layer.provide(checked))
  const pacer = clusterRequestPacerLayer(identity.egress, RequestPacer.policy(config.download.requestsPerMinute, config.download.rateLimitPauseSeconds)).pipe(
    Layer.provide(sharding),
    Layer.orDie
  )
  // API quota is spent through the cluster's ledger, so runners sharing keys share their daily quota.
  const catalog = Layer.unwrapEffect(Effect.map(makeApiKeyLedger(), (ledger) =>
    youTubeCatalogLayer(config, apiKeys, {
      // The API itself refuses a spent key: a ledger that cannot be written is a warning, not a stop.
      spend: (key, units) =>
        ledger.spend(key, units).pipe(Effect.catchAll((e) => Effect.logWarning(e.message).pipe(Effect.as(true))))
    }))).pipe(Layer.provide(base), Layer.provide(checked))
  const source = Source.layerWith({ allowFileUrls: config.download.allowFileUrls }).pipe(Layer.provide(catalog))
  const services = Layer.mergeAll(
    base,
    source,
    downloaderLayer(config, base, pacer),
    analyzerLayer(config.models),
    // The curator of `run`, with the speech recogniser the settings choose for clips without captions.
    curatorLayer(config.models).pipe(Layer.provide(base)),
    Uploader.layer.pipe(Layer.provide(Layer.merge(base, NodeHttpClient.layerUndici))),
    // The same layer downloaderLayer gives the Downloader (layers are shared by reference): the runner's warm-up
    // inspects yt-dlp once for its downloads.
    YtDlpInspector.layer,
    sharding
  )
  const hosted = Layer.mergeAll(EgressPaceLive, channelExplorerLayer(config), discoverySingleton(config, identity.node)).pipe(
    Layer.provide(services)
  )
  return Layer.merge(services, hosted)
}
