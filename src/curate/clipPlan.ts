import type { SpeechSegment } from "../domain/Analysis.js"
import type { ClipRules } from "../domain/Config.js"

export interface PlannedClip {
  readonly start: number
  readonly end: number
  /** Duration-weighted mean of the child scores of the speech inside. */
  readonly childScore: number
}

/**
 * Which stretches of a video become clips: child-speech segments, merged across short gaps while
 * the result stays within the maximum, long ones split evenly, short leftovers dropped.
 */
export const planClips = (segments: ReadonlyArray<SpeechSegment>, minChildScore: number, rules: ClipRules): ReadonlyArray<PlannedClip> => {
  const child = segments.filter((s) => s.childScore >= minChildScore).slice().sort((a, b) => a.start - b.start)
  const merged: Array<{ start: number; end: number; scoreSeconds: number; speechSeconds: number }> = []
  for (const s of child) {
    const last = merged.at(-1)
    const duration = s.end - s.start
    if (last && s.start - last.end <= rules.mergeGapSeconds && s.end - last.start <= rules.maxSeconds) {
      last.end = Math.max(last.end, s.end)
      last.scoreSeconds += s.childScore * duration
      last.speechSeconds += duration
    } else {
      merged.push({ start: s.start, end: s.end, scoreSeconds: s.childScore * duration, speechSeconds: duration })
    }
  }
  return merged.flatMap((m) => {
    const childScore = m.speechSeconds > 0 ? m.scoreSeconds / m.speechSeconds : 0
    const length = m.end - m.start
    const parts = Math.max(1, Math.ceil(length / rules.maxSeconds - 1e-9))
    return Array.from({ length: parts }, (_, i) => ({
      start: m.start + (length * i) / parts,
      end: m.start + (length * (i + 1)) / parts,
      childScore
    })).filter((clip) => clip.end - clip.start >= rules.minSeconds)
  })
}

/** A dataset folder name for a language: a BCP-47-like tag, or `unknown`. */
export const languageFolder = (language: string): string =>
  /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/.test(language) ? language : "unknown"

const millis = (seconds: number) => Math.round(seconds * 1000).toString().padStart(9, "0")

/** `<language>/<videoId>_<start ms>_<end ms>.wav`: readable, sortable, and safe whatever the title holds. */
export const clipFileName = (videoId: string, language: string, clip: PlannedClip) =>
  `${languageFolder(language)}/${videoId}_${millis(clip.start)}_${millis(clip.end)}.wav`

/** A clip cut on caption cues: the cues' text and the span of the cues themselves. */
export interface PlannedCaptionClip extends PlannedClip {
  readonly text: string
  readonly cueStart: number
  readonly cueEnd: number
}

/** Share of a cue that child speech must cover for the cue to become (part of) a clip. */
export const minCueChildCover = 0.5

/**
 * Clips on caption cues intersected with child speech. A cue counts when child-speech segments cover at least
 * half of it; it is trimmed to the speech inside it (never cut inside the cue, so no word of its text is lost);
 * neighbouring cues closer than the merge gap are joined while the clip stays within the maximum. A cue longer
 * than the maximum cannot be split without splitting its text, so it is left out, as are clips under the minimum.
 */
export const planCaptionClips = (
  cues: ReadonlyArray<{ readonly start: number; readonly end: number; readonly text: string }>,
  segments: ReadonlyArray<SpeechSegment>,
  minChildScore: number,
  rules: ClipRules
): ReadonlyArray<PlannedCaptionClip> => {
  const child = segments.filter((s) => s.childScore >= minChildScore)
  const pieces = cues.flatMap((cue) => {
    const inside = child
      .map((s) => ({ s, start: Math.max(cue.start, s.start), end: Math.min(cue.end, s.end) }))
      .filter((o) => o.end > o.start)
    const covered = inside.reduce((sum, o) => sum + (o.end - o.start), 0)
    if (inside.length === 0 || covered < minCueChildCover * (cue.end - cue.start)) return []
    return [{
      start: Math.min(...inside.map((o) => o.start)),
      end: Math.max(...inside.map((o) => o.end)),
      scoreSeconds: inside.reduce((sum, o) => sum + o.s.childScore * (o.end - o.start), 0),
      speechSeconds: covered,
      text: cue.text,
      cueStart: cue.start,
      cueEnd: cue.end
    }]
  })
  const merged: Array<(typeof pieces)[number]> = []
  for (const piece of [...pieces].sort((a, b) => a.start - b.start)) {
    const last = merged.at(-1)
    if (last && piece.start - last.end <= rules.mergeGapSeconds && piece.end - last.start <= rules.maxSeconds) {
      merged[merged.length - 1] = {
        ...last,
        end: Math.max(last.end, piece.end),
        scoreSeconds: last.scoreSeconds + piece.scoreSeconds,
        speechSeconds: last.speechSeconds + piece.speechSeconds,
        text: `${last.text} ${piece.text}`,
        cueEnd: Math.max(last.cueEnd, piece.cueEnd)
      }
    } else {
      merged.push(piece)
    }
  }
  return merged
    .filter((m) => m.end - m.start >= rules.minSeconds && m.end - m.start <= rules.maxSeconds + 1e-9)
    .map((m) => ({ start: m.start, end: m.end, childScore: m.scoreSeconds / m.speechSeconds, text: m.text, cueStart: m.cueStart, cueEnd: m.cueEnd }))
}

/**
 * The caption track that transcribes a video spoken in `language`: one in that language (or naming none, as a
 * sidecar may), the creator's before the automatic one. A track in another language is a translation, not a
 * transcript. When the language is unknown, any track will do.
 */
export const transcriptTrack = <T extends { readonly language: string | null; readonly source: "manual" | "auto" }>(
  tracks: ReadonlyArray<T>,
  language: string
): T | null => {
  const primary = (tag: string) => tag.toLowerCase().split(/[-_]/)[0]
  const fits = tracks.filter((t) => language === "unknown" || t.language === null || primary(t.language) === primary(language))
  return fits.find((t) => t.source === "manual") ?? fits[0] ?? null
}
