import { Clock, Duration, Effect, Logger } from "effect"
import type { ClaimingStage } from "../domain/VideoState.js"
import { Manifest } from "../manifest/Manifest.js"
import { type StageFigures, stageFigures } from "./status.js"

type Stage = ClaimingStage | "curate"
const stages: ReadonlyArray<Stage> = ["download", "analyze", "curate"]

/** Rows done by a stage at one moment. */
export interface Sample {
  readonly atMs: number
  readonly done: Record<Stage, number>
}

/** Samples must span this much before a rate means anything (a stage's first rows take a while). */
const minimumSpanMs = 5_000

/** Rows per second a stage finished over the samples kept (oldest to newest); null until they span a few seconds. */
export const stageRate = (samples: ReadonlyArray<Sample>, stage: Stage): number | null => {
  const first = samples[0]
  const last = samples.at(-1)
  if (!first || !last || last.atMs - first.atMs < minimumSpanMs) return null
  return (last.done[stage] - first.done[stage]) / ((last.atMs - first.atMs) / 1000)
}

const clock = (seconds: number) => {
  const s = Math.round(seconds)
  const [h, m] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60)]
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}` : `${m}:${String(s % 60).padStart(2, "0")}`
}

/**
 * One line for a terminal: per stage, rows done of those it will see, what is running or failed, its rate and
 * time left. `expected` is what reaches the stage at most: every row not skipped, less those stuck in an earlier stage's failure.
 */
export const renderProgress = (figures: Record<Stage, StageFigures>, expected: Record<Stage, number>, rates: Record<Stage, number | null>) =>
  stages.map((stage) => {
    const f = figures[stage]
    const extras = [f.inFlight > 0 ? `${f.inFlight} running` : "", f.failed > 0 ? `${f.failed} failed` : ""].filter(Boolean)
    const rate = rates[stage]
    const left = expected[stage] - f.done - f.failed
    const pace = rate === null ? "" : left <= 0 ? "" : rate > 0 ? ` ${rate.toFixed(1)}/s, ${clock(left / rate)} left` : " stalled"
    return `${stage} ${f.done}/${expected[stage]}${extras.length > 0 ? ` (${extras.join(", ")})` : ""}${pace}`
  }).join(" | ")

/** Rows each stage can still get: all rows but the skipped and those failed in an earlier stage. */
export const expectedRows = (counts: ReadonlyArray<{ readonly state: string; readonly failedStage: ClaimingStage | null; readonly count: number }>): Record<Stage, number> => {
  const sum = (match: (c: (typeof counts)[number]) => boolean) => counts.filter(match).reduce((n, c) => n + c.count, 0)
  const live = sum((c) => c.state !== "skipped")
  const failedIn = (stage: ClaimingStage) => sum((c) => c.state === "failed" && c.failedStage === stage)
  return { download: live, analyze: live - failedIn("download"), curate: live - failedIn("download") - failedIn("analyze") }
}

/** The line on screen now, so log lines can step over it. */
let shownLine = ""
const clearLine = "\r\u001b[K"

/** Wraps a logger so each log line clears the progress line first and draws it again after. */
export const besideProgressLine = <M, O>(logger: Logger.Logger<M, O>) =>
  Logger.make<M, O>((options) => {
    if (shownLine !== "") process.stderr.write(clearLine)
    const out = logger.log(options)
    if (shownLine !== "") process.stderr.write(shownLine)
    return out
  })

/** Whether a live progress line belongs here: people reading a terminal, not CI, a pipe or JSON logs. */
const progressWanted = (logFormat: string) => process.stderr.isTTY === true && !process.env.CI && logFormat !== "json"

const window = Duration.seconds(15)

/**
 * While the scope is open, redraws a progress line on stderr every second from the manifest's counts. Does
 * nothing off a terminal, so CI, piped output and JSON logs stay plain lines.
 */
export const showProgress = (logFormat: string) => Effect.gen(function* () {
  if (!progressWanted(logFormat)) return
  const manifest = yield* Manifest
  let samples: Array<Sample> = []
  const draw = Effect.gen(function* () {
    const counts = yield* manifest.counts
    const figures = stageFigures(counts)
    const atMs = yield* Clock.currentTimeMillis
    samples = [...samples.filter((s) => atMs - s.atMs <= Duration.toMillis(window)), {
      atMs,
      done: { download: figures.download.done, analyze: figures.analyze.done, curate: figures.curate.done }
    }]
    const rates = { download: stageRate(samples, "download"), analyze: stageRate(samples, "analyze"), curate: stageRate(samples, "curate") }
    const line = renderProgress(figures, expectedRows(counts), rates).slice(0, Math.max(20, (process.stderr.columns ?? 120) - 1))
    process.stderr.write(clearLine + line)
    shownLine = line
  }).pipe(Effect.catchAll(() => Effect.void)) // a busy manifest skips a frame; the work goes on
  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      if (shownLine !== "") process.stderr.write(clearLine)
      shownLine = ""
    }))
  yield* Effect.forkScoped(Effect.forever(draw.pipe(Effect.zipRight(Effect.sleep("1 second")))))
})
