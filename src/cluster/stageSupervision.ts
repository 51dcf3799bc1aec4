import { Cause, Clock, Duration, Effect, Exit } from "effect"
import { isManifestError, restartDelay } from "../pipeline/stageWorkers.js"

/** What a runner does when one of its stage loops stopped, and why. */
export type AfterStageStopped =
  | { readonly _tag: "Restart"; readonly why: "database" | "defect" | "interrupted elsewhere" }
  | { readonly _tag: "Stop" }

/**
 * Whether a runner starts a stage loop again after it stopped with `cause`. Pure. The runner must outlive what
 * other runners and the shared database do: a manifest error (PostgreSQL unreachable for a while, a row changed
 * by another runner first) and a defect (a bug, logged with its cause) restart the stage after a pause, and so does
 * an interruption that reached the stage from elsewhere (a reply from an entity whose shard moved) — the runner's
 * own interruption never gets here. Any other failure is this machine's to fix (disk full, yt-dlp missing, the host
 * refusing through every pause): the runner stops with its message, as `kidvoice run` does.
 */
export const afterStageStopped = (cause: Cause.Cause<unknown>): AfterStageStopped => {
  const failure = Cause.failureOption(cause)
  // The manifest's own errors: the shared database was unreachable, or another runner changed a row first.
  if (failure._tag === "Some") return isManifestError(failure.value) ? { _tag: "Restart", why: "database" } : { _tag: "Stop" }
  if (Cause.isInterruptedOnly(cause)) return { _tag: "Restart", why: "interrupted elsewhere" }
  return { _tag: "Restart", why: "defect" }
}

/** A stage that ran this long before it stopped starts again after the first pause, not a longer one. */
const healthyRun = Duration.minutes(1)

/**
 * Runs a runner's stage loop under supervision: when it stops for a reason `afterStageStopped` restarts, it is logged
 * and started again after a pause that doubles while it keeps stopping (at most a minute). Claims the loop held were
 * handed back by the loop itself, or run out with their lease.
 */
export const supervisedStage = <A, E, R>(stage: string, loop: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.gen(function* () {
    let stopsInARow = 0
    while (true) {
      const started = yield* Clock.currentTimeMillis
      const exit = yield* Effect.exit(loop)
      if (Exit.isSuccess(exit)) return exit.value
      const decision = afterStageStopped(exit.cause)
      if (decision._tag === "Stop") return yield* Effect.failCause(exit.cause)
      const ranMs = (yield* Clock.currentTimeMillis) - started
      stopsInARow = ranMs >= Duration.toMillis(healthyRun) ? 1 : stopsInARow + 1
      const pause = restartDelay(Duration.seconds(2), stopsInARow)
      const again = `starting it again in ${Duration.format(pause)}`
      yield* decision.why === "defect"
        ? Effect.logError(`the ${stage} stage crashed (a bug: please report it); ${again}`, exit.cause)
        : Effect.logWarning(`the ${stage} stage stopped (${decision.why}: ${Cause.pretty(exit.cause).split("\n")[0]}); ${again}`)
      yield* Effect.sleep(pause)
    }
  })
