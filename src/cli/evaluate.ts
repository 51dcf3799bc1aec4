import { FileSystem } from "@effect/platform"
import { Context, Effect, Either, Layer } from "effect"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import { Analyzer, type AnalyzerApi } from "../analyze/Analyzer.js"
import { ChildVoiceClassifier, type ChildVoiceClassifierApi } from "../analyze/ChildVoiceClassifier.js"
import { fileMedianF0, fileScore, type LabelledFile, LabelsFileError, parseLabels } from "../analyze/evalLabels.js"
import { type BinaryMetrics, bestF1, metricsAt, rocAuc, thresholdSweep } from "../analyze/evaluation.js"
import { installedCards } from "../analyze/installedModels.js"
import { modelsDir as shippedModelsDir } from "../analyze/ModelCard.js"
import type { Analysis } from "../domain/Analysis.js"
import { ModelSettings, type VadSettings } from "../domain/Config.js"
import { analyzerLayer } from "../pipeline/layers.js"
import { transcodeToWav } from "../media/Ffmpeg.js"
import { chart, chartSvg, chartX, escapeHtml, htmlPage } from "./html.js"

export interface ScoredFile {
  readonly path: string
  readonly child: boolean
  readonly group: string | null
  /** Each back-end's file score (speech-weighted mean of its segment scores), by back-end name. */
  readonly scores: Readonly<Record<string, number>>
  /** The speech's median F0 (the F0-only rule's score); null when nothing was voiced. */
  readonly medianF0: number | null
  readonly speechSeconds: number
}

/** One back-end's figures on the scored files: a model (scores 0..1) or the F0-only rule (scores in Hz). */
export interface BackendFigures {
  readonly name: string
  readonly unit: "probability" | "Hz"
  readonly threshold: number
  readonly atThreshold: BinaryMetrics
  readonly auc: number
  readonly sweep: ReadonlyArray<BinaryMetrics>
  readonly best: BinaryMetrics | null
  /** Per label-file group: files, children among them, and how many this back-end calls child at its threshold. */
  readonly perGroup: ReadonlyArray<{ readonly group: string; readonly files: number; readonly children: number; readonly calledChild: number }>
}

export interface EvalResult {
  readonly labels: string
  /** The shipped (selected) model first, then every other installed back-end, then the F0-only rule. */
  readonly backends: ReadonlyArray<BackendFigures>
  readonly scored: ReadonlyArray<ScoredFile>
  /** Files that could not be decoded or analysed, with why; they are not in the figures. */
  readonly failed: ReadonlyArray<{ readonly path: string; readonly reason: string }>
}

export const readLabels = (file: string) =>
  Effect.tryPromise({
    try: () => fs.readFile(file, "utf8"),
    catch: (e) => new LabelsFileError({ file, line: 0, reason: `cannot read it: ${e instanceof Error ? e.message : String(e)}` })
  }).pipe(Effect.flatMap((text) => Either.match(parseLabels(file, text), { onLeft: Effect.fail, onRight: Effect.succeed })))

/** A back-end to measure: its analyzer (the same VAD and features, its own child-voice classifier). */
export interface EvalBackend {
  readonly analyzer: AnalyzerApi
  readonly classifier: ChildVoiceClassifierApi
}

/** The F0-only rule's default cut when the shipped card names none, Hz. */
const defaultF0CutHz = 250

/**
 * The back-ends `eval` measures: the one the settings select first, then every other installed child-voice card
 * (each under the same VAD), each built once for the scope. Also the F0 rule's cut, from the shipped card.
 */
export const evalBackends = (models: ModelSettings) =>
  Effect.gen(function* () {
    const dir = models.dir ?? shippedModelsDir
    const cards = (yield* installedCards(dir)).filter((c) => c.task === "child-voice")
    const build = (childVoice: string) =>
      Layer.build(analyzerLayer(ModelSettings.make({ ...models, childVoice }))).pipe(
        Effect.map((context): EvalBackend => ({ analyzer: Context.get(context, Analyzer), classifier: Context.get(context, ChildVoiceClassifier) }))
      )
    const selected = yield* build(models.childVoice)
    const others = yield* Effect.forEach(cards.filter((c) => c.name !== selected.classifier.name), (c) => build(c.name))
    const shipped = cards.find((c) => c.name === "child-voice-acoustic")
    const cut = shipped ? yield* Effect.promise(() => fs.readFile(shipped.path, "utf8").then((t) => Number(JSON.parse(t)?.training?.heldout?.f0Rule?.cutHz), () => NaN)) : NaN
    return { backends: [selected, ...others], f0CutHz: Number.isFinite(cut) && cut > 0 ? cut : defaultF0CutHz }
  })

/** Decodes one labelled file to 16 kHz in its own temp folder (gone afterwards), finds speech and scores it with every back-end. */
const scoreFile = (entry: LabelledFile, vad: VadSettings, backends: ReadonlyArray<EvalBackend>) =>
  Effect.gen(function* () {
    const fileSystem = yield* FileSystem.FileSystem
    const dir = yield* fileSystem.makeTempDirectoryScoped({ prefix: "kidvoice-eval-" })
    const wav = join(dir, "audio.wav")
    yield* transcodeToWav(entry.path, wav)
    const scores: Record<string, number> = {}
    let first: Analysis | null = null
    for (const backend of backends) {
      const analysis = yield* backend.analyzer.analyze(wav, vad, backend.classifier.threshold)
      scores[backend.classifier.name] = fileScore(analysis.segments)
      first ??= analysis
    }
    return { path: entry.path, child: entry.child, group: entry.group, scores, medianF0: fileMedianF0(first!.segments), speechSeconds: first!.speechSeconds } satisfies ScoredFile
  }).pipe(Effect.scoped)

const f0Sweep = Array.from({ length: 26 }, (_, i) => 150 + i * 10)

const figures = (name: string, unit: BackendFigures["unit"], threshold: number, scored: ReadonlyArray<ScoredFile>, score: (f: ScoredFile) => number): BackendFigures => {
  const items = scored.map((f) => ({ score: score(f), positive: f.child }))
  const sweep = unit === "Hz" ? f0Sweep.map((hz) => metricsAt(items, hz)) : thresholdSweep(items)
  const groups = [...new Set(scored.flatMap((f) => (f.group === null ? [] : [f.group])))].sort()
  return {
    name,
    unit,
    threshold,
    atThreshold: metricsAt(items, threshold),
    auc: rocAuc(items),
    sweep,
    best: bestF1(sweep),
    perGroup: groups.map((group) => {
      const inGroup = scored.filter((f) => f.group === group)
      return { group, files: inGroup.length, children: inGroup.filter((f) => f.child).length, calledChild: inGroup.filter((f) => score(f) >= threshold).length }
    })
  }
}

/** Every labelled file scored by each back-end's full pipeline (decode, VAD, classifier) and by the F0-only rule, side by side. */
export const evaluateLabels = (labelsFile: string, entries: ReadonlyArray<LabelledFile>, vad: VadSettings, concurrency: number, backends: ReadonlyArray<EvalBackend>, f0CutHz: number) =>
  Effect.gen(function* () {
    const outcomes = yield* Effect.forEach(entries, (entry) => Effect.either(scoreFile(entry, vad, backends)), { concurrency })
    const scored = outcomes.flatMap((o) => (Either.isRight(o) ? [o.right] : []))
    const failed = outcomes.flatMap((o, i) => (Either.isLeft(o) ? [{ path: entries[i]!.path, reason: o.left.message }] : []))
    return {
      labels: labelsFile,
      backends: [
        ...backends.map((b) => figures(b.classifier.name, "probability", b.classifier.threshold, scored, (f) => f.scores[b.classifier.name]!)),
        figures(f0RuleName(f0CutHz), "Hz", f0CutHz, scored, (f) => f.medianF0 ?? 0)
      ],
      scored,
      failed
    } satisfies EvalResult
  })

export const f0RuleName = (hz: number) => `f0-rule (median F0 >= ${hz} Hz)`

const f3 = (x: number) => x.toFixed(3)
const at = (b: BackendFigures, t: number) => (b.unit === "Hz" ? `${t.toFixed(0)} Hz` : t.toFixed(2))

const sweepRow = (m: BinaryMetrics, mark: string) =>
  `${m.threshold.toFixed(2).padStart(9)}  ${f3(m.precision).padStart(9)}  ${f3(m.recall).padStart(6)}  ${f3(m.f1).padStart(5)}  ${f3(m.accuracy).padStart(8)}  ` +
  `${String(m.truePositives).padStart(3)} ${String(m.falsePositives).padStart(3)} ${String(m.trueNegatives).padStart(3)} ${String(m.falseNegatives).padStart(3)}${mark}`

export const formatEval = (r: EvalResult): string => {
  const children = r.scored.filter((f) => f.child).length
  const [primary] = r.backends
  const width = Math.max(8, ...r.backends.map((b) => b.name.length))
  const groups = r.backends[0]?.perGroup ?? []
  return [
    `eval      ${r.labels}: ${r.scored.length} files scored (${children} child, ${r.scored.length - children} not), ${r.failed.length} failed; classifier ${primary!.name}`,
    ...r.failed.map((f) => `  failed  ${f.path}: ${f.reason.split("\n")[0]}`),
    `${"back-end".padEnd(width)}  threshold  precision  recall     F1  ROC AUC  best F1 (at)`,
    ...r.backends.map((b) => `${b.name.padEnd(width)}  ${at(b, b.threshold).padStart(9)}  ${f3(b.atThreshold.precision).padStart(9)}  ${f3(b.atThreshold.recall).padStart(6)}  ` +
      `${f3(b.atThreshold.f1)}  ${f3(b.auc).padStart(7)}  ${b.best ? `${f3(b.best.f1)} (${at(b, b.best.threshold)})` : "none"}`),
    ...(groups.length === 0 ? [] : [
      "per group: files (children) and how many each back-end calls child",
      ...groups.map((g, i) => `  ${g.group.padEnd(28)} ${String(g.files).padStart(4)} (${g.children})  ` + r.backends.map((b) => `${b.name.split(" ")[0]} ${b.perGroup[i]!.calledChild}`).join("  "))
    ]),
    `sweep of ${primary!.name}`,
    "threshold  precision  recall     F1  accuracy   tp  fp  tn  fn",
    ...primary!.sweep.map((row) => sweepRow(row, row === primary!.best ? "  ← best F1" : ""))
  ].join("\n")
}

const csvField = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)

/** Per-file scores of every back-end, one row a file, for a spreadsheet or a notebook. */
export const renderEvalCsv = (r: EvalResult): string => {
  const models = r.backends.filter((b) => b.unit === "probability").map((b) => b.name)
  const header = ["file", "child", "group", "speech_seconds", "median_f0_hz", ...models]
  const rows = r.scored.map((f) => [f.path, f.child ? "yes" : "no", f.group ?? "", f.speechSeconds.toFixed(2), f.medianF0?.toFixed(1) ?? "", ...models.map((m) => f.scores[m]!.toFixed(4))])
  return [header, ...rows].map((row) => row.map(csvField).join(",")).join("\n") + "\n"
}

const bins = 20

/** Files per score bin, child and not-child side by side, in inline SVG like the run report. */
const scoreHistogramSvg = (scored: ReadonlyArray<ScoredFile>, backend: string, threshold: number) => {
  const count = (child: boolean) => {
    const out = Array.from({ length: bins }, () => 0)
    for (const f of scored) if (f.child === child) out[Math.min(bins - 1, Math.floor(f.scores[backend]! * bins))]! += 1
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
  const primary = r.backends[0]!
  const m = primary.atThreshold
  const row = (cells: ReadonlyArray<string | number>, tag = "td") => `<tr>${cells.map((c) => `<${tag}>${typeof c === "number" ? f3(c) : escapeHtml(c)}</${tag}>`).join("")}</tr>`
  const models = r.backends.filter((b) => b.unit === "probability")
  return htmlPage("kidvoice eval", `<p>Labels <code>${escapeHtml(r.labels)}</code>, classifier <code>${escapeHtml(primary.name)}</code>: ${r.scored.length} files scored, ${r.failed.length} failed.
A file's score is the speech-weighted mean of its segments' child scores; the F0 rule's is the speech's median F0.</p>
<p>At the model's threshold ${primary.threshold.toFixed(2)}: precision ${f3(m.precision)}, recall ${f3(m.recall)}, F1 ${f3(m.f1)}, ROC AUC ${f3(primary.auc)}.
${primary.best ? `Best F1 ${f3(primary.best.f1)} at ${primary.best.threshold.toFixed(2)}.` : ""}</p>
<h2>Back-ends side by side</h2>
<table>${row(["back-end", "threshold", "precision", "recall", "F1", "ROC AUC", "best F1", "at"], "th")}${r.backends.map((b) =>
    row([b.name, at(b, b.threshold), b.atThreshold.precision, b.atThreshold.recall, b.atThreshold.f1, b.auc, b.best?.f1 ?? 0, b.best ? at(b, b.best.threshold) : "-"])).join("")}</table>
${primary.perGroup.length > 0 ? `<h2>Per group (files called child)</h2><table>${row(["group", "files", "children", ...r.backends.map((b) => b.name)], "th")}${primary.perGroup.map((g, i) =>
    row([g.group, String(g.files), String(g.children), ...r.backends.map((b) => String(b.perGroup[i]!.calledChild))])).join("")}</table>` : ""}
<p><span style="color:#4f81bd">■</span> labelled child <span style="color:#c0504d">■</span> labelled not child; dashed: threshold</p>
${scoreHistogramSvg(r.scored, primary.name, primary.threshold)}
<h2>Threshold sweep of ${escapeHtml(primary.name)}</h2>
<table>${row(["threshold", "precision", "recall", "F1", "accuracy"], "th")}${primary.sweep.map((s) => row([s.threshold.toFixed(2), s.precision, s.recall, s.f1, s.accuracy])).join("")}</table>
<h2>Files</h2>
<table>${row(["file", "label", "group", ...models.map((b) => b.name), "median F0", "speech s"], "th")}${r.scored.map((f) =>
    row([f.path, f.child ? "child" : "not child", f.group ?? "", ...models.map((b) => f.scores[b.name]!), f.medianF0 === null ? "-" : f.medianF0.toFixed(0), f.speechSeconds.toFixed(1)])).join("")}</table>
${r.failed.length > 0 ? `<h2>Failed</h2><table>${r.failed.map((f) => row([f.path, f.reason])).join("")}</table>` : ""}`)
}
