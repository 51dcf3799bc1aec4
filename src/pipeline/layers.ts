import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import { Effect, Either, Layer, type Redacted } from "effect"
import { promises as fs } from "node:fs"
import { Analyzer } from "../analyze/Analyzer.js"
import { selectedModelsLayer } from "../analyze/installedModels.js"
import { SileroVad } from "../analyze/SileroVad.js"
import type { KidvoiceConfig, ModelSettings } from "../domain/Config.js"
import { Workspace, workspacePaths } from "../domain/Workspace.js"
import { Curator } from "../curate/Curator.js"
import { Downloader } from "../download/Downloader.js"
import { RequestPacer } from "../download/RequestPacer.js"
import { currentProcessOwner } from "../manifest/ClaimOwner.js"
import type { ManifestOptions } from "../manifest/Manifest.js"
import { manifestLocation } from "../manifest/ManifestLocation.js"
import { ManifestOpenError } from "../manifest/ManifestErrors.js"
import { manifestStoreLayer } from "../manifest/ManifestStore.js"
import { Source } from "../source/Source.js"
import { defaultApiRetry, type QuotaLedger, youTubeDataApiLayer } from "../source/YouTubeDataApi.js"
import { ytDlpCatalogLayer } from "../source/YtDlpSearch.js"
import { Uploader } from "../upload/Uploader.js"

/** How this process uses the manifest: who claims, when a claim is stale, how failures are retried. */
export const manifestOptions = (config: KidvoiceConfig): ManifestOptions => ({
  owner: currentProcessOwner(),
  staleClaimMs: config.staleClaimMinutes * 60_000,
  leaseMs: config.leaseSeconds * 1000,
  retry: { maxAttempts: config.maxAttempts, baseDelayMs: config.retryBaseSeconds * 1000, maxDelayMs: 3_600_000 }
})

/** Where the settings put the manifest: the SQLite file under `--out`, or the PostgreSQL database `--manifest` names. */
export const configuredManifest = (config: KidvoiceConfig) =>
  manifestLocation(config.manifest, config.out).pipe(
    Either.mapLeft((problem) => new ManifestOpenError({ path: problem.given, reason: problem.reason, advice: "Fix --manifest (or KIDVOICE_DATABASE_URL)." }))
  )

/** The working directory and its manifest: all that `status` and `export` need; `audioHost` for a cluster runner. */
export const manifestLayer = (config: KidvoiceConfig, machine: Pick<ManifestOptions, "audioHost"> = {}) => {
  const paths = workspacePaths(config.out)
  const ensureOut = Layer.effectDiscard(Effect.promise(() => fs.mkdir(paths.root, { recursive: true })))
  const manifest = Layer.unwrapEffect(Effect.map(configuredManifest(config), (location) => manifestStoreLayer(location, { ...manifestOptions(config), ...machine }))).pipe(
    Layer.provide(ensureOut)
  )
  return Layer.merge(Workspace.layer(config.out), manifest)
}

/** This process's own request pace (one per process; a cluster runner shares one per egress address instead). */
export const processPacerLayer = (config: KidvoiceConfig) =>
  RequestPacer.layer(RequestPacer.policy(config.download.requestsPerMinute, config.download.rateLimitPauseSeconds))

/** The Downloader with a request pace (default: this process's own), over a working directory (and its manifest). */
export const downloaderLayer = (
  config: KidvoiceConfig,
  base: ReturnType<typeof manifestLayer> = manifestLayer(config),
  pacer: Layer.Layer<RequestPacer> = processPacerLayer(config)
) => Downloader.layer.pipe(Layer.provide(Layer.mergeAll(base, NodeFileSystem.layer, pacer)))

/** YouTube listings through the Data API when there are keys for it, else through yt-dlp (no key, no quota). */
export const youTubeCatalogLayer = (config: KidvoiceConfig, apiKeys: ReadonlyArray<Redacted.Redacted<string>>, quota?: QuotaLedger) =>
  apiKeys.length > 0
    ? youTubeDataApiLayer({
      ...(quota === undefined ? {} : { quota }),
      baseUrl: config.discovery.youtubeApiUrl,
      keys: apiKeys,
      relevanceLanguage: config.discovery.relevanceLanguage,
      regionCode: config.discovery.regionCode,
      ...defaultApiRetry
    }).pipe(Layer.provide(NodeHttpClient.layerUndici))
    : ytDlpCatalogLayer(config.ytDlpPath, config.download)

/** The analyzer with the models the settings choose, visible beside it: curate and eval name the classifier. */
export const analyzerLayer = (models: ModelSettings) =>
  Analyzer.layer.pipe(Layer.provideMerge(Layer.merge(SileroVad.layer, selectedModelsLayer(models))))

/** Every stage's service over one working directory. */
export const pipelineLayer = (config: KidvoiceConfig, youTubeApiKeys: ReadonlyArray<Redacted.Redacted<string>> = []) => {
  const base = manifestLayer(config)
  const downloader = downloaderLayer(config, base)
  const curator = Curator.layer.pipe(Layer.provide(base))
  const uploader = Uploader.layer.pipe(Layer.provide(Layer.merge(base, NodeHttpClient.layerUndici)))
  const source = Source.layerWith({ allowFileUrls: config.download.allowFileUrls }).pipe(Layer.provide(youTubeCatalogLayer(config, youTubeApiKeys)))
  return Layer.mergeAll(base, source, downloader, analyzerLayer(config.models), curator, uploader)
}
