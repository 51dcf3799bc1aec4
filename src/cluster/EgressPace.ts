import * as Entity from "@effect/cluster/Entity"
import { Rpc } from "@effect/rpc"
import { Cause, Clock, Duration, Effect, Layer, Ref, Schema } from "effect"
import { HostKeepsRefusing, RequestPacer } from "../download/RequestPacer.js"
import { answered, initialPace, type PacePolicy, type PaceState, refused, reserveStart } from "../download/requestPace.js"

/**
 * How long a download waits for its egress's pace before going on without it: a round trip takes 10–70 ms (measured
 * on the busy test machine), so an ask that has not answered in 3 s is one whose entity is moving (its runner died or
 * let its shards go), which takes seconds to tens of seconds; each download then goes at its own spacing at once.
 */
const askWait = Duration.seconds(3)

/** How long a runner's first message waits for the entity to start on its shard's owner while runners join (2–4 s measured). */
const wakeWait = Duration.seconds(10)

/** What ended an ask, in a few words: a failure's tag, a defect's message, or an interruption. */
const describe = (cause: Cause.Cause<unknown>) => {
  const failure = Cause.failureOption(cause)
  if (failure._tag === "Some") return (failure.value as { _tag?: string })?._tag ?? String(failure.value)
  if (Cause.isInterruptedOnly(cause)) return "interrupted on the entity's side"
  const defect = Cause.squash(cause)
  return `defect: ${defect instanceof Error ? defect.message : String(defect)}`
}

/**
 * Asks the cluster something a download must not stop for: within `wait`, or else `fallback`, whatever ended the ask.
 * Not only its failures (timeout, mailbox full): an entity whose shard moves (its runner died, or found its lock
 * storage slow and let its shards go) answers requests in flight with the interruption of its own fiber, and a
 * broken reply is a defect; either would otherwise crash the download that asked, and fail its video without a
 * request made. This fiber's own interruption (Ctrl-C, a sibling's failure) still interrupts it: a cause can only be
 * caught while the fiber is not being interrupted.
 */
export const askOrElse = <A, E, R, B>(
  ask: Effect.Effect<A, E, R>,
  wait: Duration.DurationInput,
  fallback: Effect.Effect<B>,
  unanswered: (why: string) => Effect.Effect<void>
): Effect.Effect<A | B, never, R> =>
  ask.pipe(
    Effect.timeout(wait),
    Effect.catchAllCause((cause) => unanswered(describe(cause)).pipe(Effect.zipRight(fallback)))
  )

const Policy = Schema.Struct({ intervalMs: Schema.Number, firstPauseMs: Schema.Number, maxPauseMs: Schema.Number })

const Verdict = Schema.Union(
  Schema.Struct({ _tag: Schema.Literal("Pause"), untilMs: Schema.Number, pauseMs: Schema.Number }),
  Schema.Struct({ _tag: Schema.Literal("GiveUp"), pausedMs: Schema.Number })
)

/**
 * The polite request pace of one egress address (the public IP the video host sees), shared by every runner that
 * goes out through it: the host paces per address, so two machines behind one NAT share one pace, and two machines
 * with their own addresses have one each. An entity because the pace is a single piece of state that every runner
 * changes often: the cluster routes each egress to one runner, which applies the requests in order (the same pure
 * rules as the in-process pacer, requestPace.ts), with no lock round trips to the database.
 */
export const EgressPace = Entity.make("EgressPace", [
  /** Reserves the next start; answers when it may go (the caller waits, so the entity's mailbox never sleeps). */
  Rpc.make("Take", { payload: { policy: Policy }, success: Schema.Number }),
  Rpc.make("Refused", { payload: { policy: Policy, startedAt: Schema.Number }, success: Verdict }),
  Rpc.make("Answered", { payload: { startedAt: Schema.Number } }),
  /** Changes nothing; answers once the entity lives on its runner (a runner wakes its egress before its first download). */
  Rpc.make("Wake")
])

/** The entity's behaviour: its state lives on the runner that owns the egress (a new owner starts afresh). */
export const EgressPaceLive = EgressPace.toLayer(Effect.gen(function* () {
  const state = yield* Ref.make(initialPace)
  return {
    Take: ({ payload }) => Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.modify(state, (s) => reserveStart(s, now, payload.policy))),
    Refused: ({ payload }) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.modify(state, (s) => refused(s, now, payload.startedAt, payload.policy))),
    Answered: ({ payload }) => Ref.update(state, (s) => answered(s, payload.startedAt)),
    Wake: () => Effect.void
  }
}))

/** One egress's client of the pace entity. */
type PaceClient = ReturnType<Effect.Effect.Success<typeof EgressPace.client>>

/**
 * This runner's RequestPacer when downloads go through the cluster: every take, refusal and answer goes to the
 * egress's entity. While the entity cannot be reached (its shard moving to another runner), the runner paces on its
 * own, by the in-process pacer's rules (requestPace.ts) on what it last heard from the entity: a refusal then still
 * pauses this runner's starts, and refusals in a row still end in giving up.
 */
export const clusterRequestPacer = (pace: PaceClient, egress: string, policy: PacePolicy) =>
  Effect.gen(function* () {
    // This runner's view of the pace: the entity's answers as they come, and its own decisions while it is away.
    const own = yield* Ref.make(initialPace)
    const onOwn = <A>(decide: (state: PaceState, now: number) => readonly [A, PaceState]) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.modify(own, (state) => decide(state, now)))
    // While the egress moves to another runner (its owner died), a request waits for it at most this long, then
    // goes on this runner's own pace: politeness, not correctness, so a download never hangs on it.
    const unreachable = (what: string) => <A, E, R>(ask: Effect.Effect<A, E, R>, fallback: Effect.Effect<A>) =>
      askOrElse(ask, askWait, fallback, (why) => Effect.logWarning(`the pace of ${egress} did not answer ${what} (${why}); going on without it`))
    // A pause decided while this request waits is not seen here (the in-process pacer re-checks): a start already
    // reserved goes ahead, and its refusal, if any, counts as the same refusal (requestPace.ts).
    const take = Effect.gen(function* () {
      const startAt = yield* unreachable("a start")(
        pace.Take({ policy }).pipe(Effect.tap((at) => Ref.update(own, (s) => ({ ...s, nextStartAt: Math.max(s.nextStartAt, at + policy.intervalMs) })))),
        onOwn((state, now) => reserveStart(state, now, policy))
      )
      const now = yield* Clock.currentTimeMillis
      if (startAt > now) yield* Effect.sleep(Duration.millis(startAt - now))
      return startAt
    })
    return RequestPacer.of({
      take,
      refused: (startedAt: number, reason: string) =>
        Effect.gen(function* () {
          const verdict = yield* unreachable("a refusal")(
            pace.Refused({ policy, startedAt }).pipe(Effect.tap((v) =>
              v._tag === "Pause"
                ? onOwn((s, now) => [undefined, { nextStartAt: Math.max(s.nextStartAt, v.untilMs), pausedUntil: Math.max(s.pausedUntil, v.untilMs), pauseMs: v.pauseMs, pausedAt: now }])
                : Effect.void
            )),
            onOwn((state, now) => refused(state, now, startedAt, policy))
          )
          if (verdict._tag === "GiveUp") return yield* new HostKeepsRefusing({ reason, pausedSeconds: Math.round(verdict.pausedMs / 1000) })
          yield* Effect.logWarning(
            `the host refused a request through ${egress} (${reason}): every runner on it pauses until ${new Date(verdict.untilMs).toISOString()}`
          )
        }),
      answered: (startedAt: number) =>
        Ref.update(own, (s) => answered(s, startedAt)).pipe(Effect.zipRight(unreachable("an answer")(pace.Answered({ startedAt }), Effect.void)))
    })
  })

/** clusterRequestPacer as the runner's RequestPacer, on the egress's entity. */
export const clusterRequestPacerLayer = (egress: string, policy: PacePolicy) =>
  Layer.effect(RequestPacer, Effect.flatMap(EgressPace.client, (client) => clusterRequestPacer(client(egress), egress, policy)))

/**
 * Makes the egress's entity live before the first download needs it: the first message to an entity waits for its
 * shard's owner to be known and the entity to start there (seconds while runners join), which would otherwise hold
 * up the first download of every runner. A runner that cannot wake it goes on; its first take waits, then falls back.
 */
export const wakeEgressPace = (egress: string) =>
  askOrElse(
    Effect.flatMap(EgressPace.client, (client) => client(egress).Wake()),
    wakeWait,
    Effect.void,
    (why) => Effect.logWarning(`the pace of ${egress} did not wake (${why}); the first download will wait for it`)
  )
