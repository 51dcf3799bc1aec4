/**
 * A kidvoice writer for the manifest benchmark: through the real `Manifest` layer, claim one row for download
 * and complete it, until the time is up. Each of the two is one committed UPDATE at the manifest's durability.
 * Argument: WorkerArgs as JSON.
 */
import { Effect, Metric, MetricState } from "effect"
import { currentProcessOwner } from "../src/manifest/ClaimOwner.js"
import { Manifest } from "../src/manifest/Manifest.js"
import { sqliteManifestLayer } from "../src/manifest/ManifestStore.js"
import { awaitStart, printReport, type WorkerArgs } from "./manifestShared.js"

const args = JSON.parse(process.argv[2]!) as WorkerArgs

const run = Effect.gen(function* () {
  const manifest = yield* Manifest
  awaitStart(args)
  const startedAt = Date.now()
  const deadline = startedAt + args.seconds * 1000
  let updates = 0
  let exhausted = false
  while (Date.now() < deadline) {
    const [row] = yield* manifest.claim("download", 1)
    if (!row) {
      exhausted = true
      break
    }
    updates++
    yield* manifest.completeDownload(row.id, { audioPath: `/audio/${row.id}.wav`, measuredDurationSeconds: 312 })
    updates++
  }
  return { updates, startedAt, endedAt: Date.now(), exhausted }
})

const result = await Effect.runPromise(run.pipe(
  Effect.provide(sqliteManifestLayer(args.target, {
    owner: currentProcessOwner(),
    staleClaimMs: 3_600_000,
    retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 }
  }))
))
const storeSeconds: Record<string, { count: number; sum: number }> = {}
for (const pair of await Effect.runPromise(Metric.snapshot)) {
  if (pair.metricKey.name !== "kidvoice_store_seconds" || !MetricState.isHistogramState(pair.metricState)) continue
  const operation = pair.metricKey.tags.find((tag) => tag.key === "operation")?.value ?? "(untagged)"
  storeSeconds[operation] = { count: pair.metricState.count, sum: pair.metricState.sum }
}
printReport({ ...result, storeSeconds })
