import { SqlClient } from "@effect/sql"
import { Clock, Effect, Schedule } from "effect"

/** How often a running singleton says it is alive in `kidvoice_singleton_runs`. */
const heartbeat = "1 second"

/**
 * Runs a singleton's body with its run recorded: a row at start, a heartbeat while it runs (a scoped fiber), the end
 * when it stops (interrupted because its shard moved, or done). A runner killed mid-run leaves its last heartbeat.
 */
export const recordedRun = (name: string, runner: string) =>
  <A, E, R>(body: Effect.Effect<A, E, R>) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const now = yield* Clock.currentTimeMillis
      const [run] = yield* sql<{ id: string }>`
        INSERT INTO kidvoice_singleton_runs (name, runner, started_at, seen_at) VALUES (${name}, ${runner}, ${now}, ${now}) RETURNING id`
      const id = run!.id
      const beat = Clock.currentTimeMillis.pipe(
        Effect.flatMap((at) => sql`UPDATE kidvoice_singleton_runs SET seen_at = ${at} WHERE id = ${id}`),
        Effect.catchAll((e) => Effect.logWarning(`singleton ${name}: heartbeat not recorded: ${e.message}`))
      )
      yield* Effect.forkScoped(Effect.repeat(beat, Schedule.spaced(heartbeat)))
      yield* Effect.logInfo(`singleton ${name} runs here`)
      return yield* body.pipe(
        Effect.ensuring(Clock.currentTimeMillis.pipe(
          Effect.flatMap((at) => sql`UPDATE kidvoice_singleton_runs SET seen_at = ${at}, ended_at = ${at} WHERE id = ${id}`),
          Effect.ignore
        ))
      )
    }).pipe(Effect.scoped)
