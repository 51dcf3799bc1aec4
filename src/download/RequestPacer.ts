import { Clock, Context, Data, Duration, Effect, Layer, Ref } from "effect"
import { answered, initialPace, type PacePolicy, refused, reserveStart } from "./requestPace.js"

/** The host refused request after request through every pause: the stage stops, every row stays retryable. */
export class HostKeepsRefusing extends Data.TaggedError("HostKeepsRefusing")<{ readonly reason: string; readonly pausedSeconds: number }> {
  readonly retryable = true
  override get message() {
    return `the video host still refuses requests (${this.reason}) after all downloads paused ${this.pausedSeconds} s in total; ` +
      `stopping the download stage with no video marked failed. Run again later, lower --requests-per-minute, or pass --cookies.`
  }
}

export interface RequestPacerApi {
  /** Waits for this request's turn; returns when it started, to report its outcome with. */
  readonly take: Effect.Effect<number>
  /** The host refused a request (429, bot check): every worker waits out a growing pause, or the stage gives up. */
  readonly refused: (startedAt: number, reason: string) => Effect.Effect<void, HostKeepsRefusing>
  /** A request went through. */
  readonly answered: (startedAt: number) => Effect.Effect<void>
}

/** One polite request rate for all download workers of this process (see requestPace.ts). */
export class RequestPacer extends Context.Tag("kidvoice/RequestPacer")<RequestPacer, RequestPacerApi>() {
  /** After the first pause come 2×, 4×, 8× and 16× as long; a refusal after that gives up. */
  static readonly policy = (requestsPerMinute: number, firstPauseSeconds: number): PacePolicy => ({
    intervalMs: 60_000 / requestsPerMinute,
    firstPauseMs: firstPauseSeconds * 1000,
    maxPauseMs: 16 * firstPauseSeconds * 1000
  })

  static readonly layer = (policy: PacePolicy) =>
    Layer.effect(
      RequestPacer,
      Effect.gen(function* () {
        const state = yield* Ref.make(initialPace)

        const take = Effect.gen(function* () {
          while (true) {
            const now = yield* Clock.currentTimeMillis
            const startAt = yield* Ref.modify(state, (s) => reserveStart(s, now, policy))
            if (startAt > now) yield* Effect.sleep(Duration.millis(startAt - now))
            // A pause decided while this request waited for its turn holds it back too.
            if ((yield* Ref.get(state)).pausedUntil <= startAt) return startAt
          }
        })

        const refusedAt = (startedAt: number, reason: string) =>
          Effect.gen(function* () {
            const now = yield* Clock.currentTimeMillis
            const verdict = yield* Ref.modify(state, (s) => refused(s, now, startedAt, policy))
            if (verdict._tag === "GiveUp") return yield* new HostKeepsRefusing({ reason, pausedSeconds: Math.round(verdict.pausedMs / 1000) })
            yield* Effect.logWarning(
              `the host refused a request (${reason}): all downloads pause until ${new Date(verdict.untilMs).toISOString()} (${Math.round(verdict.pauseMs / 1000)} s)`
            )
          })

        return {
          take,
          refused: refusedAt,
          answered: (startedAt: number) => Ref.update(state, (s) => answered(s, startedAt))
        }
      })
    )
}
