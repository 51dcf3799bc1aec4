/**
 * A large manifest: status, claims, reclaim and exports at N rows (default 1,000,000).
 * Seeds rows straight into the real schema in one transaction, then times the real services. Prints, asserts nothing.
 */
import Database from "better-sqlite3"
import { Effect, Exit, Layer, Scope } from "effect"
import { mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { statusReport } from "../src/cli/status.js"
import { workspacePaths } from "../src/domain/Workspace.js"
import { defaultExportPath, writeExport } from "../src/manifest/exports.js"
import { Manifest } from "../src/manifest/Manifest.js"
import { currentProcessOwner } from "../src/manifest/ClaimOwner.js"
import { sqliteManifestLayer } from "../src/manifest/ManifestStore.js"
import { numberOption } from "./benchArgs.js"

const rows = numberOption("rows", 1_000_000)

const dir = mkdtempSync(join(tmpdir(), "kidvoice-large-"))
const paths = workspacePaths(dir)
const layer = sqliteManifestLayer(paths.manifest, {
  owner: currentProcessOwner(),
  staleClaimMs: 3_600_000,
  retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 }
})

/** The manifest opened once, as a long run has it; each operation is timed inside it. */
const scope = Effect.runSync(Scope.make())
let context: import("effect/Context").Context<Manifest> | undefined

const time = async <A>(label: string, effect: Effect.Effect<A, unknown, Manifest>, repeat = 1) => {
  const started = performance.now()
  if (!context) context = await Effect.runPromise(Layer.buildWithScope(layer, scope) as Effect.Effect<import("effect/Context").Context<Manifest>>)
  let result: A | undefined
  for (let i = 0; i < repeat; i++) result = await Effect.runPromise(effect.pipe(Effect.provide(context)) as Effect.Effect<A>)
  const ms = (performance.now() - started) / repeat
  process.stdout.write(`${label.padEnd(44)} ${ms.toFixed(1).padStart(10)} ms${repeat > 1 ? ` (mean of ${repeat})` : ""}\n`)
  return result as A
}

try {
  // Create and migrate through the real layer, then seed in bulk.
  await Effect.runPromise(Effect.void.pipe(Effect.provide(layer), Effect.scoped) as Effect.Effect<void>)
  const seedStarted = performance.now()
  const db = new Database(paths.manifest)
  const states = ["discovered", "downloaded", "analyzed", "accepted", "rejected", "failed", "skipped"]
  const insert = db.prepare(`INSERT INTO videos (id, kind, source_url, title, state, failed_stage, attempts, next_retry_at, created_at, updated_at)
    VALUES (?, 'youtube', ?, ?, ?, ?, ?, ?, ?, ?)`)
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const id = i.toString(36).padStart(11, "0")
      const state = states[i % states.length]!
      insert.run(id, `https://www.youtube.com/watch?v=${id}`, `video ${i}`, state, state === "failed" ? "download" : null, state === "failed" ? 1 : 0, state === "failed" ? 0 : null, i, i)
    }
  })()
  // Fold the seeding into the database file, so the first timed writes do not pay for its checkpoint.
  db.pragma("wal_checkpoint(TRUNCATE)")
  db.close()
  process.stdout.write(`manifest with ${rows.toLocaleString("en")} rows (${(statSync(paths.manifest).size / 1e6).toFixed(0)} MB), seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s\n\n`)
  process.stdout.write(`${"operation".padEnd(44)} ${"time".padStart(13)}\n`)
  await time("open (checks + migrations)", Effect.void)
  await time("status report (counts, totals, failures)", statusReport(paths) as Effect.Effect<unknown, unknown, Manifest>)
  await time("claim 1 row for download", Effect.flatMap(Manifest, (m) => m.claim("download", 1)), 50)
  await time("claim 100 rows for download", Effect.flatMap(Manifest, (m) => m.claim("download", 100)), 10)
  await time("reclaim stale claims (none stale)", Effect.flatMap(Manifest, (m) => m.reclaimStale), 5)
  await time("page of 1000 rows in the middle", Effect.flatMap(Manifest, (m) => m.page((rows / 2).toString(36).padStart(11, "0"), 1000)), 20)
  const urls = await time("export urls (all rows)", writeExport("urls", defaultExportPath(paths, "urls"), paths))
  const jsonl = await time("export jsonl (all rows)", writeExport("jsonl", defaultExportPath(paths, "jsonl"), paths))
  process.stdout.write(`\nexported ${urls.lines.toLocaleString("en")} URLs and ${jsonl.lines.toLocaleString("en")} JSONL rows; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`)
} finally {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  rmSync(dir, { recursive: true, force: true })
}
