/**
 * A process that only holds a manifest open (`node manifestHolder.mjs <database> <ready file>`): as the first on
 * its file it leads the host's writers (HostWriter.ts). Once it knows its role it writes it to the ready file,
 * then waits to be killed.
 */
import { Effect, Schedule } from "effect"
import { writeFileSync } from "node:fs"
import { currentProcessOwner } from "../../src/manifest/ClaimOwner.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { sqliteManifestLayer } from "../../src/manifest/ManifestStore.js"

const [database, readyFile] = process.argv.slice(2) as [string, string]

await Effect.runPromise(Effect.gen(function* () {
  const manifest = yield* Manifest
  const role = yield* manifest.writerRole.pipe(
    Effect.filterOrFail((role) => role !== "alone"),
    Effect.retry(Schedule.spaced("10 millis"))
  )
  writeFileSync(readyFile, role)
  return yield* Effect.never
}).pipe(Effect.provide(sqliteManifestLayer(database, {
  owner: currentProcessOwner(),
  staleClaimMs: 3_600_000,
  retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 }
}))))
