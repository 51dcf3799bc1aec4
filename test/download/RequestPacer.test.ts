import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Ref, TestClock } from "effect"
import { RequestPacer } from "../../src/download/RequestPacer.js"
import { answered, initialPace, refused, reserveStart } from "../../src/download/requestPace.js"

const policy = { intervalMs: 1000, firstPauseMs: 60_000, maxPauseMs: 240_000 }

describe("requestPace", () => {
  it("spaces starts by the interval and never starts one inside a pause", () => {
    const [first, s1] = reserveStart(initialPace, 0, policy)
    const [second, s2] = reserveStart(s1, 0, policy)
    const [third] = reserveStart(s2, 5000, policy)
    expect([first, second, third]).toEqual([0, 1000, 5000])
    const [, paused] = refused(s2, 100, 0, policy)
    expect(reserveStart(paused, 200, policy)[0]).toBe(60_100)
  })

  it("counts refusals of requests already in flight when a pause began as one, and doubles the pause for a later one", () => {
    const [a, s1] = refused(initialPace, 10, 0, policy)
    const [b, s2] = refused(s1, 20, 5, policy)
    expect(a).toEqual({ _tag: "Pause", untilMs: 60_010, pauseMs: 60_000 })
    expect(b).toEqual(a)
    const [c] = refused(s2, 70_000, 60_010, policy)
    expect(c).toEqual({ _tag: "Pause", untilMs: 190_000, pauseMs: 120_000 })
  })

  it("gives up when the next pause would exceed the longest, saying how long it paused", () => {
    let state = initialPace
    const verdicts = []
    for (const now of [0, 100_000, 300_000, 600_000]) {
      const [verdict, next] = refused(state, now, now, policy)
      verdicts.push(verdict._tag === "Pause" ? verdict.pauseMs : verdict)
      state = next
    }
    expect(verdicts).toEqual([60_000, 120_000, 240_000, { _tag: "GiveUp", pausedMs: 420_000 }])
  })

  it("starts the series over once a request started after the pause gets through, not one from before it", () => {
    const [, paused] = refused(initialPace, 10, 0, policy)
    expect(answered(paused, 5).pauseMs).toBe(60_000)
    const recovered = answered(paused, 60_010)
    expect(refused(recovered, 70_000, 70_000, policy)[0]).toMatchObject({ pauseMs: 60_000 })
  })
})

describe("RequestPacer (TestClock, no real waiting)", () => {
  const pacer = RequestPacer.layer(RequestPacer.policy(60, 60))

  it.effect("lets workers start one a second between them at 60 requests a minute", () =>
    Effect.gen(function* () {
      const { take } = yield* RequestPacer
      const starts = yield* Ref.make<Array<number>>([])
      const worker = Effect.gen(function* () {
        for (let i = 0; i < 3; i++) {
          yield* take
          const now = yield* Clock.currentTimeMillis
          yield* Ref.update(starts, (s) => [...s, now])
        }
      })
      const fiber = yield* Effect.fork(Effect.all([worker, worker, worker], { concurrency: "unbounded" }))
      yield* TestClock.adjust("8 seconds")
      yield* Fiber.join(fiber)
      expect(yield* Ref.get(starts)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000])
    }).pipe(Effect.provide(pacer)))

  it.effect("one refusal pauses every worker, even one already waiting for its turn; a second doubles the pause; the host answering resets it", () =>
    Effect.gen(function* () {
      const { take, refused, answered } = yield* RequestPacer
      const first = yield* take // t = 0
      const waiting = yield* Effect.fork(take.pipe(Effect.zipRight(Clock.currentTimeMillis))) // its turn would be t = 1000
      yield* TestClock.adjust("500 millis")
      yield* refused(first, "HTTP 429") // pause until 60.5 s
      yield* TestClock.adjust("59 seconds")
      expect(waiting.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      const resumedAt = yield* Fiber.join(waiting)
      expect(resumedAt).toBe(60_500)
      yield* refused(resumedAt, "bot check") // refused again after the pause: 120 s
      const next = yield* Effect.fork(take)
      yield* TestClock.adjust("119 seconds")
      expect(next.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(next)).toBe(180_500)
      yield* answered(180_500)
      yield* refused(180_500, "HTTP 429") // a fresh series: 60 s again
      const after = yield* Effect.fork(take)
      yield* TestClock.adjust("60 seconds")
      expect(yield* Fiber.join(after)).toBe(240_500)
    }).pipe(Effect.provide(pacer)))

  it.effect("gives up with a typed error after pauses of 1, 2, 4, 8 and 16 minutes", () =>
    Effect.gen(function* () {
      const { take, refused } = yield* RequestPacer
      const refuseOnce = Effect.gen(function* () {
        const startedAt = yield* take
        return yield* refused(startedAt, "bot check")
      })
      const fiber = yield* Effect.fork(Effect.forever(refuseOnce).pipe(Effect.flip))
      yield* TestClock.adjust("31 minutes")
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "HostKeepsRefusing", pausedSeconds: 31 * 60 })
      expect(error.message).toContain("no video marked failed")
    }).pipe(Effect.provide(pacer)))
})
