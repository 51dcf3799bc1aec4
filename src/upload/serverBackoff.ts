import { Clock, Duration, Effect, Random, Ref } from "effect"
import { pauseAfterFailures } from "./protocol.js"

/**
 * One pause shared by every upload in flight, so a failing server costs a few doubling pauses per run rather
 * than a full retry sequence per clip: a transient failure pauses every upload, each failure in a row doubles the
 * pause, a success ends the streak. Failures of requests that were already in flight when another failure was
 * counted belong to the same wave and count once. After `giveUpAfter` waves in a row the server is given up for
 * this run: waiting uploads are told so at once instead of trying.
 */
export interface ServerBackoff {
  /** Waits out the current pause. `wave` is handed back to `failed`; `givenUp` says the server was given up. */
  readonly awaitTurn: Effect.Effect<{ readonly wave: number } | { readonly givenUp: string }>
  readonly succeeded: Effect.Effect<void>
  /** Counts a transient failure (once per wave) and sets the pause; true when the server is now given up. */
  readonly failed: (wave: number, reason: string, retryAfterMs: number | undefined) => Effect.Effect<boolean>
  /** Why the server was given up in this run, if it was. */
  readonly givenUp: Effect.Effect<string | undefined>
}

interface State {
  readonly failuresInARow: number
  readonly pauseUntil: number
  readonly givenUp: string | undefined
}

export const makeServerBackoff = (options: { readonly baseMs: number; readonly capMs: number; readonly giveUpAfter: number }) =>
  Effect.gen(function* () {
    const state = yield* Ref.make<State>({ failuresInARow: 0, pauseUntil: 0, givenUp: undefined })

    const awaitTurn: ServerBackoff["awaitTurn"] = Effect.gen(function* () {
      const { pauseUntil } = yield* Ref.get(state)
      const now = yield* Clock.currentTimeMillis
      if (pauseUntil > now) yield* Effect.sleep(Duration.millis(pauseUntil - now))
      const after = yield* Ref.get(state)
      return after.givenUp !== undefined ? { givenUp: after.givenUp } : { wave: after.failuresInARow }
    })

    const failed: ServerBackoff["failed"] = (wave, reason, retryAfterMs) =>
      Effect.gen(function* () {
        const jitter = 0.8 + 0.4 * (yield* Random.next)
        const now = yield* Clock.currentTimeMillis
        return yield* Ref.modify(state, (s): [boolean, State] => {
          if (s.givenUp !== undefined) return [true, s]
          // Another failure was counted since this request started: the same wave of trouble.
          if (wave !== s.failuresInARow) return [false, s]
          const failuresInARow = s.failuresInARow + 1
          if (failuresInARow >= options.giveUpAfter) {
            return [true, { ...s, failuresInARow, givenUp: `${failuresInARow} failures in a row, the last: ${reason}` }]
          }
          const pause = pauseAfterFailures(failuresInARow, options.baseMs, options.capMs, jitter, retryAfterMs)
          return [false, { ...s, failuresInARow, pauseUntil: Math.max(s.pauseUntil, now + pause) }]
        })
      })

    const succeeded = Ref.update(state, (s) => (s.givenUp === undefined ? { ...s, failuresInARow: 0 } : s))
    const givenUp = Ref.get(state).pipe(Effect.map((s) => s.givenUp))
    return { awaitTurn, succeeded, failed, givenUp } satisfies ServerBackoff
  })
