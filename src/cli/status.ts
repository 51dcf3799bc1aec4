import { Effect } from "effect"
import { ClaimingStage, claimingStates, isFinal, VideoState } from "../domain/VideoState.js"
import { Manifest } from "../manifest/Manifest.js"
import { metricsFiles, type MetricsSummary } from "../pipeline/metricsExport.js"
import type { WorkspacePaths } from "../domain/Workspace.js"
import { promises as fs } from "node:fs"

export interface StageFigures {
  /** Rows this stage has finished with (they are in a later state). */
  readonly done: number
  readonly inFlight: number
  /** Rows waiting for this stage, retries included. */
  readonly waiting: number
  readonly failed: number
}

export interface StatusReport {
  readonly manifest: string
  readonly total: number
  readonly byState: Record<VideoState, number>
  /** Rows that a later run would still work on (in flight, waiting for a stage, or failed with a retry pending). */
  readonly unfinished: number
  readonly stages: Record<ClaimingStage | "curate", StageFigures>
  readonly audioHours: number
  readonly speechHours: number
  readonly childSpeechHours: number
  readonly clips: number
  readonly clipHours: number
  readonly failuresByTag: Record<string, number>
  /** Timings and outcomes of the latest run in this working directory, if it wrote any. */
  readonly lastRun: MetricsSummary | null
}

const laterThan: Record<ClaimingStage | "curate", ReadonlyArray<VideoState>> = {
  download: ["downloaded", "analyzing", "analyzed", "accepted", "rejected", "uploaded"],
  analyze: ["analyzed", "accepted", "rejected", "uploaded"],
  curate: ["accepted", "rejected", "uploaded"]
}

/** Where each stage stands, from the rows per position. */
export const stageFigures = (
  counts: ReadonlyArray<{ readonly state: VideoState; readonly failedStage: ClaimingStage | null; readonly count: number }>
): Record<ClaimingStage | "curate", StageFigures> => {
  const sum = (match: (c: (typeof counts)[number]) => boolean) => counts.filter(match).reduce((n, c) => n + c.count, 0)
  const claiming = (stage: ClaimingStage): StageFigures => ({
    done: sum((c) => laterThan[stage].includes(c.state)),
    inFlight: sum((c) => c.state === claimingStates[stage].inFlight),
    waiting: sum((c) => c.state === claimingStates[stage].input),
    failed: sum((c) => c.state === "failed" && c.failedStage === stage)
  })
  return {
    download: claiming("download"),
    analyze: claiming("analyze"),
    curate: { done: sum((c) => laterThan.curate.includes(c.state)), inFlight: 0, waiting: sum((c) => c.state === "analyzed"), failed: 0 }
  }
}

/** The last run's metrics summary; none when no run wrote one or it cannot be read (it is a report, not the truth). */
const readLastRun = (paths: WorkspacePaths) =>
  Effect.promise(() =>
    fs.readFile(metricsFiles(paths).summary, "utf8").then((text) => JSON.parse(text) as MetricsSummary).catch(() => null)
  )

/** `shown`: how the report names the manifest (its file by default; a PostgreSQL URL without its password). */
export const statusReport = (paths: WorkspacePaths, shown: string = paths.manifest) =>
  Effect.gen(function* () {
    const manifest = yield* Manifest
    const counts = yield* manifest.counts
    const totals = yield* manifest.totals
    const failures = yield* manifest.failuresByTag
    const retriesPending = yield* manifest.countRetryPending
    const byState = Object.fromEntries(VideoState.literals.map((s) => [s, 0])) as Record<VideoState, number>
    for (const c of counts) byState[c.state] += c.count
    const hours = (seconds: number | null) => (seconds ?? 0) / 3600
    return {
      manifest: shown,
      total: counts.reduce((sum, c) => sum + c.count, 0),
      byState,
      unfinished: counts.filter((c) => !isFinal(c.state)).reduce((sum, c) => sum + c.count, 0) + retriesPending,
      stages: stageFigures(counts),
      audioHours: hours(totals.audioSeconds),
      speechHours: hours(totals.speechSeconds),
      childSpeechHours: hours(totals.childSpeechSeconds),
      clips: totals.clips,
      clipHours: hours(totals.clipSeconds),
      failuresByTag: Object.fromEntries(failures.map((f) => [f.lastErrorTag ?? "unknown", f.count])),
      lastRun: yield* readLastRun(paths)
    } satisfies StatusReport
  })

export const formatStatus = (report: StatusReport): string => {
  const width = Math.max(...VideoState.literals.map((s) => s.length))
  const stage = (name: string, f: StageFigures) =>
    `  ${name.padEnd(width)}  done ${f.done}, in flight ${f.inFlight}, waiting ${f.waiting}, failed ${f.failed}`
  const lines = [
    `manifest  ${report.manifest}`,
    `videos    ${report.total} (${report.unfinished === 0 ? "all in a final state" : `${report.unfinished} still to do`})`,
    ...VideoState.literals.filter((s) => report.byState[s] > 0).map((s) => `  ${s.padEnd(width)}  ${report.byState[s]}`),
    `stages`,
    stage("download", report.stages.download),
    stage("analyze", report.stages.analyze),
    `  ${"curate".padEnd(width)}  decided ${report.stages.curate.done}, waiting ${report.stages.curate.waiting}`,
    `audio     ${report.audioHours.toFixed(3)} h, speech ${report.speechHours.toFixed(3)} h, child speech ${report.childSpeechHours.toFixed(3)} h`,
    `dataset   ${report.clips} clips, ${report.clipHours.toFixed(3)} h`
  ]
  const failures = Object.entries(report.failuresByTag)
  if (failures.length > 0) lines.push(`failures  ${failures.map(([tag, n]) => `${tag} ${n}`).join(", ")}`)
  if (report.lastRun) {
    const { stageSeconds, storeSeconds } = report.lastRun
    const timing = Object.entries(stageSeconds).map(([stage, t]) => `${stage} ${t.count} × ${t.meanSeconds.toFixed(2)} s (max ${t.maxSeconds.toFixed(2)} s)`)
    lines.push(`last run  ${timing.length > 0 ? timing.join(", ") : "no stage work"}`)
    lines.push(`  store   ${storeSeconds.count} statements, ${(storeSeconds.meanSeconds * 1000).toFixed(2)} ms mean, ${(storeSeconds.maxSeconds * 1000).toFixed(1)} ms max (lock waits included)`)
  }
  return lines.join("\n")
}
