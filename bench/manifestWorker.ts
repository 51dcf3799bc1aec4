/**
 * A kidvoice writer process for the manifest benchmark: through the real `Manifest` layer, `fibers` loops (as a
 * stage's workers would) each claim one row for download and complete it, until the time is up. Each claim and
 * each completion is a durable write, answered after its commit; the manifest writer commits those that
 * arrive together in one transaction. Argument: WorkerArgs as JSON.
 */
import { Effect, Metric, MetricState } from "effect"
import { currentProcessOwner } from "../src/manifest/ClaimOwner.js"
import { Manifest } from "../src/manifest/Manifest.js"
import { Either } from "effect"
import { manifestLocation } from "../src/manifest/ManifestLocation.js"
import { manifestStoreLayer } from "../src/manifest/ManifestStore.js"
import { awaitStartAsync, printReport, type WorkerArgs } from "./manifestShared.js"

const cpuMsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000
}

const args = JSON.parse(process.argv[2]!) as WorkerArgs

const run = Effect.gen(function* () {
  const manifest = yield* Manifest
  yield* Effect.promise(() => awaitStartAsync(args))
  const cpuAtStart = process.cpuUsage()
  const startedAt = Date.now()
  const deadline = startedAt + args.seconds * 1000
  let updates = 0
  let exhausted = false
  const loop = Effect.gen(function* () {
    while (Date.now() < deadline && !exhausted) {
      const [row] = yield* manifest.claim("download", 1)
      if (!row) {
        exhausted = true
        return
      }
      updates++
      yield* manifest.completeDownload(row.id, { audioPath: `/audio/${row.id}.wav`, measuredDurationSeconds: 312 })
      updates++
    }
  })
  yield* Effect.forEach(Array.from({ length: args.fibers }), () => loop, { concurrency: "unbounded", discard: true })
  return { updates, startedAt, endedAt: Date.now(), exhausted, cpuMs: cpuMsSince(cpuAtStart) }
})

const result = await Effect.runPromise(run.pipe(
  Effect.provide(manifestStoreLayer(
    args.target.startsWith("postgres://") ? Either.getOrThrow(manifestLocation(args.target, ".")) : { _tag: "Sqlite", path: args.target },
    {
    owner: currentProcessOwner(),
    staleClaimMs: 3_600_000,
    retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 }
  }
  ))
))
const storeSeconds: Record<string, { count: number; sum: number }> = {}
let commits = { count: 0, writes: 0 }
for (const pair of await Effect.runPromise(Metric.snapshot)) {
  if (!MetricState.isHistogramState(pair.metricState)) continue
  if (pair.metricKey.name === "kidvoice_commit_batch_size") commits = { count: pair.metricState.count, writes: pair.metricState.sum }
  if (pair.metricKey.name !== "kidvoice_store_seconds") continue
  const operation = pair.metricKey.tags.find((tag) => tag.key === "operation")?.value ?? "(untagged)"
  storeSeconds[operation] = { count: pair.metricState.count, sum: pair.metricState.sum }
}
printReport({ ...result, storeSeconds, commits })
