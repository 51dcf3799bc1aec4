import { Effect, Layer } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Candidate } from "../../src/domain/Candidate.js"
import { VideoId } from "../../src/domain/VideoId.js"
import type { ClaimOwner } from "../../src/manifest/ClaimOwner.js"
import { sqliteManifestLayer } from "../../src/manifest/ManifestStore.js"

/** A fresh directory removed when the scope closes. */
export const scopedTempDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), `kidvoice-${prefix}-`))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

export const owner = (id: string, alive: ReadonlySet<number> = new Set()): ClaimOwner => {
  const [host] = id.split(":")
  return { id, host: host!, isAlive: (pid) => alive.has(pid) }
}

export const testRetry = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 }

export const manifestAt = (path: string, claimOwner: ClaimOwner = owner("test-host:1", new Set([1])), staleClaimMs = 3_600_000) =>
  sqliteManifestLayer(path, { owner: claimOwner, staleClaimMs, retry: testRetry })

/** A manifest in its own temp directory, for one test. */
export const freshManifest = (claimOwner?: ClaimOwner) =>
  Layer.unwrapScoped(scopedTempDir("manifest").pipe(Effect.map((dir) => manifestAt(join(dir, "manifest.sqlite"), claimOwner))))

export const candidate = (n: number) =>
  Candidate.make({
    id: VideoId.make(`local-${n.toString(16).padStart(16, "0")}`),
    kind: "local",
    sourceUrl: `/media/video-${n}.mp4`,
    title: `video ${n}`,
    channel: null,
    declaredDurationSeconds: null
  })
