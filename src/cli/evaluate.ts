import { FileSystem } from "@effect/platform"
import { Context, Effect, Either, Layer } from "effect"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import { Analyzer, type AnalyzerApi } from "../analyze/Analyzer.js"
import { ChildVoiceClassifier, type ChildVoiceClassifierApi } from "../analyze/ChildVoiceClassifier.js"
import { fileMedianF0, fileScore, type LabelledFile, LabelsFileError, parseLabels } from "../analyze/evalLabels.js"
import { type BinaryMetrics, bestF1, metricsAt, rocAuc } from "../analyze/evaluation.js"
import { installedCards } from "../analyze/installedModels.js"
import { modelsDir as shippedModelsDir } from "../analyze/ModelCard.js"
import { type Analysis, childSpeechAt, type SpeechSegment } from "../domain/Analysis.js"
import { type CurateRules, ModelSettings, type VadSettings } from "../domain/Config.js"
import { childSpeechVerdict, type Verdict } from "../curate/rules.js"
import { analyzerLayer } from "../pipeline/layers.js"
import { transcodeToWav } from "../media/Ffmpeg.js"
import { chart, chartSvg, chartX, escapeHtml, htmlPage } from "./html.js"

export interface ScoredFile {
  readonly path: string
  readonly child: boolean
  readonly group: string | null
  /** Each back-end's file score (speech-weighted mean of its segment scores), by back-end name: what ROC AUC ranks. */
  readonly scores: Readonly<Record<string, number>>
  /** Each back-end's verdict on the file: curate's child-speech rule at that back-end's segment threshold, as a run decides a video. */
  readonly verdicts: Readonly<Record<string, Verdict>>
  /** Each back-end's segments (every back-end runs the same VAD, so the same stretches). */
  readonly segments: Readonly<Record<string, ReadonlyArray<SpeechSegment>>>
  /** The speech's median F0 (the F0-only rule's score); null when nothing was voiced. */
  readonly medianF0: number | null
  readonly speechSeconds: number
  /** The speech's energy share above 4.2 kHz (Analysis.upperBandShare): near 0 for audio that went through 8 kHz. */
  readonly upperBandShare: number | null
}

/** One back-end's figures on the scored files: a model (scores 0..1) or the F0-only rule (scores in Hz). */
export interface BackendFigures {
  readonly name: string
  readonly unit: "probability" | "Hz"
  /** A model's segment threshold (`minChildScore`), or the F0 rule's cut. */
  readonly threshold: number
  /** Files: a model's by curate's verdict at its threshold, the F0 rule's by median F0 against its cut. */
  readonly atThreshold: BinaryMetrics
  readonly auc: number
  /** Files at each threshold (a model's: curate's verdict with that segment threshold). */
  readonly sweep: ReadonlyArray<BinaryMetrics>
  readonly best: BinaryMetrics | null
  /** Per label-file group: files, children among them, and how many this back-end calls child at its threshold. */
  readonly perGroup: ReadonlyArray<{ readonly group: string; readonly files: number; readonly children: number; readonly calledChild: number }>
  /** Every segment of the scored files, labelled as its file, at the threshold (the F0 rule: the segment's median F0). */
  readonly segments: { readonly count: number; readonly atThreshold: BinaryMetrics; readonly auc: number }
}

export interface EvalResult {
  readonly labels: string
  /** The child-speech rule files are judged by (curate's, from the settings in force). */
  readonly rules: Pick<CurateRules, "minChildSpeechSeconds" | "minChildShare" | "minChildScore">
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
const scoreFile = (entry: LabelledFile, vad: VadSettings, backends: ReadonlyArray<EvalBackend>, rules: EvalResult["rules"]) =>
  Effect.gen(function* () {
    const fileSystem = yield* FileSystem.FileSystem
    const dir = yield* fileSystem.makeTempDirectoryScoped({ prefix: "kidvoice-eval-" })
    const wav = join(dir, "audio.wav")
    yield* transcodeToWav(entry.path, wav)
    const scores: Record<string, number> = {}
    const verdicts: Record<string, Verdict> = {}
    const segments: Record<string, ReadonlyArray<SpeechSegment>> = {}
    let first: Analysis | null = null
    for (const [i, backend] of backends.entries()) {
      const threshold = segmentThreshold(backend, i, rules)
      const analysis = yield* backend.analyzer.analyze(wav, vad, threshold)
      scores[backend.classifier.name] = fileScore(analysis.segments)
      verdicts[backend.classifier.name] = childSpeechVerdict(analysis, { ...rules, minChildScore: threshold })
      segments[backend.classifier.name] = analysis.segments
      first ??= analysis
    }
    return { path: entry.path, child: entry.child, group: entry.group, scores, verdicts, segments, medianF0: fileMedianF0(first!.segments), speechSeconds: first!.speechSeconds, upperBandShare: first!.upperBandShare } satisfies ScoredFile
  }).pipe(Effect.scoped)

/**
 * The segment threshold a back-end is judged at: the selected one at the settings' `minChildScore` (what a run
 * uses), every other at its own card's threshold.
 */
const segmentThreshold = (backend: EvalBackend, index: number, rules: EvalResult["rules"]) => (index === 0 ? rules.minChildScore : backend.classifier.threshold)

const f0Sweep = Array.from({ length: 26 }, (_, i) => 150 + i * 10)
/** Segment thresholds 0.05 … 0.95. */
const modelSweep = Array.from({ length: 19 }, (_, i) => Number(((i + 1) * 0.05).toFixed(2)))

/** How a back-end calls a file and its segments child, and what it ranks them by. */
interface Caller {
  readonly rank: (f: ScoredFile) => number
  readonly calls: (f: ScoredFile, threshold: number) => boolean
  readonly segmentScores: (f: ScoredFile) => ReadonlyArray<number>
}

const figures = (name: string, unit: BackendFigures["unit"], threshold: number, scored: ReadonlyArray<ScoredFile>, caller: Caller): BackendFigures => {
  const at = (t: number) => metricsAt(scored.map((f) => ({ score: caller.calls(f, t) ? 1 : 0, positive: f.child })), 0.5)
  const sweep = (unit === "Hz" ? f0Sweep : modelSweep).map((t) => ({ ...at(t), threshold: t }))
  const groups = [...new Set(scored.flatMap((f) => (f.group === null ? [] : [f.group])))].sort()
  const segments = scored.flatMap((f) => caller.segmentScores(f).map((score) => ({ score, positive: f.child })))
  return {
    name,
    unit,
    threshold,
    atThreshold: { ...at(threshold), threshold },
    auc: rocAuc(scored.map((f) => ({ score: caller.rank(f), positive: f.child }))),
    sweep,
    best: bestF1(sweep),
    perGroup: groups.map((group) => {
      const inGroup = scored.filter((f) => f.group === group)
      return { group, files: inGroup.length, children: inGroup.filter((f) => f.child).length, calledChild: inGroup.filter((f) => caller.calls(f, threshold)).length }
    }),
    segments: { count: segments.length, atThreshold: metricsAt(segments, threshold), auc: rocAuc(segments) }
  }
}

/** A model calls a file child by curate's child-speech rule with segments counting from the threshold. */
const modelCaller = (name: string, rules: EvalResult["rules"]): Caller => ({
  rank: (f) => f.scores[name]!,
  calls: (f, threshold) => childSpeechVerdict({ ...childSpeechAt(f.segments[name]!, threshold), classifier: name }, { ...rules, minChildScore: threshold }).accepted,
  segmentScores: (f) => f.segments[name]!.map((s) => s.childScore)
})

/** The F0-only rule calls a file (a segment) child when its median F0 reaches the cut. */
const f0Caller = (firstBackend: string): Caller => ({
  rank: (f) => f.medianF0 ?? 0,
  calls: (f, hz) => (f.medianF0 ?? 0) >= hz,
  segmentScores: (f) => f.segments[firstBackend]!.map((s) => s.medianF0 ?? 0)
})

/** Every labelled file scored by each back-end's full pipeline (decode, VAD, classifier) and by the F0-only rule, side by side. */
export const evaluateLabels = (labelsFile: string, entries: ReadonlyArray<LabelledFile>, vad: VadSettings, concurrency: number, backends: ReadonlyArray<EvalBackend>, f0CutHz: number, rules: EvalResult["rules"]) =>
  Effect.gen(function* () {
    const outcomes = yield* Effect.forEach(entries, (entry) => Effect.either(scoreFile(entry, vad, backends, rules)), { concurrency })
    const scored = outcomes.flatMap((o) => (Either.isRight(o) ? [o.right] : []))
    const failed = outcomes.flatMap((o, i) => (Either.isLeft(o) ? [{ path: entries[i]!.path, reason: o.left.message }] : []))
    return {
      labels: labelsFile,
      rules: { minChildSpeechSeconds: rules.minChildSpeechSeconds, minChildShare: rules.minChildShare, minChildScore: rules.minChildScore },
      backends: [
        ...backends.map((b, i) => figures(b.classifier.name, "probability", segmentThreshold(b, i, rules), scored, modelCaller(b.classifier.name, rules))),
        figures(f0RuleName(f0CutHz), "Hz", f0CutHz, scored, f0Caller(backends[0]!.classifier.name))
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
    `files: a model calls a file child as a run accepts a video, by ${ruleText(r.rules)}; ROC AUC ranks files by their mean segment score; the F0 rule by median F0`,
    `${"back-end".padEnd(width)}  threshold  precision  recall     F1  ROC AUC  best F1 (at)`,
    ...r.backends.map((b) => `${b.name.padEnd(width)}  ${at(b, b.threshold).padStart(9)}  ${f3(b.atThreshold.precision).padStart(9)}  ${f3(b.atThreshold.recall).padStart(6)}  ` +
      `${f3(b.atThreshold.f1)}  ${f3(b.auc).padStart(7)}  ${b.best ? `${f3(b.best.f1)} (${at(b, b.best.threshold)})` : "none"}`),
    ...(groups.length === 0 ? [] : [
      "per group: files (children) and how many each back-end calls child",
      ...groups.map((g, i) => `  ${g.group.padEnd(28)} ${String(g.files).padStart(4)} (${g.children})  ` + r.backends.map((b) => `${b.name.split(" ")[0]} ${b.perGroup[i]!.calledChild}`).join("  "))
    ]),
    "segments: every speech segment, labelled as its file, called child from the threshold",
    `${"back-end".padEnd(width)}  threshold  segments  precision  recall     F1  ROC AUC`,
    ...r.backends.map((b) => `${b.name.padEnd(width)}  ${at(b, b.threshold).padStart(9)}  ${String(b.segments.count).padStart(8)}  ${f3(b.segments.atThreshold.precision).padStart(9)}  ` +
      `${f3(b.segments.atThreshold.recall).padStart(6)}  ${f3(b.segments.atThreshold.f1)}  ${f3(b.segments.auc).padStart(7)}`),
    `sweep of ${primary!.name} (files by the same rule, segments counting from each threshold)`,
    "threshold  precision  recall     F1  accuracy   tp  fp  tn  fn",
    ...primary!.sweep.map((row) => sweepRow(row, row === primary!.best ? "  ← best F1" : ""))
  ].join("\n")
}

const ruleText = (rules: EvalResult["rules"]) =>
  `curate's child-speech rule (>= ${rules.minChildSpeechSeconds} s of child speech and >= ${(rules.minChildShare * 100).toFixed(0)} % of the speech; a segment counts from the threshold)`

const csvField = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)

/** Per-file scores of every back-end, one row a file, for a spreadsheet or a notebook. */
export const renderEvalCsv = (r: EvalResult): string => {
  const models = r.backends.filter((b) => b.unit === "probability").map((b) => b.name)
  const header = ["file", "child", "group", "speech_seconds", "median_f0_hz", "upper_band_share", ...models, ...models.map((m) => `${m} verdict`)]
  const rows = r.scored.map((f) => [f.path, f.child ? "yes" : "no", f.group ?? "", f.speechSeconds.toFixed(2), f.medianF0?.toFixed(1) ?? "", f.upperBandShare?.toExponential(2) ?? "", ...models.map((m) => f.scores[m]!.toFixed(4)),
    ...models.map((m) => f.verdicts[m]!.rule)])
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
A model calls a file child as a run accepts a video, by ${escapeHtml(ruleText(r.rules))}; the F0 rule when the speech's median F0 reaches its cut.
A file's score (ROC AUC, histogram) is the speech-weighted mean of its segments' child scores; the F0 rule's is the median F0.</p>
<p>At the model's threshold ${primary.threshold.toFixed(2)}: precision ${f3(m.precision)}, recall ${f3(m.recall)}, F1 ${f3(m.f1)}, ROC AUC ${f3(primary.auc)}.
${primary.best ? `Best F1 ${f3(primary.best.f1)} at ${primary.best.threshold.toFixed(2)}.` : ""}</p>
<h2>Back-ends side by side</h2>
<table>${row(["back-end", "threshold", "precision", "recall", "F1", "ROC AUC", "best F1", "at"], "th")}${r.backends.map((b) =>
    row([b.name, at(b, b.threshold), b.atThreshold.precision, b.atThreshold.recall, b.atThreshold.f1, b.auc, b.best?.f1 ?? 0, b.best ? at(b, b.best.threshold) : "-"])).join("")}</table>
<h2>Segments</h2>
<p>Every speech segment, labelled as its file, called child from the threshold (the F0 rule: the segment's median F0).</p>
<table>${row(["back-end", "threshold", "segments", "precision", "recall", "F1", "ROC AUC"], "th")}${r.backends.map((b) =>
    row([b.name, at(b, b.threshold), String(b.segments.count), b.segments.atThreshold.precision, b.segments.atThreshold.recall, b.segments.atThreshold.f1, b.segments.auc])).join("")}</table>
${primary.perGroup.length > 0 ? `<h2>Per group (files called child)</h2><table>${row(["group", "files", "children", ...r.backends.map((b) => b.name)], "th")}${primary.perGroup.map((g, i) =>
    row([g.group, String(g.files), String(g.children), ...r.backends.map((b) => String(b.perGroup[i]!.calledChild))])).join("")}</table>` : ""}
<p><span style="color:#4f81bd">■</span> labelled child <span style="color:#c0504d">■</span> labelled not child; dashed: threshold</p>
${scoreHistogramSvg(r.scored, primary.name, primary.threshold)}
<h2>Threshold sweep of ${escapeHtml(primary.name)}</h2>
<table>${row(["threshold", "precision", "recall", "F1", "accuracy"], "th")}${primary.sweep.map((s) => row([s.threshold.toFixed(2), s.precision, s.recall, s.f1, s.accuracy])).join("")}</table>
<h2>Files</h2>
<table>${row(["file", "label", "group", ...models.map((b) => b.name), ...models.map((b) => `${b.name} verdict`), "median F0", "speech s"], "th")}${r.scored.map((f) =>
    row([f.path, f.child ? "child" : "not child", f.group ?? "", ...models.map((b) => f.scores[b.name]!), ...models.map((b) => `${f.verdicts[b.name]!.rule}: ${f.verdicts[b.name]!.detail}`),
      f.medianF0 === null ? "-" : f.medianF0.toFixed(0), f.speechSeconds.toFixed(1)])).join("")}</table>
${r.failed.length > 0 ? `<h2>Failed</h2><table>${r.failed.map((f) => row([f.path, f.reason])).join("")}</table>` : ""}`)
}
