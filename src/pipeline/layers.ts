import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { promises as fs } from "node:fs"
import { Analyzer } from "../analyze/Analyzer.js"
import { ChildVoiceClassifier } from "../analyze/ChildVoiceClassifier.js"
import { SileroVad } from "../analyze/SileroVad.js"
import type { KidvoiceConfig } from "../domain/Config.js"
import { Workspace, workspacePaths } from "../domain/Workspace.js"
import { Curator } from "../curate/Curator.js"
import { Downloader } from "../download/Downloader.js"
import { currentProcessOwner } from "../manifest/ClaimOwner.js"
import type { ManifestOptions } from "../manifest/Manifest.js"
import { sqliteManifestLayer } from "../manifest/ManifestStore.js"
import { Source } from "../source/Source.js"
import { Uploader } from "../upload/Uploader.js"

/** How this process uses the manifest: who claims, when a claim is stale, how failures are retried. */
export const manifestOptions = (config: KidvoiceConfig): ManifestOptions => ({
  owner: currentProcessOwner(),
  staleClaimMs: config.staleClaimMinutes * 60_000,
  retry: { maxAttempts: config.maxAttempts, baseDelayMs: config.retryBaseSeconds * 1000, maxDelayMs: 3_600_000 }
})

/** The working directory and its manifest: all that `status` and `export` need. */
export const manifestLayer = (config: KidvoiceConfig) => {
  const paths = workspacePaths(config.out)
  const ensureOut = Layer.effectDiscard(Effect.promise(() => fs.mkdir(paths.root, { recursive: true })))
  const manifest = sqliteManifestLayer(paths.manifest, manifestOptions(config)).pipe(Layer.provide(ensureOut))
  return Layer.merge(Workspace.layer(config.out), manifest)
}

/** The analyzer with its models (VAD, child-voice classifier) visible beside it: curate and eval name the classifier. */
export const analyzerLayer = Analyzer.layer.pipe(Layer.provideMerge(Layer.merge(SileroVad.layer, ChildVoiceClassifier.layer)))

/** Every stage's service over one working directory. */
export const pipelineLayer = (config: KidvoiceConfig) => {
  const base = manifestLayer(config)
  const downloader = Downloader.layer.pipe(Layer.provide(Layer.merge(base, NodeFileSystem.layer)))
  const curator = Curator.layer.pipe(Layer.provide(base))
  const uploader = Uploader.layer.pipe(Layer.provide(Layer.merge(base, NodeHttpClient.layerUndici)))
  return Layer.mergeAll(base, Source.layer, downloader, analyzerLayer, curator, uploader)
}
