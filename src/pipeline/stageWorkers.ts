import { Cause, Clock, Deferred, Duration, Effect, Metric, MetricLabel } from "effect"
import type { ManifestRow } from "../domain/ManifestRow.js"
import type { StageFailure } from "../domain/RetryPolicy.js"
import type { ClaimingStage } from "../domain/VideoState.js"
import { Manifest } from "../manifest/Manifest.js"
import { ClaimLost, type ManifestError } from "../manifest/ManifestErrors.js"
import { failuresByTag, stageOutcomes, stageSeconds } from "./metrics.js"

/**
 * How a handler's failure is recorded: a failure (retry or not, by its own flag), a permanent skip, a requeue
 * (the video is not at fault but the stage can go on, more slowly: its claim goes back untouched), a stop:
 * the video is not at fault (the disk is full), so its claim goes back untouched and the stage ends with the error,
 * or a fail-and-stop: most likely not the video's fault either, but only most likely, so the failure is recorded
 * (an attempt spent, with its backoff) before the stage ends: a video that alone causes it cannot hold the queue.
 */
export type Outcome<E> =
  | { readonly _tag: "Fail"; readonly failure: StageFailure }
  | { readonly _tag: "Skip"; readonly failure: StageFailure }
  | { readonly _tag: "Requeue"; readonly failure: StageFailure }
  | { readonly _tag: "Stop"; readonly error: E }
  | { readonly _tag: "FailAndStop"; readonly error: E; readonly failure: StageFailure }

export interface ClaimingStageSpec<A, E, R> {
  readonly stage: ClaimingStage
  readonly workers: number
  /** The stage's work on one row: a plain function of the row, independent of scheduling. */
  readonly handle: (row: ManifestRow) => Effect.Effect<A, E, R>
  /** Records success in the manifest. */
  readonly complete: (row: ManifestRow, result: A) => Effect.Effect<void, ManifestError>
  readonly classify: (error: E) => Outcome<E>
  /**
   * Undoes what an interrupted handler may already have put in place before its result was recorded
   * (the row is handed back, so such output belongs to no row).
   */
  readonly abandon?: (row: ManifestRow) => Effect.Effect<void>
  /** Completes when no more input can arrive from earlier stages. */
  readonly upstreamDone: Deferred.Deferred<void>
  /** First pause before a crashed worker starts again; doubles with each crash in a row. Default 1 s. */
  readonly restartBaseDelay?: Duration.Duration
  /**
   * Failure tags whose retries the stage does not wait for once its input is done (the network is down: waiting
   * would hold the run open for nothing); such rows stay failed with their retry time, for the next run.
   */
  readonly noWaitFor?: ReadonlyArray<string>
  /**
   * Takes back the claims of processes that died (the start-of-run rule) and cleans up after them; answers how many
   * claims came back. Run while the stage idles, at most every `reclaimEvery`, and once more before a worker stops,
   * so a peer killed mid-run does not leave its rows until the next start. Default: the manifest's `reclaimStale`.
   */
  readonly reclaim?: Effect.Effect<number, ManifestError>
}

/** How often an idle stage looks for claims of dead processes. */
export const reclaimEvery = Duration.seconds(5)

/** How long a worker that crashed `crashesInARow` times in a row waits before it claims again: doubling, at most a minute. */
export const restartDelay = (base: Duration.Duration, crashesInARow: number): Duration.Duration =>
  Duration.min(Duration.times(base, 2 ** Math.max(0, crashesInARow - 1)), Duration.minutes(1))

const idlePoll = Duration.millis(200)

/**
 * A pool of workers for one stage. Each claims one row at a time from the manifest, so memory stays flat however
 * many rows wait, and a claim interrupted by Ctrl-C is handed back. A worker stops when the stage's input is
 * exhausted for good: upstream finished, nothing claimable, no retry pending.
 */
export const runClaimingStage = <A, E, R>(spec: ClaimingStageSpec<A, E, R>) =>
  Effect.gen(function* () {
    const manifest = yield* Manifest

    const processRow = (row: ManifestRow) =>
      Effect.gen(function* () {
        const started = yield* Clock.currentTimeMillis
        const outcome = yield* spec.handle(row).pipe(
          Effect.flatMap((result) => spec.complete(row, result).pipe(Effect.as("done" as const))),
          Effect.catchAll((error: E | ManifestError) => {
            if (isManifestError(error)) return Effect.fail(error)
            const recorded = spec.classify(error)
            return Effect.gen(function* () {
              if (recorded._tag !== "Stop") yield* Metric.increment(Metric.tagged(failuresByTag, "tag", recorded.failure._tag))
              if (recorded._tag === "Stop" || recorded._tag === "FailAndStop") {
                yield* recorded._tag === "Stop" ? manifest.release(spec.stage, row.id) : manifest.fail(spec.stage, row.id, recorded.failure)
                yield* Effect.logError(`stopping the ${spec.stage} stage: ${(recorded.error as { message?: string }).message ?? String(recorded.error)}`)
                return yield* Effect.fail(recorded.error)
              }
              if (recorded._tag === "Requeue") {
                yield* manifest.release(spec.stage, row.id)
                yield* Effect.logWarning(`handed back for later: ${recorded.failure.message}`)
                return "requeued" as const
              }
              if (recorded._tag === "Skip") {
                yield* Effect.logInfo(`skipped: ${recorded.failure.message}`)
                yield* manifest.skip(row.id, { tag: recorded.failure._tag, message: recorded.failure.message })
                return "skipped" as const
              }
              const recordedFailure = yield* manifest.fail(spec.stage, row.id, recorded.failure)
              const retry = recordedFailure.nextRetryAt === null ? "no retry" : `retry after ${new Date(recordedFailure.nextRetryAt).toISOString()}`
              yield* Effect.logWarning(`failed (attempt ${recordedFailure.attempts}, ${retry}): ${recorded.failure.message}`)
              return "failed" as const
            })
          }),
        )
        const finished = yield* Clock.currentTimeMillis
        yield* Metric.update(Metric.tagged(stageSeconds, "stage", spec.stage), (finished - started) / 1000)
        yield* Metric.increment(Metric.taggedWithLabels(stageOutcomes, [MetricLabel.make("stage", spec.stage), MetricLabel.make("outcome", outcome)]))
      }).pipe(
        // Another process took the claim back (lease ran out): its work counts, this result does not.
        Effect.catchIf((e): e is ClaimLost => e instanceof ClaimLost, (e) => Effect.logWarning(e.message)),
        Effect.annotateLogs({ videoId: row.id, stage: spec.stage, attempt: row.attempts + 1 })
      )

    /** An interrupted worker gives its row back, unless the row's result was recorded first (then it is not its to give). */
    const handBack = (row: ManifestRow) =>
      manifest.release(spec.stage, row.id).pipe(
        Effect.zipRight(spec.abandon?.(row) ?? Effect.void),
        Effect.zipRight(Effect.logInfo("interrupted; claim handed back")),
        Effect.catchTag("IllegalTransition", () => Effect.void),
        Effect.catchAll((e) => Effect.logWarning(`could not hand back the claim: ${e.message}`)),
        Effect.annotateLogs({ videoId: row.id, stage: spec.stage })
      )

    /**
     * Claims a row and works on it. From the claim's commit on, an interruption can only land where the
     * hand-back is already in place, so no claim is left held by a worker that is gone.
     */
    const claimAndProcess = Effect.uninterruptibleMask((restore) =>
      manifest.claim(spec.stage, 1).pipe(
        Effect.flatMap(([row]) =>
          row === undefined
            ? Effect.succeed("nothing" as const)
            // The claim's lease is renewed while the row is worked on, and no longer: a worker gone is a lease run out.
            : restore(manifest.holdingClaim(spec.stage, row.id)(processRow(row))).pipe(
              Effect.onInterrupt(() => handBack(row)),
              Effect.as("processed" as const),
              Effect.catchAllDefect((defect) => recordCrash(row, defect).pipe(Effect.as("crashed" as const)))
            )
        )
      )
    )

    /** A defect (a bug, not the video's fault) in a handler: the row is failed with the cause, retryable, and kept. */
    const recordCrash = (row: ManifestRow, defect: unknown) =>
      Effect.gen(function* () {
        const message = `the ${spec.stage} worker crashed: ${defect instanceof Error ? defect.message : String(defect)}`
        yield* Effect.logError(message, Cause.die(defect))
        yield* Metric.increment(Metric.tagged(failuresByTag, "tag", "WorkerCrashed"))
        // Failing the row is legal only while it is still in flight; a result recorded before the crash stands, with its output.
        const failed = yield* manifest.fail(spec.stage, row.id, { _tag: "WorkerCrashed", message, retryable: true }).pipe(
          Effect.as(true),
          Effect.catchTag("IllegalTransition", () => Effect.succeed(false))
        )
        if (failed) yield* spec.abandon?.(row) ?? Effect.void
      }).pipe(Effect.annotateLogs({ videoId: row.id, stage: spec.stage }))

    /** Reclaims dead processes' claims, at most every `reclaimEvery` unless `now` (shared by the stage's workers). */
    let lastReclaimAt = Number.NEGATIVE_INFINITY
    const reclaimDead = (now: boolean) =>
      Effect.gen(function* () {
        const at = yield* Clock.currentTimeMillis
        if (!now && at - lastReclaimAt < Duration.toMillis(reclaimEvery)) return 0
        lastReclaimAt = at
        return yield* (spec.reclaim ?? manifest.reclaimStale)
      })

    /** Supervises one worker: after a crash it starts again, later each time it crashes in a row. */
    const worker: Effect.Effect<void, ManifestError | E, R> = Effect.gen(function* () {
      let crashesInARow = 0
      const claimed = Effect.gen(function* () {
        const result = yield* claimAndProcess
        if (result === "crashed") {
          crashesInARow++
          const delay = restartDelay(spec.restartBaseDelay ?? Duration.seconds(1), crashesInARow)
          yield* Effect.logWarning(`restarting the ${spec.stage} worker in ${Duration.format(delay)}`)
          yield* Effect.sleep(delay)
        } else if (result === "processed") crashesInARow = 0
        return result !== "nothing"
      })
      while (true) {
        if (yield* claimed) continue
        if (!(yield* Deferred.isDone(spec.upstreamDone))) {
          yield* reclaimDead(false)
          yield* Effect.sleep(idlePoll)
          continue
        }
        const due = yield* manifest.nextRetryDue(spec.stage, spec.noWaitFor)
        if (due === null) {
          // Upstream is done, but a row claimed earlier may still be in another worker's hands and fail into a retry.
          if (yield* claimed) continue
          // Or in the hands of a process that died meanwhile.
          if ((yield* reclaimDead(true)) > 0) continue
          return
        }
        yield* reclaimDead(false)
        const now = yield* Clock.currentTimeMillis
        yield* Effect.logDebug(`waiting ${Math.ceil((due - now) / 1000)} s for a retry`)
        yield* Effect.sleep(Duration.millis(Math.max(idlePoll.pipe(Duration.toMillis), due - now)))
      }
    })

    yield* Effect.forEach(Array.from({ length: spec.workers }), () => worker, { concurrency: "unbounded", discard: true })
  })

const manifestErrorTags: ReadonlySet<string> = new Set<ManifestError["_tag"]>(["ManifestQueryError", "VideoNotFound", "IllegalTransition", "ClaimLost"])

/**
 * Manifest errors are not a video's failure: they stop the stage (or, for a lost claim, are logged above); a cluster
 * runner starts the stage again (src/cluster/stageSupervision.ts).
 */
export const isManifestError = <E>(error: E | ManifestError): error is ManifestError =>
  typeof error === "object" && error !== null && manifestErrorTags.has((error as { _tag?: string })._tag ?? "")
