import { afterAll, beforeAll } from "@effect/vitest"
import { Effect, Layer, type Scope } from "effect"
import { join } from "node:path"
import type { ClaimOwner } from "../../src/manifest/ClaimOwner.js"
import { manifestLocation, type ManifestLocation } from "../../src/manifest/ManifestLocation.js"
import { manifestStoreLayer } from "../../src/manifest/ManifestStore.js"
import { owner, scopedTempDir, testRetry } from "./manifest.js"
import { type PostgresServer, startPostgres } from "./postgresServer.js"

/** One of the manifest's stores, as the contract tests run against it. */
export interface ManifestStoreUnderTest {
  readonly name: "SQLite" | "PostgreSQL"
  /** A new, empty place for one test's manifest: a file in a temp folder, or a new database on the file's server. */
  readonly place: Effect.Effect<ManifestLocation, never, Scope.Scope>
}

export const sqliteStore: ManifestStoreUnderTest = {
  name: "SQLite",
  place: scopedTempDir("manifest").pipe(Effect.map((dir) => ({ _tag: "Sqlite", path: join(dir, "manifest.sqlite") }) as const))
}

let databases = 0

/**
 * A private PostgreSQL server for this test file (started before its tests, stopped after them: startup takes about
 * 1.5 s) and a store whose places are fresh databases on it. Not skipped when PostgreSQL is missing: CI installs it.
 */
export const postgresStoreForFile = (): ManifestStoreUnderTest & { readonly server: () => PostgresServer } => {
  let server: PostgresServer | undefined
  beforeAll(async () => {
    server = await startPostgres()
  }, 60_000)
  afterAll(() => server?.stop())
  const running = () => {
    if (server === undefined) throw new Error("the test file's PostgreSQL server is not running")
    return server
  }
  return {
    name: "PostgreSQL",
    server: running,
    place: Effect.sync(() => {
      const url = running().createDatabase(`manifest_${process.pid}_${++databases}`)
      return manifestLocation(url, "/nonexistent").pipe((located) => {
        if (located._tag === "Left") throw new Error(located.left.reason)
        return located.right
      })
    })
  }
}

/** The manifest at `location` as a test opens it. */
export const manifestIn = (
  location: ManifestLocation,
  claimOwner: ClaimOwner = owner("test-host:1", new Set([1])),
  staleClaimMs = 3_600_000,
  leaseMs?: number
) => manifestStoreLayer(location, { owner: claimOwner, staleClaimMs, retry: testRetry, ...(leaseMs === undefined ? {} : { leaseMs }) })

/** A manifest in a place of its own on `store`, for one test. */
export const freshManifestIn = (store: ManifestStoreUnderTest, claimOwner?: ClaimOwner, leaseMs?: number) =>
  Layer.unwrapScoped(store.place.pipe(Effect.map((location) => manifestIn(location, claimOwner, 3_600_000, leaseMs))))
