import { SqlClient } from "@effect/sql"
import { Clock, Data, Effect } from "effect"
import type { DiscoveryRequest } from "../pipeline/discovery.js"

export class DiscoveryQueueError extends Data.TaggedError("DiscoveryQueueError")<{ readonly operation: string; readonly cause: unknown }> {
  override get message() {
    return `the cluster's discovery queue (kidvoice_discovery_inputs) failed to ${this.operation}: ${String((this.cause as Error)?.message ?? this.cause)}`
  }
}

export interface QueuedInput {
  readonly kind: "input" | "query"
  readonly value: string
}

/**
 * The inputs and searches any runner was given, waiting for the discovery singleton (kidvoice_discovery_inputs).
 * A plain table: adding is idempotent and the one reader is the singleton, so nothing here needs an actor.
 */
export const makeDiscoveryQueue = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const named = (operation: string) => Effect.mapError((cause: unknown) => new DiscoveryQueueError({ operation, cause }))

  /** Adds a command line's inputs and searches; ones already queued or listed are left as they are. */
  const enqueue = (request: DiscoveryRequest) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const rows = [
        ...request.inputs.map((value) => ({ kind: "input", value, added_at: now })),
        ...request.queries.map((value) => ({ kind: "query", value, added_at: now }))
      ]
      if (rows.length === 0) return
      yield* sql`INSERT INTO kidvoice_discovery_inputs ${sql.insert(rows)} ON CONFLICT (kind, value) DO NOTHING`
    }).pipe(named("add inputs"))

  const pending = sql<QueuedInput>`
    SELECT kind, value FROM kidvoice_discovery_inputs WHERE listed_at IS NULL ORDER BY added_at, kind, value`.pipe(named("read pending inputs"))

  const markListed = (input: QueuedInput, failed: number) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      sql`UPDATE kidvoice_discovery_inputs SET listed_at = ${now}, failed = ${failed} WHERE kind = ${input.kind} AND value = ${input.value}`
    ).pipe(named("mark an input listed"))

  return { enqueue, pending, markListed } as const
})
