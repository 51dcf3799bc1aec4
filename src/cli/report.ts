import { Effect } from "effect"
import { forEachClipPage } from "../manifest/exports.js"
import { Manifest } from "../manifest/Manifest.js"
import { chart, chartSvg, escapeHtml, htmlPage } from "./html.js"
import type { StatusReport } from "./status.js"

export const histogramBins = 20

export interface ReportData {
  readonly status: StatusReport
  /** Speech-segment child scores in `histogramBins` bins, for videos accepted and for videos rejected. */
  readonly segmentScores: { readonly accepted: ReadonlyArray<number>; readonly rejected: ReadonlyArray<number> }
  /** Hours of clips per language. */
  readonly clipHoursByLanguage: Record<string, number>
}

const emptyBins = () => Array.from({ length: histogramBins }, () => 0)

/** Reads what the report shows, page by page: segment scores of decided videos, clip hours per language. */
export const gatherReport = (status: StatusReport) =>
  Effect.gen(function* () {
    const manifest = yield* Manifest
    const accepted = emptyBins()
    const rejected = emptyBins()
    let afterId = ""
    while (true) {
      const rows = yield* manifest.page(afterId, 500, ["accepted", "rejected", "uploaded"])
      if (rows.length === 0) break
      for (const row of rows) {
        const bins = row.state === "rejected" ? rejected : accepted
        for (const segment of row.analysis?.segments ?? []) {
          bins[Math.min(histogramBins - 1, Math.floor(segment.childScore * histogramBins))]! += segment.end - segment.start
        }
      }
      afterId = rows.at(-1)!.id
    }
    const clipHoursByLanguage: Record<string, number> = {}
    yield* forEachClipPage((clips) =>
      Effect.sync(() => {
        for (const clip of clips) clipHoursByLanguage[clip.language] = (clipHoursByLanguage[clip.language] ?? 0) + (clip.end - clip.start) / 3600
      }))
    return { status, segmentScores: { accepted, rejected }, clipHoursByLanguage } satisfies ReportData
  })

/** A stacked bar chart of seconds of speech per score bin. */
const histogramSvg = (accepted: ReadonlyArray<number>, rejected: ReadonlyArray<number>) => {
  const { width, height, pad } = chart
  const barWidth = (width - 2 * pad) / histogramBins
  const max = Math.max(1e-9, ...accepted.map((a, i) => a + rejected[i]!))
  const scale = (seconds: number) => (seconds / max) * (height - 2 * pad)
  const bars = accepted.flatMap((a, i) => {
    const x = pad + i * barWidth
    const r = rejected[i]!
    return [
      `<rect x="${x.toFixed(1)}" y="${(height - pad - scale(r)).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${scale(r).toFixed(1)}" fill="#c0504d"><title>rejected: ${r.toFixed(1)} s</title></rect>`,
      `<rect x="${x.toFixed(1)}" y="${(height - pad - scale(r) - scale(a)).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${scale(a).toFixed(1)}" fill="#4f81bd"><title>accepted: ${a.toFixed(1)} s</title></rect>`
    ]
  })
  return chartSvg("child score histogram", bars,
    `child-voice score of speech segments (seconds of speech per bin; max ${max.toFixed(0)} s)`)
}

export const renderReportHtml = (data: ReportData): string => {
  const { status } = data
  const languages = Object.entries(data.clipHoursByLanguage).sort(([, a], [, b]) => b - a)
  const stateRows = Object.entries(status.byState).filter(([, n]) => n > 0).map(([state, n]) => `<tr><td>${state}</td><td>${n}</td></tr>`)
  const failureRows = Object.entries(status.failuresByTag).map(([tag, n]) => `<tr><td>${escapeHtml(tag)}</td><td>${n}</td></tr>`)
  return htmlPage("kidvoice report", `<p>Manifest <code>${escapeHtml(status.manifest)}</code>: ${status.total} videos, ${status.unfinished === 0 ? "all in a final state" : `${status.unfinished} still to do`}.
Audio ${status.audioHours.toFixed(3)} h, speech ${status.speechHours.toFixed(3)} h, child speech ${status.childSpeechHours.toFixed(3)} h;
dataset ${status.clips} clips, ${status.clipHours.toFixed(3)} h.</p>
<h2>Child-voice scores</h2>
<p><span style="color:#4f81bd">■</span> speech of accepted videos <span style="color:#c0504d">■</span> speech of rejected videos</p>
${histogramSvg(data.segmentScores.accepted, data.segmentScores.rejected)}
<h2>Dataset hours by language</h2>
<table><tr><th>language</th><th>hours</th></tr>${languages.map(([l, h]) => `<tr><td>${escapeHtml(l)}</td><td>${h.toFixed(3)}</td></tr>`).join("")}</table>
<h2>Videos by state</h2>
<table><tr><th>state</th><th>videos</th></tr>${stateRows.join("")}</table>
${failureRows.length > 0 ? `<h2>Failures by cause</h2><table><tr><th>error</th><th>videos</th></tr>${failureRows.join("")}</table>` : ""}`)
}
