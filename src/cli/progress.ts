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
 * What a stage is doing besides its counts. A stage with rows still to come but none queued or running is waiting
 * for its upstream, not stalled; it is stalled only when rows wait for it and none finished over the window.
 */
const paceOf = (f: StageFigures, left: number, rate: number | null): string => {
  if (left <= 0) return ""
  if (f.waiting === 0 && f.inFlight === 0) return "waiting for upstream"
  if (rate === null) return ""
  if (rate > 0) return `${rate.toFixed(1)}/s, ${clock(left / rate)} left`
  return f.inFlight > 0 ? "" : "stalled"
}

/**
 * One line: per stage, rows done of those it will see, what is running or failed, its rate and time left, made to
 * fit `width` columns (the details go first, then the stages' names shrink). `expected` is what reaches the stage
 * at most: every row not skipped, less those stuck in an earlier stage's failure.
 */
export const renderProgress = (
  figures: Record<Stage, StageFigures>,
  expected: Record<Stage, number>,
  rates: Record<Stage, number | null>,
  width = Number.POSITIVE_INFINITY
) => {
  const render = (detail: "full" | "counts" | "short") =>
    stages.map((stage) => {
      const f = figures[stage]
      const counts = `${detail === "short" ? stage.slice(0, 2) : stage} ${f.done}/${expected[stage]}`
      if (detail !== "full") return counts
      const extras = [f.inFlight > 0 ? `${f.inFlight} running` : "", f.failed > 0 ? `${f.failed} failed` : ""].filter(Boolean)
      const pace = paceOf(f, expected[stage] - f.done - f.failed, rates[stage])
      return `${counts}${extras.length > 0 ? ` (${extras.join(", ")})` : ""}${pace === "" ? "" : ` ${pace}`}`
    }).join(" | ")
  const line = [render("full"), render("counts"), render("short")].find((l) => l.length <= width) ?? render("short")
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`
}

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

/**
 * How progress is shown: `auto` is a live line for people reading a terminal, and a line every 30 s in the log
 * for CI, a pipe or JSON logs. Pure.
 */
export const progressStyle = (
  mode: "auto" | "tty" | "lines" | "off",
  terminal: { readonly isTTY: boolean; readonly ci: boolean; readonly logFormat: string }
): "tty" | "lines" | "off" => mode !== "auto" ? mode : terminal.isTTY && !terminal.ci && terminal.logFormat !== "json" ? "tty" : "lines"

const window = Duration.seconds(15)
const linesEvery = Duration.seconds(30)

/**
 * While the scope is open, shows progress from the manifest's counts: redrawn on stderr every second on a
 * terminal, or as a log line every 30 s elsewhere (so a CI log shows a long run is alive).
 */
export const showProgress = (logFormat: string, mode: "auto" | "tty" | "lines" | "off" = "auto") => Effect.gen(function* () {
  const style = progressStyle(mode, { isTTY: process.stderr.isTTY === true, ci: Boolean(process.env.CI), logFormat })
  if (style === "off") return
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
    if (style === "lines") return yield* Effect.logInfo(`progress: ${renderProgress(figures, expectedRows(counts), rates)}`)
    const line = renderProgress(figures, expectedRows(counts), rates, Math.max(20, (process.stderr.columns ?? 80) - 1))
    process.stderr.write(clearLine + line)
    shownLine = line
  }).pipe(Effect.catchAll(() => Effect.void)) // a busy manifest skips a frame; the work goes on
  if (style === "lines") {
    // The first line after 30 s: a short run says nothing more than its result.
    yield* Effect.forkScoped(Effect.forever(Effect.sleep(linesEvery).pipe(Effect.zipRight(draw))))
    return
  }
  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      if (shownLine !== "") process.stderr.write(clearLine)
      shownLine = ""
    }))
  yield* Effect.forkScoped(Effect.forever(draw.pipe(Effect.zipRight(Effect.sleep("1 second")))))
})
