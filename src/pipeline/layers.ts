import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, type Redacted } from "effect"
import { Analyzer } from "../analyze/Analyzer.js"
import { selectedModelsLayer, selectedTranscriberCard } from "../analyze/installedModels.js"
import { SileroVad } from "../analyze/SileroVad.js"
import { Transcriber } from "../analyze/Transcriber.js"
import type { KidvoiceConfig, ModelSettings } from "../domain/Config.js"
import { manifestLayer } from "./manifestLayer.js"
import { Curator } from "../curate/Curator.js"
import { Downloader } from "../download/Downloader.js"
import { RequestPacer } from "../download/RequestPacer.js"
import { YtDlpInspector } from "../download/ytDlpSetup.js"
import { WavDecoder } from "../media/WavDecoder.js"
import { Source } from "../source/Source.js"
import { defaultApiRetry, type QuotaLedger, youTubeDataApiLayer } from "../source/YouTubeDataApi.js"
import { ytDlpCatalogLayer } from "../source/YtDlpSearch.js"
import { Uploader } from "../upload/Uploader.js"

export { manifestLayer, manifestOptions } from "./manifestLayer.js"

/** This process's own request pace (one per process; a cluster runner shares one per egress address instead). */
export const processPacerLayer = (config: KidvoiceConfig) =>
  RequestPacer.layer(RequestPacer.policy(config.download.requestsPerMinute, config.download.rateLimitPauseSeconds))

/** The Downloader with a request pace (default: this process's own), over a working directory (and its manifest); local files decoded together share an ffmpeg (media/WavDecoder.ts). */
export const downloaderLayer = (
  config: KidvoiceConfig,
  base: ReturnType<typeof manifestLayer> = manifestLayer(config),
  pacer: Layer.Layer<RequestPacer> = processPacerLayer(config)
) => Downloader.layer.pipe(Layer.provide(Layer.mergeAll(base, NodeFileSystem.layer, pacer, YtDlpInspector.layer, WavDecoder.layer(config.downloadConcurrency))))

/**
 * What the download stage alone needs (`kidvoice download`): the working directory, its manifest and the Downloader;
 * not the models, whose loading costs seconds of CPU and ~200 MiB that a download never uses.
 */
export const downloadStageLayer = (config: KidvoiceConfig) => {
  const base = manifestLayer(config)
  return Layer.merge(base, downloaderLayer(config, base))
}

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
    : ytDlpCatalogLayer(config.ytDlpPath, config.download).pipe(Layer.provide(YtDlpInspector.layer))

/** The analyzer with the models the settings choose, visible beside it: curate and eval name the classifier. */
export const analyzerLayer = (models: ModelSettings) =>
  Analyzer.layer.pipe(Layer.provideMerge(Layer.merge(SileroVad.layer, selectedModelsLayer(models))))

/** Curate, with a speech recogniser for clips without captions when the settings choose one and it is installed. */
export const curatorLayer = (models: ModelSettings) =>
  Layer.unwrapEffect(
    Effect.map(selectedTranscriberCard(models), (card) =>
      card === null ? Curator.layer : Curator.layer.pipe(Layer.provide(Transcriber.layerFromCard(card.path))))
  )

/**
 * Every stage's service over one working directory. The catalog and the Downloader are given the same
 * `YtDlpInspector.layer` (layers are shared by reference within one build), so a run inspects yt-dlp once.
 */
export const pipelineLayer = (config: KidvoiceConfig, youTubeApiKeys: ReadonlyArray<Redacted.Redacted<string>> = []) => {
  const base = manifestLayer(config)
  const downloader = downloaderLayer(config, base)
  const curator = curatorLayer(config.models).pipe(Layer.provide(base))
  const uploader = Uploader.layer.pipe(Layer.provide(Layer.merge(base, NodeHttpClient.layerUndici)))
  const source = Source.layerWith({ allowFileUrls: config.download.allowFileUrls }).pipe(Layer.provide(youTubeCatalogLayer(config, youTubeApiKeys)))
  return Layer.mergeAll(base, source, downloader, analyzerLayer(config.models), curator, uploader)
}
