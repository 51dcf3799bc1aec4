import type { DatasetClip } from "../domain/Analysis.js"
import { basename, isAbsolute, relative } from "node:path"

export interface DatasetSummary {
  readonly clips: number
  readonly seconds: number
  readonly videos: number
  readonly byLanguage: Record<string, { clips: number; seconds: number }>
  /** Videos and clips per licence as the host reported it (`unknown` when it did not). */
  readonly byLicence: Record<string, { videos: number; clips: number }>
  readonly scoreHistogram: ReadonlyArray<number>
  /** Clips per text source (`manual`, `auto`, `asr`, `none`). */
  readonly byTextSource: Record<string, number>
  /** Clips per speech recogniser that wrote their text (text source `asr`). */
  readonly byTextModel: Record<string, number>
  /** Clips the recogniser failed on (they have no text). */
  readonly textErrors: number
  /** Clips per rule set they were accepted under (the JSON Curator recorded; `null` for clips cut before it did). */
  readonly byRules: Record<string, number>
}

export const scoreBins = 10

/** Folds clips page by page into a summary; the video sets are the only state that grows with the dataset. */
export const summaryBuilder = () => {
  const byLanguage: Record<string, { clips: number; seconds: number }> = {}
  const licenceVideos = new Map<string, Set<string>>()
  const licenceClips: Record<string, number> = {}
  const videos = new Set<string>()
  const scoreHistogram = Array.from({ length: scoreBins }, () => 0)
  const byTextSource: Record<string, number> = {}
  const byTextModel: Record<string, number> = {}
  let textErrors = 0
  const byRules: Record<string, number> = {}
  let clips = 0
  let seconds = 0
  return {
    add: (page: ReadonlyArray<DatasetClip>) => {
      for (const clip of page) {
        const duration = clip.end - clip.start
        clips++
        seconds += duration
        videos.add(clip.videoId)
        const language = (byLanguage[clip.language] ??= { clips: 0, seconds: 0 })
        language.clips++
        language.seconds += duration
        const licence = clip.licence ?? "unknown"
        if (!licenceVideos.has(licence)) licenceVideos.set(licence, new Set())
        licenceVideos.get(licence)!.add(clip.videoId)
        licenceClips[licence] = (licenceClips[licence] ?? 0) + 1
        scoreHistogram[Math.min(scoreBins - 1, Math.floor(clip.childScore * scoreBins))]!++
        byTextSource[clip.textSource] = (byTextSource[clip.textSource] ?? 0) + 1
        if (clip.textSource === "asr" && clip.textModel !== null) byTextModel[clip.textModel] = (byTextModel[clip.textModel] ?? 0) + 1
        if (clip.textError !== null) textErrors++
        const rules = clip.acceptedUnder ?? "null"
        byRules[rules] = (byRules[rules] ?? 0) + 1
      }
    },
    result: (): DatasetSummary => ({
      clips,
      seconds,
      videos: videos.size,
      byLanguage,
      byLicence: Object.fromEntries([...licenceVideos].map(([licence, ids]) => [licence, { videos: ids.size, clips: licenceClips[licence]! }])),
      scoreHistogram,
      byTextSource,
      byTextModel,
      textErrors,
      byRules
    })
  }
}

/** Which recogniser wrote the `asr` texts, and that they are machine output: for a user deciding what to train on. */
const asrLines = (summary: DatasetSummary): ReadonlyArray<string> => {
  const models = Object.entries(summary.byTextModel).sort(([a], [b]) => a.localeCompare(b))
  return [
    ...(models.length === 0 ? [] : [
      "`asr` texts are machine transcriptions of clips without captions (Whisper, greedy decoding), not checked by a",
      "person; the `text_model` column names the model of each. Filter on `text_source` to train on captions only.",
      "",
      "| speech recogniser | clips |",
      "|---|---:|",
      ...models.map(([model, n]) => `| ${model} | ${n} |`),
      ""
    ]),
    ...(summary.textErrors > 0 ? [`The recogniser failed on ${summary.textErrors} clips; they have no text (\`text_source: none\`).`, ""] : [])
  ]
}

const hours = (seconds: number) => (seconds / 3600).toFixed(3)

/** The rules a clip's video was accepted under, as Curator records them. */
export interface AcceptedRules {
  readonly classifier: string
  readonly minChildScore: number
  readonly minChildSpeechSeconds: number
  readonly minChildShare: number
  readonly minDurationSeconds: number
  readonly maxDurationSeconds: number
  readonly allowedLanguages: ReadonlyArray<string>
  readonly requireTranscript: "manual" | "any" | "none"
  readonly clipMinSeconds: number
  readonly clipMaxSeconds: number
  readonly clipMergeGapSeconds: number
}

const transcriptStrength = { none: 0, any: 1, manual: 2 } as const

/**
 * What every clip met: the weakest value of each rule over the rule sets the clips were accepted under. A later,
 * stricter run adds a stricter set; the card still only claims what the oldest, loosest clips met.
 */
export const weakestRules = (sets: ReadonlyArray<AcceptedRules>): AcceptedRules | null =>
  sets.length === 0 ? null : sets.reduce((a, b) => ({
    classifier: a.classifier === b.classifier ? a.classifier : `${a.classifier}, ${b.classifier}`,
    minChildScore: Math.min(a.minChildScore, b.minChildScore),
    minChildSpeechSeconds: Math.min(a.minChildSpeechSeconds, b.minChildSpeechSeconds),
    minChildShare: Math.min(a.minChildShare, b.minChildShare),
    minDurationSeconds: Math.min(a.minDurationSeconds, b.minDurationSeconds),
    maxDurationSeconds: Math.max(a.maxDurationSeconds, b.maxDurationSeconds),
    allowedLanguages: a.allowedLanguages.length === 0 || b.allowedLanguages.length === 0
      ? []
      : [...new Set([...a.allowedLanguages, ...b.allowedLanguages])].sort(),
    requireTranscript: transcriptStrength[a.requireTranscript] <= transcriptStrength[b.requireTranscript] ? a.requireTranscript : b.requireTranscript,
    clipMinSeconds: Math.min(a.clipMinSeconds, b.clipMinSeconds),
    clipMaxSeconds: Math.max(a.clipMaxSeconds, b.clipMaxSeconds),
    clipMergeGapSeconds: Math.max(a.clipMergeGapSeconds, b.clipMergeGapSeconds)
  }))

/** Hugging Face licence ids for what hosts report; YouTube's Creative Commons option is CC BY 3.0. */
export const hubLicence = (reported: string): string | null =>
  /creative commons attribution/i.test(reported) ? "cc-by-3.0" : /^cc0|public domain/i.test(reported) ? "cc0-1.0" : null

/** The card's `license`: the one licence every clip shares, when the hub has an id for it; else `other`. */
export const cardLicence = (licences: ReadonlyArray<string>): string => {
  const ids = new Set(licences.map((l) => hubLicence(l)))
  return ids.size === 1 && !ids.has(null) ? [...ids][0]! : "other"
}

/** The hub's size bins. */
export const sizeCategory = (clips: number): string => {
  const bins: ReadonlyArray<readonly [number, string]> = [
    [1e3, "n<1K"], [1e4, "1K<n<10K"], [1e5, "10K<n<100K"], [1e6, "100K<n<1M"], [1e7, "1M<n<10M"], [1e8, "10M<n<100M"]
  ]
  return bins.find(([limit]) => clips < limit)?.[1] ?? "100M<n<1B"
}

/**
 * A command line without this machine's folders: an absolute path under the working directory becomes relative
 * to it, any other becomes its last part. The card travels with the dataset; the paths would not.
 */
export const portableCommandLine = (args: ReadonlyArray<string>, cwd: string): string =>
  args.map((arg) => {
    const eq = arg.match(/^(--[^=]+=)(.*)$/)
    const [prefix, value] = eq ? [eq[1]!, eq[2]!] : ["", arg]
    if (!isAbsolute(value)) return arg
    const inside = relative(cwd, value)
    return prefix + (inside === "" ? "." : !inside.startsWith("..") && !isAbsolute(inside) ? inside : basename(value))
  }).join(" ")

const yamlString = (text: string) => JSON.stringify(text)

const ruleLines = (rules: AcceptedRules): ReadonlyArray<string> => [
  `- Speech found by Silero VAD; each speech segment scored for a child's voice by \`${rules.classifier}\`.`,
  `- A segment counts as a child's from a score of ${rules.minChildScore}.`,
  `- A video is kept with at least ${rules.minChildSpeechSeconds} s of child speech making up at least ${rules.minChildShare * 100} % of its speech, ` +
    `a length between ${rules.minDurationSeconds} s and ${rules.maxDurationSeconds} s` +
    (rules.allowedLanguages.length > 0 ? `, a language among ${rules.allowedLanguages.join(", ")}` : ", in any language") +
    (rules.requireTranscript === "none" ? "." : rules.requireTranscript === "any" ? ", and captions (automatic ones count)." : ", and the creator's captions."),
  `- Child speech closer than ${rules.clipMergeGapSeconds} s is joined; clips are ${rules.clipMinSeconds}-${rules.clipMaxSeconds} s. ` +
    "With captions, clips follow the caption cues that child speech covers at least half of, and carry their text."
]

/** The dataset's README: what is in it, how it was selected, where it came from, how to load it. */
export const renderDatasetCard = (summary: DatasetSummary, producedBy: string, columns: ReadonlyArray<readonly [string, string]>): string => {
  const languages = Object.entries(summary.byLanguage).sort(([a], [b]) => a.localeCompare(b))
  const licences = Object.entries(summary.byLicence).sort(([a], [b]) => a.localeCompare(b))
  const licence = cardLicence(licences.map(([l]) => l))
  const isoLanguages = languages.map(([l]) => l).filter((l) => /^[a-z]{2}$/.test(l))
  const withText = summary.clips - (summary.byTextSource["none"] ?? 0)
  const ruleSets = Object.entries(summary.byRules).filter(([json]) => json !== "null").map(([json, clips]) => ({ rules: JSON.parse(json) as AcceptedRules, clips }))
  const unrecorded = summary.byRules["null"] ?? 0
  const weakest = weakestRules(ruleSets.map((r) => r.rules))
  return [
    "---",
    `pretty_name: ${yamlString("Children's speech clips (kidvoice)")}`,
    `license: ${licence}`,
    ...(isoLanguages.length > 0 ? ["language:", ...isoLanguages.map((l) => `- ${l}`)] : []),
    "size_categories:",
    `- ${sizeCategory(summary.clips)}`,
    // Transcription and speech synthesis need text: claimed only when clips carry some.
    ...(withText > 0 ? ["task_categories:", "- automatic-speech-recognition", "- text-to-speech"] : []),
    "tags:",
    "- children-speech",
    // Language folders are for people; with metadata.jsonl at the root they must not become class labels.
    "configs:",
    "- config_name: default",
    "  drop_labels: true",
    "---",
    "",
    "# Children's speech clips (kidvoice)",
    "",
    // No timestamp: the same manifest gives the same card, so re-running curate changes nothing.
    `${summary.clips} clips, ${hours(summary.seconds)} hours, from ${summary.videos} videos; ${withText} clips have text. Made by:`,
    "",
    "```",
    producedBy,
    "```",
    "",
    "## Languages",
    "",
    "Each video's language comes from evidence: the audio model when installed, a caption track's language, the",
    "host's declared language, or a text language identifier on captions, title and description (never a file name).",
    "",
    "| language | clips | hours |",
    "|---|---:|---:|",
    ...languages.map(([language, l]) => `| ${language} | ${l.clips} | ${hours(l.seconds)} |`),
    "",
    "## Transcripts",
    "",
    "`text_source` says who wrote a clip's `text`: `manual` (the creator's captions or a sidecar file), `auto` (the",
    "host's automatic captions), `asr` (a local speech recogniser), `none` (no text; `text` is empty).",
    "",
    "| text source | clips |",
    "|---|---:|",
    ...Object.entries(summary.byTextSource).sort(([a], [b]) => a.localeCompare(b)).map(([source, n]) => `| ${source} | ${n} |`),
    "",
    ...asrLines(summary),
    "## How the clips were selected",
    "",
    ...(weakest === null ? [] : [
      ruleSets.length > 1
        ? `Clips were accepted under ${ruleSets.length} rule sets (later runs with other settings); every clip met at least:`
        : "Every clip met these rules:",
      "",
      ...ruleLines(weakest),
      ""
    ]),
    ...(unrecorded > 0 ? [`${unrecorded} clips were cut before kidvoice recorded the rules they met; no rule is claimed for them.`, ""] : []),
    "Child-score histogram of the clips (0 to 1, ten bins):",
    "",
    "| score | " + summary.scoreHistogram.map((_, i) => `${(i / scoreBins).toFixed(1)}`).join(" | ") + " |",
    "|---|" + summary.scoreHistogram.map(() => "---:").join("|") + "|",
    "| clips | " + summary.scoreHistogram.join(" | ") + " |",
    "",
    "## Sources and licences",
    "",
    "Licences as the video host reported them; `unknown` means it reported none (local files, most web media).",
    ...(licence === "other"
      ? ["The clips' licences are mixed or unknown, so the card says `license: other`: each clip's own is its `licence` column."]
      : []),
    "Check each source's terms before redistributing. Every clip's source (a URL, or a path relative to the input",
    "folder) is in `metadata.jsonl`.",
    "",
    "| licence | videos | clips |",
    "|---|---:|---:|",
    ...licences.map(([name, l]) => `| ${name.replace(/\|/g, "\\|")} | ${l.videos} | ${l.clips} |`),
    "",
    "## Splits",
    "",
    "`split` (train / validation / test, about 80 / 10 / 10 by channel) is a hash of `speaker_id`: the channel, or",
    "a local file's folder. No channel is in two splits, and a channel keeps its split as the dataset grows.",
    "",
    "## Loading",
    "",
    "Needs `pip install datasets soundfile`. Without `torchcodec`, `datasets` can neither decode nor encode audio,",
    "so the audio stays a path (`file_name`) and soundfile reads it; with `torchcodec` installed,",
    "`load_dataset(\"audiofolder\", data_dir=...)` alone gives a decoded `audio` column.",
    "",
    "```python",
    "import os",
    "import soundfile",
    "from datasets import Features, Value, load_dataset",
    "",
    'data_dir = "path/to/this/folder"',
    "features = Features({",
    ...columns.map(([name, dtype]) => `    ${JSON.stringify(name)}: Value(${JSON.stringify(dtype)}),`),
    "})",
    'ds = load_dataset("audiofolder", data_dir=data_dir, features=features)["train"]',
    'train = ds.filter(lambda clip: clip["split"] == "train")',
    'samples, rate = soundfile.read(os.path.join(data_dir, ds[0]["file_name"]))',
    "```",
    "",
    "`metadata.jsonl` has one line per clip: " + columns.map(([name]) => `\`${name}\``).join(", ") + ".",
    ""
  ].join("\n")
}
