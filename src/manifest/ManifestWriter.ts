import { SqlClient } from "@effect/sql"
import { Deferred, Effect, Exit, Fiber, Metric, Queue } from "effect"
import { ManifestQueryError } from "./ManifestErrors.js"
import { commitBatchSize } from "./metrics.js"

/** One write: statements on the manifest, run inside the writer's transaction. */
interface WriteRequest {
  readonly operation: string
  readonly statements: Effect.Effect<unknown, unknown>
  readonly done: Deferred.Deferred<unknown, unknown>
}

export interface ManifestWriterOptions {
  /** Most writes committed together; a bound on how long one transaction holds the write lock. */
  readonly maxBatch: number
}

/**
 * The one writer of a process's manifest connection (DESIGN.md, Actors). Writes from every stage queue here and
 * are committed together: one `BEGIN IMMEDIATE`, each write under its own savepoint, one `COMMIT` and so one
 * fsync and one trip for the lock for all of them. A write is answered only after its COMMIT, so an answered
 * write is durable; a write that fails is rolled back to its savepoint alone and the others still commit.
 * Batches form by themselves: while one commits, the next writes queue up. There is no timer.
 */
const closed = (operation: string) =>
  new ManifestQueryError({ operation, cause: new Error("the manifest was closed before this write ran") })

export const makeManifestWriter = (options: ManifestWriterOptions) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const queue = yield* Queue.unbounded<WriteRequest>()

    const commitBatch = (batch: ReadonlyArray<WriteRequest>) =>
      Effect.scoped(
        Effect.gen(function* () {
          const connection = yield* sql.reserve
          const inTransaction = <A, E>(effect: Effect.Effect<A, E>) =>
            Effect.provideService(effect, SqlClient.TransactionConnection, [connection, 0] as const)
          // IMMEDIATE takes the write lock at once (waiting through the busy timeout), so a batch that starts
          // with a read cannot find its snapshot stale when it then writes.
          yield* connection.executeUnprepared("BEGIN IMMEDIATE", [], undefined)
          const exits = yield* Effect.forEach(batch, (request) =>
            inTransaction(sql.withTransaction(request.statements)).pipe(Effect.exit))
          const committed = yield* connection.executeUnprepared("COMMIT", [], undefined).pipe(
            Effect.tapError(() => connection.executeUnprepared("ROLLBACK", [], undefined).pipe(Effect.ignore)),
            Effect.either
          )
          if (committed._tag === "Left") {
            const error = Exit.fail(new ManifestQueryError({ operation: `commit of ${batch.length} writes`, cause: committed.left }))
            return batch.map(() => error)
          }
          return exits
        })
      ).pipe(
        // BEGIN failed (lock wait ran out, disk error): nothing was written.
        Effect.catchAll((cause) => Effect.succeed(batch.map((request) => Exit.fail(new ManifestQueryError({ operation: request.operation, cause })))))
      )

    const loop = Effect.gen(function* () {
      while (true) {
        const requests = Array.from(yield* Queue.takeBetween(queue, 1, options.maxBatch))
        // A batch taken is committed and answered even when the manifest is closing.
        yield* Effect.uninterruptible(Effect.gen(function* () {
          yield* Metric.update(commitBatchSize, requests.length)
          const exits = yield* commitBatch(requests)
          yield* Effect.forEach(requests, (request, i) => Deferred.done(request.done, exits[i]!), { discard: true })
        }))
      }
    })

    const writer = yield* Effect.forkDaemon(loop)
    // On close: the batch in flight finishes, and writes still queued are answered, not left waiting forever.
    yield* Effect.addFinalizer(() =>
      Fiber.interrupt(writer).pipe(
        Effect.zipRight(Queue.takeAll(queue)),
        Effect.flatMap((left) =>
          Effect.forEach(left, (request) =>
            Deferred.fail(request.done, closed(request.operation)), { discard: true })),
        Effect.zipRight(Queue.shutdown(queue))
      ))

    /**
     * Queues `statements` and waits for their commit. The wait cannot be interrupted: once queued, a write
     * happens, and its caller learns the result (a claim it made is its own to hand back).
     */
    const write = <A, E>(operation: string, statements: Effect.Effect<A, E>): Effect.Effect<A, E | ManifestQueryError> =>
      Effect.uninterruptible(
        Effect.gen(function* () {
          const done = yield* Deferred.make<unknown, unknown>()
          yield* Queue.offer(queue, { operation, statements, done }).pipe(
            Effect.catchAllCause(() => Effect.fail(closed(operation)))
          )
          return (yield* Deferred.await(done)) as A
        }) as Effect.Effect<A, E | ManifestQueryError>
      )

    return { write } as const
  })
