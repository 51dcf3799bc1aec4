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
