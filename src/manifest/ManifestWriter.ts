import { SqlClient } from "@effect/sql"
import type { Connection } from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import * as Statement from "@effect/sql/Statement"
import { Clock, Data, Effect, Exit, Fiber, Metric, Option, Queue } from "effect"
import { columnNames } from "./columnNames.js"
import { ManifestQueryError } from "./ManifestErrors.js"
import { driverCode, isPostgres, isPostgresConflict } from "./dialect.js"
import { commitBatchSize, lockWaitSeconds } from "./metrics.js"

/** One write: statements on the manifest, run inside the writer's transaction. */
interface WriteRequest {
  readonly operation: string
  readonly statements: Effect.Effect<unknown, unknown, SqlClient.TransactionConnection>
  /** At most one statement changes anything: SQLite undoes a failed statement by itself, so no savepoint is needed. */
  readonly oneChange: boolean
  /** One statement whose reads, if any, need no transaction around it: PostgreSQL may run it as its own transaction. */
  readonly standalone: boolean
  /** Called once, by the writer, with the write's outcome after its batch committed (or failed). */
  readonly answer: (exit: Exit.Exit<unknown, unknown>) => void
}


export interface ManifestWriterOptions {
  /** Most writes committed together; a bound on how long one transaction holds the write lock. */
  readonly maxBatch: number
}

/** A statement's text and parameters, compiled by `Statement.compile()` before the write is queued. */
export type CompiledStatement = readonly [sql: string, params: ReadonlyArray<unknown>]

/** Result rows with field names, as the manifest's client gives them. */
const camelCaseRows = Statement.defaultTransforms(columnNames.fromSql).array

/**
 * Runs a compiled statement on the writer's transaction and returns its rows with camelCase names. The hot writes
 * compile their statement before queueing, so the write lock is held for SQLite's work, not for building SQL.
 */
export const executeCompiled = ([text, params]: CompiledStatement) =>
  Effect.flatMap(SqlClient.TransactionConnection, ([connection]) =>
    connection.execute(text, params, camelCaseRows))

/** How long a statement waits for another process's write lock before it fails (set where the manifest is opened). */
export const busyTimeoutMs = 30_000

const isBusy = (error: unknown) => error instanceof SqlError && driverCode(error)?.startsWith("SQLITE_BUSY") === true

/** Times a write that PostgreSQL aborted for another transaction's sake (a deadlock) is run again in its batch. */
const conflictRetries = 3

/** Another process kept the manifest's write lock for the whole wait. */
export class WriteLockTimeout extends Data.TaggedError("WriteLockTimeout")<{ readonly waitedMs: number }> {
  override get message() {
    return `another process held the manifest's write lock for ${this.waitedMs / 1000} s; ` +
      `if a kidvoice process is hung, stop it (its claims are reclaimed by the next run)`
  }
}


/** Resumes after Node's next poll for I/O (setImmediate), by which time pending microtasks have run too. */
const yieldToEventLoop = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

const closed = (operation: string) =>
  new ManifestQueryError({ operation, cause: new Error("the manifest was closed before this write ran") })

/**
 * The one writer of a process's manifest connection (DESIGN.md, Actors). Writes from every stage queue here and
 * are committed together: one `BEGIN IMMEDIATE`, each write of several changes under its own savepoint (a
 * savepoint costs a fifth of the throughput, so single-change writes go without), one `COMMIT` and so one
 * fsync and one trip for the lock for all of them. A write is answered only after its COMMIT, so an answered
 * write is durable; a write that fails is rolled back to its savepoint alone and the others still commit.
 * Batches form by themselves from the writes that are queued when the writer comes round. There is no timer.
 */
export const makeManifestWriter = (options: ManifestWriterOptions) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const postgres = isPostgres(sql)
    const queue = yield* Queue.unbounded<WriteRequest>()

    /**
     * Takes the write lock with `BEGIN IMMEDIATE`, waiting through SQLite's busy timeout while another process holds
     * it. SQLite sometimes answers busy long before that timeout (seen after half a second with ten processes under
     * load), so a busy answer is only final once kidvoice's own deadline has passed. (Polling for it from Effect
     * instead, so the event loop runs meanwhile, measured 2.5-4x fewer commits a second with 10 processes
     * contending: see the manifest benchmark.) PostgreSQL has no database-wide write lock: a plain BEGIN, and
     * row locks taken by the statements themselves.
     */
    const takeWriteLock = (connection: Connection) =>
      Effect.gen(function* () {
        if (postgres) return yield* connection.executeUnprepared("BEGIN", [], undefined)
        const started = yield* Clock.currentTimeMillis
        while (true) {
          const begun = yield* connection.executeUnprepared("BEGIN IMMEDIATE", [], undefined).pipe(Effect.either)
          const waitedMs = (yield* Clock.currentTimeMillis) - started
          if (begun._tag === "Right") return yield* Metric.update(lockWaitSeconds, waitedMs / 1000)
          if (!isBusy(begun.left)) return yield* Effect.fail(begun.left)
          if (waitedMs >= busyTimeoutMs) return yield* new WriteLockTimeout({ waitedMs })
        }
      })

    /**
     * PostgreSQL, a lone one-statement write (the common case for a process with few workers): the statement is its
     * own transaction, one round trip instead of five (BEGIN, SAVEPOINT, statement, COMMIT, and the connection's).
     * Measured on this busy 2-core machine: a claim went from 20 ms to about 5.
     */
    const commitAlone = (request: WriteRequest) =>
      Effect.scoped(Effect.flatMap(sql.reserve, (connection) =>
        request.statements.pipe(
          Effect.retry({ times: conflictRetries, while: isPostgresConflict }),
          Effect.provideService(SqlClient.TransactionConnection, [connection, 0] as const)
        ))).pipe(Effect.exit, Effect.map((exit) => [[request, exit] as const]))

    const commitBatch = (first: WriteRequest) =>
      postgres && first.standalone && Option.getOrElse(queue.unsafeSize(), () => 0) === 0
        ? commitAlone(first)
        : commitInTransaction(first)

    const commitInTransaction = (first: WriteRequest) =>
      Effect.scoped(
        Effect.gen(function* () {
          const connection = yield* sql.reserve
          yield* takeWriteLock(connection)
          const batch = [first, ...(yield* Queue.takeUpTo(queue, options.maxBatch - 1))]
          yield* Metric.update(commitBatchSize, batch.length)
          // The transaction is provided once for the whole batch: providing a service copies the fiber's context,
          // which cost five times a statement's own time when done per write.
          const exits = yield* Effect.forEach(batch, (request) => {
            const statements = postgres
              // In PostgreSQL any failed statement spoils the whole transaction: every write goes under a savepoint,
              // and one aborted for a deadlock with another process's batch runs again.
              ? sql.withTransaction(request.statements).pipe(Effect.retry({ times: conflictRetries, while: isPostgresConflict }))
              : request.oneChange ? request.statements : sql.withTransaction(request.statements)
            return Effect.exit(statements)
          }).pipe(Effect.provideService(SqlClient.TransactionConnection, [connection, 0] as const))
          const committed = yield* connection.executeUnprepared("COMMIT", [], undefined).pipe(
            Effect.tapError(() => connection.executeUnprepared("ROLLBACK", [], undefined).pipe(Effect.ignore)),
            Effect.either
          )
          if (committed._tag === "Left") {
            const error = Exit.fail(new ManifestQueryError({ operation: `commit of ${batch.length} writes`, cause: committed.left }))
            return batch.map((request) => [request, error] as const)
          }
          return batch.map((request, i) => [request, exits[i]!] as const)
        })
      ).pipe(
        // No write lock (another process held it too long, or a disk error): nothing was written.
        Effect.catchAll((cause) => Effect.succeed([[first, Exit.fail(new ManifestQueryError({ operation: first.operation, cause }))] as const]))
      )


    const loop = Effect.gen(function* () {
      while (true) {
        const first = yield* Queue.take(queue)
        // Let every fiber already woken (say, by the last commit's answers) queue its next write first, and let the
        // event loop run: Effect's scheduler alone would keep a busy writer off I/O for seconds.
        yield* yieldToEventLoop
        // A batch begun is committed and answered even when the manifest is closing.
        yield* Effect.uninterruptible(
          commitBatch(first).pipe(
            Effect.flatMap((answers) => Effect.sync(() => answers.forEach(([request, exit]) => request.answer(exit))))
          )
        )
      }
    })

    const writer = yield* Effect.forkDaemon(loop)
    let closing = false
    // On close: the batch in flight finishes, and writes still queued are answered, not left waiting forever.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => void (closing = true)).pipe(
        Effect.zipRight(Fiber.interrupt(writer)),
        Effect.zipRight(Queue.takeAll(queue)),
        Effect.flatMap((left) => Effect.sync(() => { for (const request of left) request.answer(Exit.fail(closed(request.operation))) })),
        Effect.zipRight(Queue.shutdown(queue))
      ))

    /** Queues `statements`; `answer` is called with their outcome once their batch is committed. */
    const enqueue = (
      operation: string,
      statements: Effect.Effect<unknown, unknown, SqlClient.TransactionConnection>,
      options: { readonly oneChange?: boolean; readonly standalone?: boolean },
      answer: (exit: Exit.Exit<unknown, unknown>) => void
    ) => {
      const request = {
        operation,
        statements,
        oneChange: options.oneChange ?? false,
        standalone: options.standalone ?? false,
        answer
      }
      if (closing || !Queue.unsafeOffer(queue, request)) answer(Exit.fail(closed(operation)))
    }

    /**
     * Queues `statements` and waits for their commit. The wait cannot be interrupted: once queued, a write
     * happens, and its caller learns the result (a claim it made is its own to hand back).
     */
    const write = <A, E>(
      operation: string,
      statements: Effect.Effect<A, E, SqlClient.TransactionConnection>,
      options: { readonly oneChange?: boolean; readonly standalone?: boolean } = {}
    ): Effect.Effect<A, E | ManifestQueryError> =>
      Effect.uninterruptible(
        Effect.async<unknown, unknown>((resume) => enqueue(operation, statements, options, resume))
      ) as Effect.Effect<A, E | ManifestQueryError>

    return { write } as const
  })
