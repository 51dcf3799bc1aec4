/**
 * A process that claims rows and holds them with a heartbeat until it is killed
 * (`node claimHolder.mjs <options JSON>`): the "worker on another machine that dies" of the lease tests.
 * Once its claims are made it writes their ids to the ready file.
 */
import { Effect, Either } from "effect"
import { writeFileSync } from "node:fs"
import { hostname } from "node:os"
import { Manifest } from "../../src/manifest/Manifest.js"
import { manifestLocation } from "../../src/manifest/ManifestLocation.js"
import { manifestStoreLayer } from "../../src/manifest/ManifestStore.js"

export interface ClaimHolderOptions {
  /** A postgres:// URL. */
  readonly database: string
  readonly readyFile: string
  readonly claims: number
  readonly leaseMs: number
}

const options = JSON.parse(process.argv[2]!) as ClaimHolderOptions

await Effect.runPromise(Effect.gen(function* () {
  const manifest = yield* Manifest
  const rows = yield* manifest.claim("download", options.claims)
  writeFileSync(options.readyFile, JSON.stringify(rows.map((row) => row.id)))
  yield* Effect.forEach(rows, (row) => manifest.holdingClaim("download", row.id)(Effect.never), { concurrency: "unbounded" })
}).pipe(Effect.provide(manifestStoreLayer(Either.getOrThrow(manifestLocation(options.database, "."))!, {
  // As a machine of its own: its pid means nothing to the test's process, only its lease does.
  owner: { id: `holder-${hostname()}:${process.pid}`, host: `holder-${hostname()}`, isAlive: () => true },
  staleClaimMs: 3_600_000,
  leaseMs: options.leaseMs,
  retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 }
}))))
