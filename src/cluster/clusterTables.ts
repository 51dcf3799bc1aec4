import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ensureListingPositionsTable } from "./ListingPositions.js"

/**
 * The runners' own bookkeeping, beside @effect/cluster's tables (which it creates itself, `cluster_*`) in the
 * manifest's PostgreSQL. Not manifest migrations: these tables exist only where runners do, and the SQLite manifest
 * never has them. Every statement is idempotent; each runner runs them at start, under the schema lock (ClusterRunner.ts).
 */
export const ensureClusterTables = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // What the cluster is asked to discover: each input or search listed once by the discovery singleton, whichever
  // runner gave it and whichever runner holds the singleton; `listed_at` is set only after its findings committed,
  // so a singleton that moves mid-list lists that input again (recording known ids changes nothing).
  yield* sql`
    CREATE TABLE IF NOT EXISTS kidvoice_discovery_inputs (
      kind TEXT NOT NULL CHECK (kind IN ('input', 'query')),
      value TEXT NOT NULL,
      added_at BIGINT NOT NULL,
      listed_at BIGINT,
      failed INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (kind, value)
    )`
  // Each run of a singleton, with the runner that ran it and a heartbeat: where singletons ran and that two runs of
  // one singleton never overlapped (a run whose runner died ends at its last heartbeat).
  yield* sql`
    CREATE TABLE IF NOT EXISTS kidvoice_singleton_runs (
      id BIGSERIAL PRIMARY KEY,
      name TEXT NOT NULL,
      runner TEXT NOT NULL,
      started_at BIGINT NOT NULL,
      seen_at BIGINT NOT NULL,
      ended_at BIGINT
    )`
  // Where each search, channel and playlist listing stands: its next page token (ListingPositions.ts).
  yield* ensureListingPositionsTable
  // YouTube Data API quota spent per key per Pacific day, shared by every runner (ApiKeyLedger.ts).
  yield* sql`
    CREATE TABLE IF NOT EXISTS kidvoice_api_quota (
      key_id TEXT NOT NULL,
      day TEXT NOT NULL,
      spent INTEGER NOT NULL,
      PRIMARY KEY (key_id, day)
    )`
})
