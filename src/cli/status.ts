import { Effect } from "effect"
import { isFinal, VideoState } from "../domain/VideoState.js"
import { Manifest } from "../manifest/Manifest.js"

export interface StatusReport {
  readonly manifest: string
  readonly total: number
  readonly byState: Record<VideoState, number>
  /** Rows that a later run would still work on (in flight, waiting for a stage, or failed with a retry pending). */
  readonly unfinished: number
  readonly audioHours: number
  readonly speechHours: number
  readonly childSpeechHours: number
  readonly clips: number
  readonly clipHours: number
  readonly failuresByTag: Record<string, number>
}

export const statusReport = (manifestPath: string) =>
  Effect.gen(function* () {
    const manifest = yield* Manifest
    const counts = yield* manifest.counts
    const totals = yield* manifest.totals
    const failures = yield* manifest.failuresByTag
    const byState = Object.fromEntries(VideoState.literals.map((s) => [s, 0])) as Record<VideoState, number>
    for (const c of counts) byState[c.state] = c.count
    const failedWaiting = yield* manifest.countRetryPending
    const unfinished = counts.filter((c) => !isFinal(c.state, false)).reduce((sum, c) => sum + c.count, 0) + failedWaiting
    const hours = (seconds: number | null) => (seconds ?? 0) / 3600
    return {
      manifest: manifestPath,
      total: counts.reduce((sum, c) => sum + c.count, 0),
      byState,
      unfinished,
      audioHours: hours(totals.audioSeconds),
      speechHours: hours(totals.speechSeconds),
      childSpeechHours: hours(totals.childSpeechSeconds),
      clips: totals.clips,
      clipHours: hours(totals.clipSeconds),
      failuresByTag: Object.fromEntries(failures.map((f) => [f.lastErrorTag ?? "unknown", f.count]))
    } satisfies StatusReport
  })

export const formatStatus = (report: StatusReport): string => {
  const width = Math.max(...VideoState.literals.map((s) => s.length))
  const lines = [
    `manifest  ${report.manifest}`,
    `videos    ${report.total} (${report.unfinished === 0 ? "all in a final state" : `${report.unfinished} still to do`})`,
    ...VideoState.literals.filter((s) => report.byState[s] > 0).map((s) => `  ${s.padEnd(width)}  ${report.byState[s]}`),
    `audio     ${report.audioHours.toFixed(3)} h, speech ${report.speechHours.toFixed(3)} h, child speech ${report.childSpeechHours.toFixed(3)} h`,
    `dataset   ${report.clips} clips, ${report.clipHours.toFixed(3)} h`
  ]
  const failures = Object.entries(report.failuresByTag)
  if (failures.length > 0) lines.push(`failures  ${failures.map(([tag, n]) => `${tag} ${n}`).join(", ")}`)
  return lines.join("\n")
}
