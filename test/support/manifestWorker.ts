/**
 * One OS process of the manifest contention test (`node --import tsx manifestWorker.ts <options JSON>`).
 * It waits for the start file so that all workers begin together, then works the manifest through the real
 * `Manifest` layer (claim download → complete → claim analyze → complete) until nothing is left, writing a
 * URL export now and then. Its last stdout line is a JSON report: ids claimed per stage, errors seen, and
 * the `storeSeconds` histogram per operation.
 */
import { Cause, Effect, Exit, Metric, MetricState, Random } from "effect"
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Analysis } from "../../src/domain/Analysis.js"
import { workspacePaths } from "../../src/domain/Workspace.js"
import { currentProcessOwner } from "../../src/manifest/ClaimOwner.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { manifestLocation } from "../../src/manifest/ManifestLocation.js"
import { manifestStoreLayer } from "../../src/manifest/ManifestStore.js"
import { Either } from "effect"
import { writeExport } from "../../src/manifest/exports.js"

export interface WorkerOptions {
  /** An SQLite file, or a postgres:// URL. */
  readonly database: string
  /** Written by the worker once its manifest is open. */
  readonly readyFile: string
  /** The worker starts working once this file exists. */
  readonly startFile: string
  /** Where this worker's URL exports go (a workspace root). */
  readonly workspace: string
  /** Every how many rounds the worker writes an export. */
  readonly exportEvery: number
}

export interface HistogramSummary {
  readonly count: number
  readonly sumSeconds: number
  readonly maxSeconds: number
  /** Upper bucket bound below which 99 % of the statements finished. */
  readonly p99Seconds: number
}

export interface WorkerReport {
  readonly pid: number
  readonly claimed: { readonly download: ReadonlyArray<string>; readonly analyze: ReadonlyArray<string> }
  readonly exports: number
  readonly errors: ReadonlyArray<string>
  readonly storeSeconds: Readonly<Record<string, HistogramSummary>>
}

type Buckets = ReadonlyArray<readonly [number, number]>

/** Upper bound of the first bucket that holds 99 % of the statements (buckets are cumulative). */
const p99 = (buckets: Buckets, count: number, max: number) => buckets.find(([, cumulative]) => cumulative >= count * 0.99)?.[0] ?? max

const summarize = (buckets: Buckets, count: number, sum: number, max: number): HistogramSummary => ({
  count,
  sumSeconds: sum,
  maxSeconds: count === 0 ? 0 : max,
  p99Seconds: count === 0 ? 0 : p99(buckets, count, max)
})

/** The name `storeSeconds` (src/manifest/metrics.ts) is registered under; a rename shows up as a zero count in the test. */
const storeSecondsName = "kidvoice_store_seconds"

/** The store-seconds histogram of every operation tag this process recorded, plus their total under "all". */
export const storeSecondsByOperation = Effect.gen(function* () {
  const pairs = yield* Metric.snapshot
  const byOperation: Record<string, HistogramSummary> = {}
  let all: Array<[number, number]> = []
  let count = 0
  let sum = 0
  let max = 0
  for (const pair of pairs) {
    if (pair.metricKey.name !== storeSecondsName) continue
    const state = pair.metricState
    if (!MetricState.isHistogramState(state)) continue
    const operation = pair.metricKey.tags.find((tag) => tag.key === "operation")?.value ?? "(untagged)"
    byOperation[operation] = summarize(state.buckets, state.count, state.sum, state.max)
    // Every tag shares the same boundaries, so the cumulative counts add up bucket by bucket.
    all = state.buckets.map(([bound, cumulative], i) => [bound, cumulative + (all[i]?.[1] ?? 0)])
    count += state.count
    sum += state.sum
    if (state.count > 0) max = Math.max(max, state.max)
  }
  byOperation["all"] = summarize(all, count, sum, max)
  return byOperation
})

const analysis = Analysis.make({
  durationSeconds: 30,
  speechSeconds: 12,
  childSpeechSeconds: 9,
  childShare: 0.75,
  language: "en",
  languageConfidence: 0.9,
  languageSource: "test",
  classifier: "contention-test",
  segments: []
})

const waitForFile = (path: string) =>
  Effect.gen(function* () {
    // Coarse enough that twelve waiting workers do not slow the ones still starting.
    while (!existsSync(path)) yield* Effect.sleep("20 millis")
  })

/** Kept outside the program so that a worker that fails still reports what it had claimed. */
const claimed = { download: [] as Array<string>, analyze: [] as Array<string> }
let exports = 0

const work = (options: WorkerOptions) =>
  Effect.gen(function* () {
    const manifest = yield* Manifest
    writeFileSync(options.readyFile, String(process.pid))
    yield* waitForFile(options.startFile)
    const paths = workspacePaths(options.workspace)
    for (let round = 1; ; round++) {
      const toDownload = yield* manifest.claim("download", yield* Random.nextIntBetween(1, 4))
      for (const row of toDownload) {
        claimed.download.push(row.id)
        yield* manifest.completeDownload(row.id, { audioPath: `/audio/${row.id}.wav`, measuredDurationSeconds: 30 })
      }
      const toAnalyze = yield* manifest.claim("analyze", yield* Random.nextIntBetween(1, 4))
      for (const row of toAnalyze) {
        claimed.analyze.push(row.id)
        yield* manifest.completeAnalysis(row.id, analysis)
      }
      if (round % options.exportEvery === 0) {
        yield* writeExport("urls", join(paths.root, `urls-${process.pid}.txt`), paths)
        exports++
      }
      if (toDownload.length === 0 && toAnalyze.length === 0) break
    }
  })

const options = JSON.parse(process.argv[2]!) as WorkerOptions
const owner = currentProcessOwner()
const program = work(options).pipe(
  Effect.provide(manifestStoreLayer(
    options.database.startsWith("postgres") ? Either.getOrThrow(manifestLocation(options.database, ".")) : { _tag: "Sqlite", path: options.database },
    {
    owner,
    staleClaimMs: 3_600_000,
    retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 }
  }
  ))
)
const exit = await Effect.runPromiseExit(program)
const metrics = await Effect.runPromise(storeSecondsByOperation)
const report: WorkerReport = {
  pid: process.pid,
  claimed,
  exports,
  errors: Exit.isSuccess(exit) ? [] : [Cause.pretty(exit.cause)],
  storeSeconds: metrics
}
process.stdout.write(`${JSON.stringify(report)}\n`)
