import Database from "better-sqlite3"
import { Effect } from "effect"
import { mkdirSync, rmSync } from "node:fs"
import { workspacePaths } from "../src/domain/Workspace.js"
import { currentProcessOwner } from "../src/manifest/ClaimOwner.js"
import { sqliteManifestLayer } from "../src/manifest/ManifestStore.js"
const dir = "/tmp/kv-status-10k"
rmSync(dir, { recursive: true, force: true }); mkdirSync(dir)
const paths = workspacePaths(dir)
const layer = sqliteManifestLayer(paths.manifest, { owner: currentProcessOwner(), staleClaimMs: 3_600_000, retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 } })
await Effect.runPromise(Effect.void.pipe(Effect.provide(layer), Effect.scoped) as Effect.Effect<void>)
const db = new Database(paths.manifest)
const insert = db.prepare(`INSERT INTO videos (id, kind, source_url, title, state, attempts, created_at, updated_at) VALUES (?, 'youtube', ?, ?, ?, 0, ?, ?)`)
const states = ["discovered", "downloaded", "accepted", "rejected", "skipped"]
db.transaction(() => { for (let i = 0; i < 10000; i++) { const id = i.toString(36).padStart(11, "0"); insert.run(id, `https://www.youtube.com/watch?v=${id}`, `video ${i}`, states[i % states.length]!, i, i) } })()
db.pragma("wal_checkpoint(TRUNCATE)"); db.close()
