import * as Entity from "@effect/cluster/Entity"
import * as ShardingConfig from "@effect/cluster/ShardingConfig"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Either, Exit, Fiber, FiberId, TestClock } from "effect"
import { askOrElse, clusterRequestPacer, EgressPace, EgressPaceLive } from "../../src/cluster/EgressPace.js"

const policy = { intervalMs: 1000, firstPauseMs: 5000, maxPauseMs: 80_000 }

describe("the EgressPace entity", () => {
  it.scoped("spaces the starts of every runner behind one egress, and keeps egresses apart", () =>
    Effect.gen(function* () {
      const makeClient = yield* Entity.makeTestClient(EgressPace, EgressPaceLive)
      // Two clients of one egress stand for two runners behind one public address.
      const first = yield* makeClient("203.0.113.7")
      const second = yield* makeClient("203.0.113.7")
      const elsewhere = yield* makeClient("198.51.100.1")
      const starts = [
        yield* first.Take({ policy }),
        yield* second.Take({ policy }),
        yield* first.Take({ policy })
      ]
      expect(starts).toEqual([0, 1000, 2000])
      expect(yield* elsewhere.Take({ policy })).toBe(0)
      // A refusal pauses the egress: the next start waits out the first pause.
      const verdict = yield* second.Refused({ policy, startedAt: 2000 })
      expect(verdict).toMatchObject({ _tag: "Pause", pauseMs: 5000 })
      expect(yield* first.Take({ policy })).toBeGreaterThanOrEqual(5000)
      expect(yield* elsewhere.Take({ policy })).toBe(1000)
    }).pipe(Effect.provide(ShardingConfig.layer())))
})

describe("an ask of the pace entity", () => {
  const fallback = Effect.succeed("own spacing")
  const ask = <E>(answer: Effect.Effect<string, E>) =>
    Effect.gen(function* () {
      const why: Array<string> = []
      const result = yield* askOrElse(answer, "10 seconds", fallback, (w) => Effect.sync(() => void why.push(w)))
      return { result, why }
    })

  it.effect("goes on at its own spacing whatever ended the ask: a failure, a defect, an interruption in the reply", () =>
    Effect.gen(function* () {
      expect(yield* ask(Effect.succeed("entity"))).toEqual({ result: "entity", why: [] })
      expect(yield* ask(Effect.fail({ _tag: "MailboxFull" }))).toEqual({ result: "own spacing", why: ["MailboxFull"] })
      expect(yield* ask(Effect.die(new Error("reply broken")))).toEqual({ result: "own spacing", why: ["defect: reply broken"] })
      // An entity whose shard moved answers with its own fiber's interruption.
      expect(yield* ask(Effect.failCause(Cause.interrupt(FiberId.make(7, 0))))).toEqual({ result: "own spacing", why: ["interrupted on the entity's side"] })
    }))

  it.effect("waits at most its time for an answer", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(ask(Effect.never))
      yield* TestClock.adjust("10 seconds")
      expect(yield* Fiber.join(fiber)).toEqual({ result: "own spacing", why: ["TimeoutException"] })
    }))

  it.effect("is interrupted with the download that asks", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(ask(Effect.never))
      yield* TestClock.adjust("1 second")
      expect(Exit.isInterrupted(yield* Fiber.interrupt(fiber))).toBe(true)
    }))
})

describe("a runner's pace while its egress's entity cannot be reached", () => {
  // An entity whose every reply breaks: what a runner sees while the egress's shard moves to another runner.
  const shardMoving = Effect.die(new Error("shard moving"))
  const gone = EgressPace.toLayer(Effect.succeed({ Take: () => shardMoving, Refused: () => shardMoving, Answered: () => shardMoving, Wake: () => shardMoving }))
  /** Starts `take` and checks it waits exactly `ms` of the test clock (not a millisecond less); its start time. */
  const startsAfter = (take: Effect.Effect<number, never>, ms: number) =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(take)
      yield* TestClock.adjust(Duration.millis(ms - 1))
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      return yield* Fiber.join(fiber)
    })
  const pacerOn = (layer: typeof gone) =>
    Effect.gen(function* () {
      const makeClient = yield* Entity.makeTestClient(EgressPace, layer)
      return yield* clusterRequestPacer(yield* makeClient("203.0.113.7"), "203.0.113.7", policy)
    })

  it.scoped("keeps its own spacing, and a refusal pauses its next start", () =>
    Effect.gen(function* () {
      const pacer = yield* pacerOn(gone)
      expect(yield* pacer.take).toBe(0)
      const second = yield* Effect.fork(pacer.take)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(second)).toBe(1000)
      yield* pacer.refused(1000, "HTTP 429")
      expect(yield* startsAfter(pacer.take, 5000)).toBe(6000)
    }).pipe(Effect.provide(ShardingConfig.layer())))

  it.scoped("gives up when the host keeps refusing, as the entity would", () =>
    Effect.gen(function* () {
      const pacer = yield* pacerOn(gone)
      // Pauses of 5, 10, 20, 40 and 80 s; the sixth refusal in a row would need 160 s, over the 80 s allowed.
      const verdicts: Array<string> = []
      for (let i = 0; i < 6; i++) {
        const startedAt = yield* pacer.take
        verdicts.push(Either.isLeft(yield* Effect.either(pacer.refused(startedAt, "HTTP 429"))) ? "gave up" : "paused")
      }
      expect(verdicts).toEqual(["paused", "paused", "paused", "paused", "paused", "gave up"])
    }).pipe(Effect.provide(ShardingConfig.layer()), Effect.fork, Effect.tap(() => TestClock.adjust("10 minutes")), Effect.flatMap(Fiber.join)))

  it.scoped("keeps the pause the entity decided when the entity then goes away", () =>
    Effect.gen(function* () {
      const makeClient = yield* Entity.makeTestClient(EgressPace, EgressPaceLive)
      const entity = yield* makeClient("203.0.113.7")
      let away = false
      const client: typeof entity = {
        ...entity,
        Take: (payload) => (away ? shardMoving : entity.Take(payload)),
        Refused: (payload) => (away ? shardMoving : entity.Refused(payload)),
        Answered: (payload) => (away ? shardMoving : entity.Answered(payload))
      } as typeof entity
      const pacer = yield* clusterRequestPacer(client, "203.0.113.7", policy)
      expect(yield* pacer.take).toBe(0)
      yield* pacer.refused(0, "HTTP 429")
      away = true
      expect(yield* startsAfter(pacer.take, 5000)).toBe(5000)
    }).pipe(Effect.provide(ShardingConfig.layer())))
})
