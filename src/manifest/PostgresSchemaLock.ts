import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** kidvoice's advisory-lock key for schema work ("kidv" in ASCII); @effect/cluster's shard locks use small numbers. */
const schemaLockKey = 0x6b696476

/**
 * Runs `effect` while this process holds kidvoice's schema lock on the PostgreSQL database: processes starting
 * together on a fresh database create tables one at a time. PostgreSQL's `CREATE TABLE IF NOT EXISTS`, and the
 * migrator's check-then-create of its own table, are not safe against themselves: two sessions creating one table at
 * once, one fails on the catalog's unique index (a runner died at start that way beside two others).
 *
 * The lock belongs to a connection of its own (a session lock, not a transaction's), so `effect` may build layers
 * whose fibers outlive it; it is released when `effect` ends, and by the server if this process dies holding it.
 */
export const withPostgresSchemaLock = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const connection = yield* sql.reserve
    yield* connection.executeRaw(`SELECT pg_advisory_lock(${schemaLockKey})`, [])
    yield* Effect.addFinalizer(() => connection.executeRaw(`SELECT pg_advisory_unlock(${schemaLockKey})`, []).pipe(Effect.ignore))
    return yield* effect
  }))
