import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** kidvoice's advisory-lock key for schema work ("kidv" in ASCII); @effect/cluster's shard locks use small numbers. */
const schemaLockKey = 0x6b696476

/** The sessions holding kidvoice's schema lock, to name them when a process waits for it. */
const lockHolders = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  // One-word column names: the same whatever name transform the client applies.
  sql<{ pid: number; program: string; address: string | null }>`
    SELECT a.pid, a.application_name AS program, host(a.client_addr) AS address
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.objid = ${schemaLockKey}`)

/** Said once a wait for the lock has lasted `afterSeconds`: a process stuck holding it would otherwise stall starts silently. */
const warnWhileWaiting = (afterSeconds: number) =>
  Effect.sleep(`${afterSeconds} seconds`).pipe(
    Effect.zipRight(lockHolders),
    Effect.flatMap((holders) => Effect.logWarning(
      `waiting ${afterSeconds} s for the PostgreSQL schema lock, held by ` +
        (holders.map((h) => `backend pid ${h.pid} (${h.program || "no application name"}${h.address ? ` from ${h.address}` : ""})`).join(", ") || "a session that has just let it go") +
        "; a process stuck holding it can be ended with SELECT pg_terminate_backend(pid)"
    )),
    Effect.catchAll(() => Effect.void),
    Effect.zipRight(Effect.never)
  )

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
    yield* Effect.raceFirst(connection.executeRaw(`SELECT pg_advisory_lock(${schemaLockKey})`, []), warnWhileWaiting(10))
    yield* Effect.addFinalizer(() => connection.executeRaw(`SELECT pg_advisory_unlock(${schemaLockKey})`, []).pipe(Effect.ignore))
    return yield* effect
  }))
