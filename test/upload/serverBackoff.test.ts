import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { makeServerBackoff } from "../../src/upload/serverBackoff.js"

const waveOf = (turn: { readonly wave: number } | { readonly givenUp: string }) => {
  if ("givenUp" in turn) throw new Error(`given up: ${turn.givenUp}`)
  return turn.wave
}

describe("the pause shared by all uploads", () => {
  it.effect("failures of requests in flight together count once; each wave in a row doubles the pause for everyone", () =>
    Effect.gen(function* () {
      const backoff = yield* makeServerBackoff({ baseMs: 1000, capMs: 30_000, giveUpAfter: 4 })
      // Three uploads start at once and all fail: one wave.
      const waves = yield* Effect.all([backoff.awaitTurn, backoff.awaitTurn, backoff.awaitTurn])
      for (const turn of waves) expect(yield* backoff.failed(waveOf(turn), "HTTP 500", undefined)).toBe(false)
      const waiting = yield* Effect.fork(backoff.awaitTurn)
      yield* TestClock.adjust("700 millis")
      expect(yield* Fiber.poll(waiting)).toEqual(expect.objectContaining({ _tag: "None" }))
      yield* TestClock.adjust("600 millis")
      const next = waveOf(yield* Fiber.join(waiting))
      expect(next).toBe(1)
      // The second wave pauses twice as long (1.6 to 2.4 s with jitter).
      yield* backoff.failed(next, "HTTP 500", undefined)
      const second = yield* Effect.fork(backoff.awaitTurn)
      yield* TestClock.adjust("1500 millis")
      expect(yield* Fiber.poll(second)).toEqual(expect.objectContaining({ _tag: "None" }))
      yield* TestClock.adjust("1000 millis")
      expect(waveOf(yield* Fiber.join(second))).toBe(2)
    }))

  it.effect("a success ends the streak; giveUpAfter failures in a row give the server up, and every waiting upload hears it", () =>
    Effect.gen(function* () {
      const backoff = yield* makeServerBackoff({ baseMs: 10, capMs: 1000, giveUpAfter: 3 })
      const failOnce = Effect.gen(function* () {
        const turn = yield* backoff.awaitTurn
        return yield* backoff.failed(waveOf(turn), "HTTP 503", undefined)
      })
      const run = Effect.gen(function* () {
        expect(yield* failOnce).toBe(false)
        expect(yield* failOnce).toBe(false)
        yield* backoff.succeeded
        expect(yield* failOnce).toBe(false)
        expect(yield* failOnce).toBe(false)
        expect(yield* failOnce).toBe(true)
        expect(yield* backoff.givenUp).toContain("3 failures in a row, the last: HTTP 503")
        expect(yield* backoff.awaitTurn).toEqual({ givenUp: expect.stringContaining("HTTP 503") })
      })
      const fiber = yield* Effect.fork(run)
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
    }))

  it.effect("a Retry-After longer than the backoff is waited out in full", () =>
    Effect.gen(function* () {
      const backoff = yield* makeServerBackoff({ baseMs: 10, capMs: 1000, giveUpAfter: 5 })
      yield* backoff.failed(waveOf(yield* backoff.awaitTurn), "HTTP 429", 5000)
      const waiting = yield* Effect.fork(backoff.awaitTurn)
      yield* TestClock.adjust("4999 millis")
      expect(yield* Fiber.poll(waiting)).toEqual(expect.objectContaining({ _tag: "None" }))
      yield* TestClock.adjust("1 millis")
      expect(waveOf(yield* Fiber.join(waiting))).toBe(1)
    }))
})
