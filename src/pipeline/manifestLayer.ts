import { Effect, Layer } from "effect"
import { promises as fs } from "node:fs"
import type { KidvoiceConfig } from "../domain/Config.js"
import { Workspace, workspacePaths } from "../domain/Workspace.js"
import { currentProcessOwner } from "../manifest/ClaimOwner.js"
import type { ManifestOptions } from "../manifest/Manifest.js"
import { configuredManifest } from "../manifest/ManifestLocation.js"
import { manifestStoreLayer } from "../manifest/ManifestStore.js"

// Apart from pipeline/layers.ts (which re-exports both) so that `status`, `export` and `retry` load the manifest
// without the stages' services (yt-dlp, onnxruntime, the HTTP client).

/** How this process uses the manifest: who claims, when a claim is stale, how long a lease lasts, how failures are retried. */
export const manifestOptions = (config: KidvoiceConfig): ManifestOptions => ({
  owner: currentProcessOwner(),
  staleClaimMs: config.staleClaimMinutes * 60_000,
  leaseMs: config.leaseSeconds * 1000,
  retry: { maxAttempts: config.maxAttempts, baseDelayMs: config.retryBaseSeconds * 1000, maxDelayMs: 3_600_000 }
})

/**
 * The working directory and its manifest (the SQLite file under `--out`, or `--manifest`'s database): all that `status`
 * and `export` need; `audioHost` for a cluster runner.
 */
export const manifestLayer = (config: KidvoiceConfig, machine: Pick<ManifestOptions, "audioHost"> = {}) => {
  const paths = workspacePaths(config.out)
  const ensureOut = Layer.effectDiscard(Effect.promise(() => fs.mkdir(paths.root, { recursive: true })))
  const manifest = Layer.unwrapEffect(Effect.map(configuredManifest(config), (location) => manifestStoreLayer(location, { ...manifestOptions(config), ...machine }))).pipe(
    Layer.provide(ensureOut)
  )
  return Layer.merge(Workspace.layer(config.out), manifest)
}
