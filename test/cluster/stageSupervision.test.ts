import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, FiberId, Ref, TestClock } from "effect"
import { afterStageStopped, supervisedStage } from "../../src/cluster/stageSupervision.js"
import { ClaimLost, ManifestQueryError } from "../../src/manifest/ManifestErrors.js"

const elsewhere = FiberId.make(4242, 0)

describe("a runner's stage supervision", () => {
  it("restarts a stage the shared database or another runner stopped, a defect, and an interruption from elsewhere", () => {
    expect(afterStageStopped(Cause.fail(new ManifestQueryError({ operation: "claim download", cause: new Error("connection terminated") }))))
      .toEqual({ _tag: "Restart", why: "database" })
    expect(afterStageStopped(Cause.fail(new ClaimLost({ videoId: "v1", stage: "download" })))).toEqual({ _tag: "Restart", why: "database" })
    expect(afterStageStopped(Cause.die(new Error("bug")))).toEqual({ _tag: "Restart", why: "defect" })
    expect(afterStageStopped(Cause.interrupt(elsewhere))).toEqual({ _tag: "Restart", why: "interrupted elsewhere" })
  })

  it("stops the runner on a failure that is this machine's to fix", () => {
    expect(afterStageStopped(Cause.fail({ _tag: "OutOfDiskSpace" }))).toEqual({ _tag: "Stop" })
    expect(afterStageStopped(Cause.fail({ _tag: "HostKeepsRefusing" }))).toEqual({ _tag: "Stop" })
    expect(afterStageStopped(Cause.fail("no tag"))).toEqual({ _tag: "Stop" })
  })

  it.effect("runs a stage again after a defect and a lost database, with a pause; a stop ends it with its error", () =>
    Effect.gen(function* () {
      const runs = yield* Ref.make(0)
      const stage = Ref.updateAndGet(runs, (n) => n + 1).pipe(
        Effect.flatMap((n): Effect.Effect<never, ManifestQueryError | { readonly _tag: "OutOfDiskSpace" }> =>
          n === 1 ? Effect.die(new Error("a bug"))
          : n === 2 ? Effect.fail(new ManifestQueryError({ operation: "claim download", cause: new Error("terminated") }))
          : n === 3 ? Effect.failCause(Cause.interrupt(elsewhere))
          : Effect.fail({ _tag: "OutOfDiskSpace" as const })
        )
      )
      const fiber = yield* Effect.fork(supervisedStage("download", stage))
      // Three pauses, each doubled (2 s, 4 s, 8 s), before the fourth run.
      yield* TestClock.adjust("1 second")
      expect(yield* Ref.get(runs)).toBe(1)
      yield* TestClock.adjust("13 seconds")
      const exit = yield* fiber.await
      expect(yield* Ref.get(runs)).toBe(4)
      expect(exit).toEqual(Exit.fail({ _tag: "OutOfDiskSpace" }))
    }))

  it.effect("its own interruption stops it at once", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(supervisedStage("download", Effect.never))
      yield* TestClock.adjust("1 second")
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
    }))
})
