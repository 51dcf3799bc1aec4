import { describe, expect, it } from "@effect/vitest"
import { Clock, Data, Deferred, Effect, Exit, Fiber, Ref, TestClock } from "effect"
import { Manifest } from "../../src/manifest/Manifest.js"
import { type Outcome, runClaimingStage } from "../../src/pipeline/stageWorkers.js"
import { candidate, freshManifest, testRetry } from "../support/manifest.js"

class Blip extends Data.TaggedError("Blip")<{ readonly refused: boolean }> {
  readonly retryable = true
  override get message() {
    return this.refused ? "HTTP 429" : "connection reset"
  }
}

const retryOrRequeue = (error: Blip): Outcome<Blip> => error.refused ? { _tag: "Requeue", failure: error } : { _tag: "Fail", failure: error }

/** A download stage whose handler answers from a script, one entry per attempt; records when it was called. */
const stageWith = (script: ReadonlyArray<"ok" | "blip" | "refused">, classify = retryOrRequeue) =>
  Effect.gen(function* () {
    const manifest = yield* Manifest
    yield* manifest.addCandidates([candidate(1)])
    const calls = yield* Ref.make<Array<number>>([])
    const done = yield* Deferred.make<void>()
    yield* Deferred.succeed(done, undefined)
    const fiber = yield* Effect.fork(runClaimingStage({
      stage: "download",
      workers: 2,
      upstreamDone: done,
      handle: () =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const n = (yield* Ref.getAndUpdate(calls, (c) => [...c, now])).length
          const step = script[Math.min(n, script.length - 1)]
          if (step === "ok") return
          return yield* new Blip({ refused: step === "refused" })
        }),
      complete: (row) => manifest.completeDownload(row.id, { audioPath: `/audio/${row.id}.wav`, measuredDurationSeconds: 1 }),
      classify
    }))
    return { calls, fiber, manifest }
  })

describe("a claiming stage's retries (TestClock: no real waiting)", () => {
  it.effect("retries a transient failure after the manifest's backoff: half to all of 1 s, then of 2 s", () =>
    Effect.gen(function* () {
      const { calls, fiber, manifest } = yield* stageWith(["blip", "blip", "ok"])
      for (let i = 0; i < 40; i++) yield* TestClock.adjust("100 millis")
      yield* Fiber.join(fiber)
      const [first, second, third] = yield* Ref.get(calls)
      expect(first).toBe(0)
      // The worker polls every 200 ms, so a retry comes up to one poll after it is due.
      expect(second! - first!).toBeGreaterThanOrEqual(testRetry.baseDelayMs / 2)
      expect(second! - first!).toBeLessThanOrEqual(testRetry.baseDelayMs + 200)
      expect(third! - second!).toBeGreaterThanOrEqual(testRetry.baseDelayMs)
      expect(third! - second!).toBeLessThanOrEqual(2 * testRetry.baseDelayMs + 200)
      expect((yield* manifest.get(candidate(1).id))).toMatchObject({ state: "downloaded", attempts: 2 })
    }).pipe(Effect.provide(freshManifest())))

  it.effect("a refusal hands the row back untouched: no attempt spent, no failure recorded", () =>
    Effect.gen(function* () {
      const { calls, fiber, manifest } = yield* stageWith(["refused", "refused", "ok"])
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      expect((yield* Ref.get(calls)).length).toBe(3)
      expect((yield* manifest.get(candidate(1).id))).toMatchObject({ state: "downloaded", attempts: 0, lastErrorTag: null })
    }).pipe(Effect.provide(freshManifest())))

  it.effect("a stop hands the row back untouched and ends the stage", () =>
    Effect.gen(function* () {
      const { fiber, manifest } = yield* stageWith(["blip"], (error) => ({ _tag: "Stop", error }))
      expect(Exit.isFailure(yield* Fiber.await(fiber))).toBe(true)
      expect((yield* manifest.get(candidate(1).id))).toMatchObject({ state: "discovered", attempts: 0, lastErrorTag: null })
    }).pipe(Effect.provide(freshManifest())))

  it.effect("a fail-and-stop spends the row's attempt, with its retry time, and ends the stage", () =>
    Effect.gen(function* () {
      const { calls, fiber, manifest } = yield* stageWith(["blip", "ok"], (error) => ({ _tag: "FailAndStop", error, failure: error }))
      expect(Exit.isFailure(yield* Fiber.await(fiber))).toBe(true)
      expect((yield* Ref.get(calls)).length).toBe(1)
      const row = yield* manifest.get(candidate(1).id)
      expect(row).toMatchObject({ state: "failed", attempts: 1, lastErrorTag: "Blip" })
      expect(row?.nextRetryAt).not.toBeNull()
    }).pipe(Effect.provide(freshManifest())))
})
