import type { DatasetClip } from "../domain/Analysis.js"
import type { ClipRules, CurateRules } from "../domain/Config.js"

export interface DatasetSummary {
  readonly clips: number
  readonly seconds: number
  readonly videos: number
  readonly byLanguage: Record<string, { clips: number; seconds: number }>
  /** Videos and clips per licence as the host reported it (`unknown` when it did not). */
  readonly byLicence: Record<string, { videos: number; clips: number }>
  readonly scoreHistogram: ReadonlyArray<number>
}

export const scoreBins = 10

/** Folds clips page by page into a summary; the video sets are the only state that grows with the dataset. */
export const summaryBuilder = () => {
  const byLanguage: Record<string, { clips: number; seconds: number }> = {}
  const licenceVideos = new Map<string, Set<string>>()
  const licenceClips: Record<string, number> = {}
  const videos = new Set<string>()
  const scoreHistogram = Array.from({ length: scoreBins }, () => 0)
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
      }
    },
    result: (): DatasetSummary => ({
      clips,
      seconds,
      videos: videos.size,
      byLanguage,
      byLicence: Object.fromEntries([...licenceVideos].map(([licence, ids]) => [licence, { videos: ids.size, clips: licenceClips[licence]! }])),
      scoreHistogram
    })
  }
}

const hours = (seconds: number) => (seconds / 3600).toFixed(3)

/** The dataset's README: what is in it, how it was selected, where it came from, how to load it. */
export const renderDatasetCard = (
  summary: DatasetSummary,
  selection: { readonly rules: CurateRules; readonly clips: ClipRules; readonly classifier: string },
  producedBy: string
): string => {
  const languages = Object.entries(summary.byLanguage).sort(([a], [b]) => a.localeCompare(b))
  const licences = Object.entries(summary.byLicence).sort(([a], [b]) => a.localeCompare(b))
  const { rules, clips } = selection
  return [
    "---",
    "task_categories:",
    "- automatic-speech-recognition",
    "- text-to-speech",
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
    `${summary.clips} clips, ${hours(summary.seconds)} hours, from ${summary.videos} videos, made by:`,
    "",
    "```",
    producedBy,
    "```",
    "",
    "## Languages",
    "",
    "| language | clips | hours |",
    "|---|---:|---:|",
    ...languages.map(([language, l]) => `| ${language} | ${l.clips} | ${hours(l.seconds)} |`),
    "",
    "## How the clips were selected",
    "",
    `- Speech found by Silero VAD; each speech segment scored for a child's voice by \`${selection.classifier}\`.`,
    `- A segment counts as a child's from a score of ${rules.minChildScore}.`,
    `- A video is kept with at least ${rules.minChildSpeechSeconds} s of child speech making up at least ${rules.minChildShare * 100} % of its speech, ` +
      `a length between ${rules.minDurationSeconds} s and ${rules.maxDurationSeconds} s` +
      (rules.allowedLanguages.length > 0 ? `, and a language among ${rules.allowedLanguages.join(", ")}.` : ", in any language."),
    `- Child speech closer than ${clips.mergeGapSeconds} s is joined; clips are ${clips.minSeconds}-${clips.maxSeconds} s.`,
    "",
    "Child-score histogram of the clips (0 to 1, ten bins):",
    "",
    "| score | " + summary.scoreHistogram.map((_, i) => `${(i / scoreBins).toFixed(1)}`).join(" | ") + " |",
    "|---|" + summary.scoreHistogram.map(() => "---:").join("|") + "|",
    "| clips | " + summary.scoreHistogram.join(" | ") + " |",
    "",
    "## Sources and licences",
    "",
    "Licences as the video host reported them; `unknown` means it reported none (local files, most web media).",
    "Check each source's terms before redistributing. Every clip's source URL is in `metadata.jsonl`.",
    "",
    "| licence | videos | clips |",
    "|---|---:|---:|",
    ...licences.map(([licence, l]) => `| ${licence.replace(/\|/g, "\\|")} | ${l.videos} | ${l.clips} |`),
    "",
    "## Loading",
    "",
    "```python",
    "from datasets import load_dataset",
    'ds = load_dataset("audiofolder", data_dir="path/to/this/folder")',
    "```",
    "",
    "`metadata.jsonl` has one line per clip: `file_name`, `video_id`, `source_url`, `start`, `end`, `duration`,",
    "`child_score`, `language`. Transcripts are not included.",
    ""
  ].join("\n")
}
