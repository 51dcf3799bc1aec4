import { Effect, Layer } from "effect"
import { promises as fs } from "node:fs"
import type { KidvoiceConfig } from "../domain/Config.js"
import { Workspace, workspacePaths } from "../domain/Workspace.js"
import { currentProcessOwner } from "../manifest/ClaimOwner.js"
import type { ManifestOptions } from "../manifest/Manifest.js"
import { sqliteManifestLayer } from "../manifest/ManifestStore.js"

// Apart from pipeline/layers.ts (which re-exports both) so that `status`, `export` and `retry` load the manifest
// without the stages' services (yt-dlp, onnxruntime, the HTTP client).

/** How this process uses the manifest: who claims, when a claim is stale, how failures are retried. */
export const manifestOptions = (config: KidvoiceConfig): ManifestOptions => ({
  owner: currentProcessOwner(),
  staleClaimMs: config.staleClaimMinutes * 60_000,
  retry: { maxAttempts: config.maxAttempts, baseDelayMs: config.retryBaseSeconds * 1000, maxDelayMs: 3_600_000 }
})

/**
 * The working directory and its manifest: all that `status` and `export` need. `reads: "only"` is for a command
 * that never writes to the manifest: it takes no part in the host's shared writer (no socket to listen on or
 * connect to), which also saves it the set-up at start.
 */
export const manifestLayer = (config: KidvoiceConfig, reads: "only" | "and writes" = "and writes") => {
  const paths = workspacePaths(config.out)
  const ensureOut = Layer.effectDiscard(Effect.promise(() => fs.mkdir(paths.root, { recursive: true })))
  const options = { ...manifestOptions(config), ...(reads === "only" ? { shareWritesOnHost: false } : {}) }
  const manifest = sqliteManifestLayer(paths.manifest, options).pipe(Layer.provide(ensureOut))
  return Layer.merge(Workspace.layer(config.out), manifest)
}
