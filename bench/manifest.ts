/**
 * Durable manifest updates per second under several writer processes (`npm run bench -- manifest`).
 *   --rows 10000,1000000   manifest sizes
 *   --processes 1,10,12    writer processes at once
 *   --seconds 4            measured wall time of each run
 *   --fibers 4             claim-and-complete loops inside each kidvoice process (as its stage workers)
 *   --old-seconds 20 --old-processes 10 --old-rows 10000   the old JSON + lock-file pattern, for comparison
 *
 * An update is one committed UPDATE at the manifest's durability (WAL, synchronous=FULL). Setups:
 *   kidvoice       the real Manifest layer: claim("download", 1) then completeDownload, two updates a row, from
 *                  --fibers loops per process; each process commits its own writes (group commit inside it),
 *                  and SQLite's lock passes between them
 *   kidvoice 1 proc  the same loops as --old-processes kidvoice processes have (say 10 × 4), in one process:
 *                  what running one process with more workers, instead of several, gives
 *   raw same SQL   the same two statements through better-sqlite3, no Effect (what Effect costs)
 *   raw by id      UPDATE ... WHERE id = ? through better-sqlite3 (the ceiling at this durability)
 *   old pattern    the whole manifest in one JSON file behind a touch-file lock (bench/oldPattern.ts)
 *   postgres       the real Manifest layer on a private PostgreSQL 15 server (fsync on, synchronous_commit on: as
 *                  durable as SQLite's FULL), same loops; each process commits its own writes, claims lock with
 *                  FOR UPDATE SKIP LOCKED. Seeded with one INSERT ... SELECT generate_series.
 *   --stores sqlite,postgres   which stores to measure (the old pattern runs with sqlite)
 * Each writer is its own process, started and opened before a start file releases them all together. Rows
 * are seeded straight into a migrated manifest in one transaction; between runs claimed rows are reset.
 * Figures are printed, never asserted.
 */
import { SqlClient } from "@effect/sql"
import Database from "better-sqlite3"
import { Effect, Either, Layer } from "effect"
import { execa, type ResultPromise } from "execa"
import { closeSync, fdatasyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { manifestLocation } from "../src/manifest/ManifestLocation.js"
import { sqliteLayer } from "../src/manifest/ManifestStore.js"
import { postgresLayer } from "../src/manifest/PostgresStore.js"
import { startPostgres } from "../test/support/postgresServer.js"
import { rowId, sleepSync, type WorkerArgs, type WorkerReport } from "./manifestShared.js"
import { writeOldManifest } from "./oldPattern.js"
import { bundleWorker } from "../scripts/bundleWorker.js"
import { option } from "./benchArgs.js"

const numbers = (text: string) => text.split(",").map((n) => Number(n.replace(/_/g, "")))
const rowCounts = numbers(option("rows", "10000,1000000"))
const processCounts = numbers(option("processes", "1,10,12"))
const seconds = Number(option("seconds", "4"))
const fibers = Number(option("fibers", "4"))
const oldSeconds = Number(option("old-seconds", "20"))
const oldProcesses = Number(option("old-processes", "10"))
const oldRows = Number(option("old-rows", "10000"))
const stores = option("stores", "sqlite,postgres").split(",")

type Setup = "kidvoice" | "kidvoice 1 proc" | "raw same SQL" | "raw by id" | "old pattern" | "postgres"

interface Result {
  readonly setup: Setup
  readonly rows: number
  readonly processes: number
  /** Claim-and-complete loops in each kidvoice process. */
  readonly loops: number
  readonly updates: number
  readonly seconds: number
  /** Sum over the writers of each one's own measured time. */
  readonly writerSeconds: number
  readonly exhausted: boolean
  readonly storeSeconds: Record<string, { count: number; sum: number }>
  readonly commits: { count: number; writes: number }
  /** CPU time of all writers together while measured (kidvoice only). */
  readonly cpuMs: number
}

const perSecond = (r: Result) => r.updates / r.seconds
/** How long one writer spends per update it commits: the writers' own times added up ÷ updates. */
const msPerUpdate = (r: Result) => (1000 * r.writerSeconds) / r.updates

const dir = mkdtempSync(join(tmpdir(), "kidvoice-bench-manifest-"))

const bundle = (entry: string, name: string) => bundleWorker(join(import.meta.dirname, entry), join(dir, name))

/** fdatasync calls per second on this directory's disk: what bounds durable commits. */
const fsyncRate = (path: string, forMs: number) => {
  const fd = openSync(path, "w")
  const page = Buffer.alloc(4096, 1)
  let n = 0
  const started = performance.now()
  try {
    while (performance.now() - started < forMs) {
      writeSync(fd, page, 0, page.length, 0)
      fdatasyncSync(fd)
      n++
    }
  } finally {
    closeSync(fd)
    rmSync(path)
  }
  return n / ((performance.now() - started) / 1000)
}

/** A migrated manifest with `rows` discovered videos, inserted in one transaction in batches. */
const seed = async (path: string, rows: number) => {
  await Effect.runPromise(Effect.scoped(Layer.build(sqliteLayer(path))))
  const db = new Database(path)
  db.pragma("synchronous = OFF") // seeding only: the measured writers open their own connections at FULL
  const batch = 500
  const columns = "id, kind, source_url, title, channel, declared_duration_seconds, state, attempts, created_at, updated_at"
  const statement = (n: number) =>
    db.prepare(`INSERT INTO videos (${columns}) VALUES ${Array.from({ length: n }, () => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`)
  const full = statement(batch)
  const values = (from: number, to: number) => {
    const out: Array<string | number> = []
    for (let n = from; n < to; n++) {
      const id = rowId(n)
      const at = 1_700_000_000_000 + n
      out.push(id, "youtube", `https://www.youtube.com/watch?v=${id}`, `Bedtime story number ${n} read by a six year old`,
        `Family Channel ${n % 997}`, 60 + (n % 900), "discovered", 0, at, at)
    }
    return out
  }
  db.transaction(() => {
    for (let from = 0; from < rows; from += batch) {
      const to = Math.min(rows, from + batch)
      ;(to - from === batch ? full : statement(to - from)).run(values(from, to))
    }
  })()
  db.pragma("wal_checkpoint(TRUNCATE)")
  db.close()
}

/** Runs statements on a PostgreSQL manifest (migrated on the way). */
const onPostgres = <A>(url: string, effect: Effect.Effect<A, unknown, SqlClient.SqlClient>) =>
  Effect.runPromise(effect.pipe(Effect.provide(postgresLayer(Either.getOrThrow(manifestLocation(url, ".")) as never)), Effect.scoped) as Effect.Effect<A>)

/** A migrated PostgreSQL manifest with `rows` discovered videos, made by the server itself in one statement. */
const seedPostgres = (url: string, rows: number) =>
  onPostgres(url, Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`DELETE FROM videos`
    yield* sql`
      INSERT INTO videos (id, kind, source_url, title, channel, declared_duration_seconds, state, attempts, created_at, updated_at)
      SELECT 'v' || lpad(n::text, 10, '0'), 'youtube', 'https://www.youtube.com/watch?v=v' || lpad(n::text, 10, '0'),
             'Bedtime story number ' || n || ' read by a six year old', 'Family Channel ' || (n % 997), 60 + (n % 900),
             'discovered', 0, 1700000000000 + n, 1700000000000 + n
      FROM generate_series(0, ${rows - 1}) AS n`
    yield* sql`VACUUM ANALYZE videos`
  }))

const resetPostgres = (url: string) =>
  onPostgres(url, Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`UPDATE videos SET state = 'discovered', claimed_by = NULL, claimed_at = NULL, lease_expires_at = NULL, audio_path = NULL,
      measured_duration_seconds = NULL WHERE state IN ('downloading', 'downloaded')`
    yield* sql`VACUUM videos`
  }))

/** Gives claimed rows back, so every run starts from the same manifest. */
const reset = (path: string) => {
  const db = new Database(path)
  db.prepare(`UPDATE videos SET state = 'discovered', claimed_by = NULL, claimed_at = NULL, audio_path = NULL,
    measured_duration_seconds = NULL WHERE state IN ('downloading', 'downloaded')`).run()
  db.pragma("wal_checkpoint(TRUNCATE)")
  db.close()
}

let runs = 0
/** Starts `processes` workers, waits until all are ready, releases them together and sums their reports. */
const runWorkers = async (
  setup: Setup,
  command: ReadonlyArray<string>,
  target: string,
  rows: number,
  processes: number,
  forSeconds: number,
  loops = fibers
): Promise<Result> => {
  const tag = `run-${++runs}`
  const readyDir = join(dir, `${tag}-ready`)
  mkdirSync(readyDir)
  const startFile = join(dir, `${tag}-start`)
  const workers: Array<ResultPromise> = []
  try {
    for (let index = 0; index < processes; index++) {
      const workerArgs: WorkerArgs = { target, rows, index, processes, seconds: forSeconds, readyFile: join(readyDir, String(index)), startFile, fibers: loops }
      workers.push(execa(process.execPath, [...command, JSON.stringify(workerArgs)], { stdin: "ignore", timeout: (forSeconds + 120) * 1000 }))
    }
    for (const worker of workers) worker.catch(() => undefined) // surfaced by Promise.all below
    while (readdirSync(readyDir).length < processes && workers.every((w) => w.exitCode === null)) sleepSync(20)
    writeFileSync(startFile, "go")
    const reports = (await Promise.all(workers)).map((done) => JSON.parse(String(done.stdout).trim().split("\n").at(-1)!) as WorkerReport)
    const storeSeconds: Record<string, { count: number; sum: number }> = {}
    for (const report of reports) {
      for (const [operation, h] of Object.entries(report.storeSeconds ?? {})) {
        const into = (storeSeconds[operation] ??= { count: 0, sum: 0 })
        into.count += h.count
        into.sum += h.sum
      }
    }
    return {
      setup,
      rows,
      processes,
      loops,
      updates: reports.reduce((sum, r) => sum + r.updates, 0),
      seconds: (Math.max(...reports.map((r) => r.endedAt)) - Math.min(...reports.map((r) => r.startedAt))) / 1000,
      writerSeconds: reports.reduce((sum, r) => sum + (r.endedAt - r.startedAt) / 1000, 0),
      exhausted: reports.some((r) => r.exhausted),
      storeSeconds,
      commits: reports.reduce((sum, r) => ({ count: sum.count + (r.commits?.count ?? 0), writes: sum.writes + (r.commits?.writes ?? 0) }), { count: 0, writes: 0 }),
      cpuMs: reports.reduce((sum, r) => sum + (r.cpuMs ?? 0), 0)
    }
  } finally {
    for (const worker of workers) if (worker.exitCode === null) worker.kill()
  }
}

const pad = (text: string, width: number) => text.padStart(width)
const printRow = (r: Result) =>
  process.stdout.write(
    `${r.setup.padEnd(16)} ${pad(r.rows.toLocaleString("en"), 9)} ${pad(String(r.processes), 9)} ${pad(r.updates.toLocaleString("en"), 8)} ` +
      `${pad(r.seconds.toFixed(1), 7)} ${pad(perSecond(r).toFixed(1), 9)} ${pad(msPerUpdate(r).toFixed(2), 9)}${r.exhausted ? "  (ran out of rows)" : ""}\n`
  )

try {
  const [kidvoiceWorker, rawWorker, oldWorker] = await Promise.all([
    bundle("manifestWorker.ts", "kidvoice-worker.mjs"),
    bundle("rawSqliteWorker.ts", "raw-worker.mjs"),
    bundle("oldPattern.ts", "old-worker.mjs")
  ])
  const fsyncs = fsyncRate(join(dir, "fsync-probe"), 2000)
  process.stdout.write(`manifest durable updates, ${cpus().length} × ${cpus()[0]?.model}, temp dir ${dir}; ${fibers} loops in each kidvoice process\n`)
  process.stdout.write(`disk: ${fsyncs.toFixed(0)} fdatasync/s (4 KiB rewrite), so about ${(1000 / fsyncs).toFixed(2)} ms per durable commit at best\n\n`)
  process.stdout.write("setup                 rows processes  updates seconds  updates/s ms/update\n")
  const results: Array<Result> = []
  const record = (r: Result) => {
    results.push(r)
    printRow(r)
  }

  for (const rows of stores.includes("sqlite") ? rowCounts : []) {
    const path = join(dir, `manifest-${rows}.sqlite`)
    const seeding = performance.now()
    await seed(path, rows)
    process.stderr.write(`(seeded ${rows.toLocaleString("en")} rows in ${((performance.now() - seeding) / 1000).toFixed(1)} s)\n`)
    const setups: ReadonlyArray<[Setup, ReadonlyArray<string>]> = [
      ["kidvoice", [kidvoiceWorker]],
      ["raw same SQL", [rawWorker, "claim"]],
      ["raw by id", [rawWorker, "pk"]]
    ]
    for (const [setup, command] of setups) {
      for (const processes of processCounts) {
        reset(path)
        record(await runWorkers(setup, command, path, rows, processes, seconds))
      }
      if (setup === "kidvoice") {
        reset(path)
        record(await runWorkers("kidvoice 1 proc", command, path, rows, 1, seconds, fibers * oldProcesses))
      }
    }
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true })
  }

  if (stores.includes("postgres")) {
    const server = await startPostgres("bench", { durable: true })
    try {
      for (const rows of rowCounts) {
        const seeding = performance.now()
        await seedPostgres(server.url, rows)
        process.stderr.write(`(PostgreSQL: seeded ${rows.toLocaleString("en")} rows in ${((performance.now() - seeding) / 1000).toFixed(1)} s)\n`)
        for (const processes of processCounts) {
          await resetPostgres(server.url)
          record(await runWorkers("postgres", [kidvoiceWorker], server.url, rows, processes, seconds))
        }
      }
    } finally {
      server.stop()
    }
  }

  if (stores.includes("sqlite")) {
    const oldDir = join(dir, "old")
    mkdirSync(oldDir)
    const bytes = writeOldManifest(oldDir, oldRows)
    process.stderr.write(`(old manifest.json: ${oldRows.toLocaleString("en")} records, ${(bytes / 1e6).toFixed(1)} MB, ${(bytes / oldRows).toFixed(0)} bytes a record)\n`)
    record(await runWorkers("old pattern", [oldWorker], oldDir, oldRows, oldProcesses, oldSeconds))
  }

  const find = (setup: Setup, rows: number, processes: number) =>
    results.find((r) => r.setup === setup && r.rows === rows && r.processes === processes)
  const rate = (r: Result | undefined) => (r ? perSecond(r) : Number.NaN)
  process.stdout.write("\n")
  const headline = find("kidvoice", oldRows, oldProcesses)
  process.stdout.write(
    `kidvoice ÷ old pattern, ${oldProcesses} writers, ${oldRows.toLocaleString("en")} rows: ${(rate(headline) / rate(find("old pattern", oldRows, oldProcesses))).toFixed(0)}× ` +
      `(${rate(headline).toFixed(0)} vs ${rate(find("old pattern", oldRows, oldProcesses)).toFixed(1)} updates/s; target ≥ 1000× and ≥ 3,200 updates/s)\n`
  )
  const consolidated = find("kidvoice 1 proc", oldRows, 1)
  process.stdout.write(
    `the same ${fibers * oldProcesses} loops in one kidvoice process: ${rate(consolidated).toFixed(0)} updates/s, ` +
      `${(rate(consolidated) / rate(find("old pattern", oldRows, oldProcesses))).toFixed(0)}× the old pattern\n`
  )
  for (const rows of rowCounts) {
    for (const processes of processCounts) {
      const k = find("kidvoice", rows, processes)
      process.stdout.write(
        `kidvoice ÷ raw by id, ${pad(String(processes), 2)} writers, ${pad(rows.toLocaleString("en"), 9)} rows: ${pad((100 * rate(k) / rate(find("raw by id", rows, processes))).toFixed(0), 4)} % (target ≥ 30 %); ` +
          `÷ raw same SQL: ${pad((100 * rate(k) / rate(find("raw same SQL", rows, processes))).toFixed(0), 4)} %\n`
      )
    }
  }
  if (rowCounts.length > 1) {
    const [small, large] = [Math.min(...rowCounts), Math.max(...rowCounts)]
    for (const setup of ["kidvoice", "raw same SQL", "raw by id", "postgres"] as const) {
      const ratios = processCounts.map((p) => {
        const a = find(setup, small, p)
        const b = find(setup, large, p)
        return a && b ? `${p}: ${(msPerUpdate(b) / msPerUpdate(a)).toFixed(2)}×` : `${p}: n/a`
      })
      process.stdout.write(`ms/update at ${large.toLocaleString("en")} ÷ at ${small.toLocaleString("en")} rows, ${setup.padEnd(12)} by writers: ${ratios.join("  ")}\n`)
    }
  }
  process.stdout.write("\nwhere a kidvoice writer's time goes (mean ms per statement, from its storeSeconds histogram, lock waits included):\n")
  for (const r of results.filter((r) => r.setup.startsWith("kidvoice") || r.setup === "postgres")) {
    const claim = r.storeSeconds["claim download"]
    const complete = r.storeSeconds["transition Complete"]
    const inStore = Object.values(r.storeSeconds).reduce((sum, h) => sum + h.sum, 0)
    const outside = (r.writerSeconds * r.loops - inStore) / r.updates
    process.stdout.write(
      `  ${pad(r.rows.toLocaleString("en"), 9)} rows ${pad(String(r.processes), 2)} writers × ${pad(String(r.loops), 2)} loops: claim ${claim ? ((1000 * claim.sum) / claim.count).toFixed(2) : "-"} ms, ` +
        `complete ${complete ? ((1000 * complete.sum) / complete.count).toFixed(2) : "-"} ms, outside the store ${(1000 * outside).toFixed(2)} ms per update and loop, ` +
        `${(r.commits.writes / Math.max(1, r.commits.count)).toFixed(1)} writes per commit, ` +
        `${(r.cpuMs / r.updates).toFixed(2)} ms CPU per update\n`
    )
  }
  process.stdout.write("ms/update = the writers' own seconds added up ÷ updates: the time one writer spends per committed update.\n")
} finally {
  rmSync(dir, { recursive: true, force: true })
}
