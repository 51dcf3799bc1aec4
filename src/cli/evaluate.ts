import { FileSystem } from "@effect/platform"
import { Effect, Either } from "effect"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import { Analyzer } from "../analyze/Analyzer.js"
import { ChildVoiceClassifier } from "../analyze/ChildVoiceClassifier.js"
import { fileScore, type LabelledFile, LabelsFileError, parseLabels } from "../analyze/evalLabels.js"
import { type BinaryMetrics, bestF1, metricsAt, thresholdSweep } from "../analyze/evaluation.js"
import type { VadSettings } from "../domain/Config.js"
import { transcodeToWav } from "../media/Ffmpeg.js"
import { chart, chartSvg, chartX, escapeHtml, htmlPage } from "./html.js"

export interface ScoredFile {
  readonly path: string
  readonly child: boolean
  readonly score: number
  readonly speechSeconds: number
}

export interface EvalResult {
  readonly labels: string
  readonly classifier: string
  readonly threshold: number
  readonly scored: ReadonlyArray<ScoredFile>
  /** Files that could not be decoded or analysed, with why; they are not in the figures. */
  readonly failed: ReadonlyArray<{ readonly path: string; readonly reason: string }>
  readonly atThreshold: BinaryMetrics
  readonly sweep: ReadonlyArray<BinaryMetrics>
  readonly best: BinaryMetrics | null
}

export const readLabels = (file: string) =>
  Effect.tryPromise({
    try: () => fs.readFile(file, "utf8"),
    catch: (e) => new LabelsFileError({ file, line: 0, reason: `cannot read it: ${e instanceof Error ? e.message : String(e)}` })
  }).pipe(Effect.flatMap((text) => Either.match(parseLabels(file, text), { onLeft: Effect.fail, onRight: Effect.succeed })))

/** Decodes one labelled file to 16 kHz in its own temp folder (gone afterwards), finds speech and scores it. */
const scoreFile = (entry: LabelledFile, vad: VadSettings, threshold: number) =>
  Effect.gen(function* () {
    const fileSystem = yield* FileSystem.FileSystem
    const analyzer = yield* Analyzer
    const dir = yield* fileSystem.makeTempDirectoryScoped({ prefix: "kidvoice-eval-" })
    const wav = join(dir, "audio.wav")
    yield* transcodeToWav(entry.path, wav)
    const analysis = yield* analyzer.analyze(wav, vad, threshold)
    return { path: entry.path, child: entry.child, score: fileScore(analysis.segments), speechSeconds: analysis.speechSeconds } satisfies ScoredFile
  }).pipe(Effect.scoped)

/** Every labelled file scored by the shipped pipeline (decode, VAD, classifier), then precision/recall/F1 and a threshold sweep. */
export const evaluateLabels = (labelsFile: string, entries: ReadonlyArray<LabelledFile>, vad: VadSettings, concurrency: number) =>
  Effect.gen(function* () {
    const classifier = yield* ChildVoiceClassifier
    const outcomes = yield* Effect.forEach(entries, (entry) => Effect.either(scoreFile(entry, vad, classifier.threshold)), { concurrency })
    const scored = outcomes.flatMap((o) => (Either.isRight(o) ? [o.right] : []))
    const failed = outcomes.flatMap((o, i) => (Either.isLeft(o) ? [{ path: entries[i]!.path, reason: o.left.message }] : []))
    const items = scored.map((f) => ({ score: f.score, positive: f.child }))
    const sweep = thresholdSweep(items)
    return {
      labels: labelsFile,
      classifier: classifier.name,
      threshold: classifier.threshold,
      scored,
      failed,
      atThreshold: metricsAt(items, classifier.threshold),
      sweep,
      best: bestF1(sweep)
    } satisfies EvalResult
  })

const f3 = (x: number) => x.toFixed(3)

const sweepRow = (m: BinaryMetrics, mark: string) =>
  `${m.threshold.toFixed(2).padStart(9)}  ${f3(m.precision).padStart(9)}  ${f3(m.recall).padStart(6)}  ${f3(m.f1).padStart(5)}  ${f3(m.accuracy).padStart(8)}  ` +
  `${String(m.truePositives).padStart(3)} ${String(m.falsePositives).padStart(3)} ${String(m.trueNegatives).padStart(3)} ${String(m.falseNegatives).padStart(3)}${mark}`

export const formatEval = (r: EvalResult): string => {
  const children = r.scored.filter((f) => f.child).length
  const m = r.atThreshold
  return [
    `eval      ${r.labels}: ${r.scored.length} files scored (${children} child, ${r.scored.length - children} not), ${r.failed.length} failed; classifier ${r.classifier}`,
    ...r.failed.map((f) => `  failed  ${f.path}: ${f.reason.split("\n")[0]}`),
    `default   threshold ${r.threshold.toFixed(2)}: precision ${f3(m.precision)}, recall ${f3(m.recall)}, F1 ${f3(m.f1)}, accuracy ${f3(m.accuracy)} ` +
      `(tp ${m.truePositives}, fp ${m.falsePositives}, tn ${m.trueNegatives}, fn ${m.falseNegatives})`,
    r.best ? `best F1   ${f3(r.best.f1)} at threshold ${r.best.threshold.toFixed(2)} (lowest threshold on a tie)` : "best F1   none: nothing scored",
    "threshold  precision  recall     F1  accuracy   tp  fp  tn  fn",
    ...r.sweep.map((row) => sweepRow(row, row === r.best ? "  ← best F1" : ""))
  ].join("\n")
}

const bins = 20

/** Files per score bin, child and not-child side by side, in inline SVG like the run report. */
const scoreHistogramSvg = (scored: ReadonlyArray<ScoredFile>, threshold: number) => {
  const count = (child: boolean) => {
    const out = Array.from({ length: bins }, () => 0)
    for (const f of scored) if (f.child === child) out[Math.min(bins - 1, Math.floor(f.score * bins))]! += 1
    return out
  }
  const [child, notChild] = [count(true), count(false)]
  const { width, height, pad } = chart
  const slot = (width - 2 * pad) / bins
  const max = Math.max(1, ...child, ...notChild)
  const h = (n: number) => (n / max) * (height - 2 * pad)
  const bar = (n: number, i: number, offset: number, colour: string, label: string) =>
    `<rect x="${(pad + i * slot + offset).toFixed(1)}" y="${(height - pad - h(n)).toFixed(1)}" width="${(slot / 2 - 1).toFixed(1)}" height="${h(n).toFixed(1)}" fill="${colour}"><title>${label}: ${n} files</title></rect>`
  const bars = child.flatMap((n, i) => [bar(n, i, 0, "#4f81bd", "child"), bar(notChild[i]!, i, slot / 2, "#c0504d", "not child")])
  const x = chartX(threshold).toFixed(1)
  return chartSvg("file score histogram by label", bars, `child score of each file (files per bin; max ${max})`,
    `<line x1="${x}" y1="${pad / 2}" x2="${x}" y2="${height - pad}" stroke="#333" stroke-dasharray="4 3"><title>threshold ${threshold}</title></line>`)
}

export const renderEvalHtml = (r: EvalResult): string => {
  const m = r.atThreshold
  const row = (cells: ReadonlyArray<string | number>, tag = "td") => `<tr>${cells.map((c) => `<${tag}>${typeof c === "number" ? f3(c) : escapeHtml(c)}</${tag}>`).join("")}</tr>`
  return htmlPage("kidvoice eval", `<p>Labels <code>${escapeHtml(r.labels)}</code>, classifier <code>${escapeHtml(r.classifier)}</code>: ${r.scored.length} files scored, ${r.failed.length} failed.
A file's score is the speech-weighted mean of its segments' child scores.</p>
<p>At the model's threshold ${r.threshold.toFixed(2)}: precision ${f3(m.precision)}, recall ${f3(m.recall)}, F1 ${f3(m.f1)}.
${r.best ? `Best F1 ${f3(r.best.f1)} at ${r.best.threshold.toFixed(2)}.` : ""}</p>
<p><span style="color:#4f81bd">■</span> labelled child <span style="color:#c0504d">■</span> labelled not child; dashed: threshold</p>
${scoreHistogramSvg(r.scored, r.threshold)}
<h2>Threshold sweep</h2>
<table>${row(["threshold", "precision", "recall", "F1", "accuracy"], "th")}${r.sweep.map((s) => row([s.threshold.toFixed(2), s.precision, s.recall, s.f1, s.accuracy])).join("")}</table>
<h2>Files</h2>
<table>${row(["file", "label", "score", "speech s"], "th")}${r.scored.map((f) => row([f.path, f.child ? "child" : "not child", f.score, f.speechSeconds.toFixed(1)])).join("")}</table>
${r.failed.length > 0 ? `<h2>Failed</h2><table>${r.failed.map((f) => row([f.path, f.reason])).join("")}</table>` : ""}`)
}
