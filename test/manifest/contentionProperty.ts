import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import Database from "better-sqlite3"
import { Effect, Exit, Redacted, Scope } from "effect"
import { execa } from "execa"
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Candidate } from "../../src/domain/Candidate.js"
import { VideoId } from "../../src/domain/VideoId.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { manifestIn, postgresStoreForFile, sqliteStore } from "../support/manifestStores.js"
import type { WorkerOptions, WorkerReport } from "../support/manifestWorker.js"
import { bundleWorker } from "../../scripts/bundleWorker.js"

const workerScript = join(import.meta.dirname, "..", "support", "manifestWorker.ts")

const youtubeCandidate = (n: number) => {
  const id = VideoId.make(`c${n.toString(36).padStart(10, "0")}`)
  return Candidate.make({
    id,
    kind: "youtube",
    sourceUrl: `https://www.youtube.com/watch?v=${id}`,
    title: `video ${n}`,
    channel: `channel ${n % 17}`,
    declaredDurationSeconds: 30
  })
}

const duplicates = (ids: ReadonlyArray<string>) => {
  const seen = new Set<string>()
  return ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)))
}

const waitUntil = async (done: () => boolean, timeoutMs: number, what: string) => {
  const until = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export interface ContentionSize {
  readonly workers: number
  readonly rows: number
}

/**
 * Processes claiming from one manifest at the same moment, on SQLite and on PostgreSQL: the default tier runs a few
 * (contention.test.ts), the slow tier the full size (contention.slow.test.ts). PostgreSQL answers each statement over
 * a socket, so it gets fewer rows to keep the two alike in time.
 */
export const describeContention = (sizes: { readonly sqlite: ContentionSize; readonly postgres: ContentionSize }) =>
describe.each([sqliteStore, postgresStoreForFile()])("Manifest under contention on $name", (store) => {
  const { workers, rows } = store.name === "SQLite" ? sizes.sqlite : sizes.postgres
  // PostgreSQL: the claims lock with FOR UPDATE SKIP LOCKED, so processes claiming at the same moment skip each other's rows.
  it(`${workers} processes on one manifest: each row claimed once per stage, no busy errors, a sound store`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "kidvoice-contention-"))
    const scope = Effect.runSync(Scope.make())
    try {
      const location = await Effect.runPromise(Scope.extend(store.place, scope))
      const database = location._tag === "Sqlite" ? location.path : Redacted.value(location.url)
      const onManifest = <A, E>(effect: Effect.Effect<A, E, Manifest | SqlClient.SqlClient>) =>
        Effect.runPromise(effect.pipe(Effect.provide(manifestIn(location)), Effect.scoped))
      await onManifest(Effect.flatMap(Manifest, (m) => m.addCandidates(Array.from({ length: rows }, (_, n) => youtubeCandidate(n)))))
      const worker = await bundleWorker(workerScript, join(dir, "worker.mjs"))
      const startFile = join(dir, "start")
      const readyDir = join(dir, "ready")
      mkdirSync(readyDir)
      const running = Array.from({ length: workers }, (_, index) => {
        const workspace = join(dir, `worker-${index}`)
        mkdirSync(workspace)
        const options: WorkerOptions = {
          database,
          readyFile: join(readyDir, String(index)),
          startFile,
          workspace,
          exportEvery: 10
        }
        return execa(process.execPath, [worker, JSON.stringify(options)], {
          reject: false,
          timeout: 90_000,
          stdin: "ignore"
        })
      })
      // The barrier: nobody starts until every worker has its manifest open, so they really contend.
      await waitUntil(() => readdirSync(readyDir).length === workers || running.some((r) => r.exitCode !== null), 60_000, "workers to open the manifest")
      writeFileSync(startFile, "go")
      const results = await Promise.all(running)

      const reports = results.map((result) => {
        expect(result.exitCode, result.stderr).toBe(0)
        expect(result.stderr).not.toMatch(/database is locked|SQLITE_BUSY/i)
        return JSON.parse(String(result.stdout).trim().split("\n").at(-1)!) as WorkerReport
      })

      for (const report of reports) {
        expect(report.errors).toEqual([])
        expect(report.storeSeconds["all"]!.count).toBeGreaterThan(0)
        expect(JSON.stringify(report)).not.toMatch(/database is locked|SQLITE_BUSY/i)
      }
      const all = Array.from({ length: rows }, (_, n) => youtubeCandidate(n).id as string).sort()
      for (const stage of ["download", "analyze"] as const) {
        const claimed = reports.flatMap((r) => r.claimed[stage])
        expect(duplicates(claimed), `${stage} claimed twice`).toEqual([])
        expect([...claimed].sort(), `${stage} claims cover every row`).toEqual(all)
      }
      // Real contention happened: the work was spread, and some statement waited on another process's lock.
      expect(reports.filter((r) => r.claimed.download.length > 0).length).toBeGreaterThan(1)
      expect(reports.reduce((sum, r) => sum + r.exports, 0)).toBeGreaterThan(0)

      const final = await onManifest(Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        return {
          states: yield* sql`SELECT state, COUNT(*) AS count FROM videos GROUP BY state`,
          held: yield* sql`SELECT COUNT(*) AS count FROM videos WHERE claimed_by IS NOT NULL`
        }
      }))
      expect(final.states).toEqual([{ state: "analyzed", count: rows }])
      expect(final.held).toEqual([{ count: 0 }])
      if (location._tag === "Sqlite") {
        const db = new Database(database, { readonly: true })
        try {
          expect(db.pragma("integrity_check")).toEqual([{ integrity_check: "ok" }])
        } finally {
          db.close()
        }
      }
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
