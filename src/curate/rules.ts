import { type Analysis, narrowbandShare } from "../domain/Analysis.js"
import type { CurateRules } from "../domain/Config.js"

/**
 * The best transcript a video has: a creator's caption track, only an automatic one, a local speech recogniser's
 * (a Whisper model is installed; `any` accepts it, `manual` does not: a recogniser is no creator), or none.
 */
export type AvailableTranscript = "manual" | "auto" | "asr" | "none"

const meetsTranscript = (required: CurateRules["requireTranscript"], available: AvailableTranscript) =>
  required === "none" || (required === "any" ? available !== "none" : available === "manual")

export interface Verdict {
  readonly accepted: boolean
  /** The rule that decided, stable for counting: `accepted`, `too-short`, `no-speech`, ... */
  readonly rule: string
  /** The numbers behind it, for people. */
  readonly detail: string
}

const seconds = (value: number) => `${value.toFixed(1)} s`

/**
 * Why little or no speech counted as a child's, in numbers a user can act on: the best segment score against the
 * score a segment needs (a near miss suggests --min-child-score; a low one, an adult or a model that does not hear this
 * voice), and whether the audio is narrowband, where the shipped model is known to miss children (README).
 */
const scoreHint = (analysis: ChildSpeech, rules: Pick<CurateRules, "minChildScore">) => {
  if (analysis.segments.length === 0) return ""
  const best = analysis.segments.reduce((max, s) => Math.max(max, s.childScore), 0)
  const narrowband = analysis.upperBandShare != null && analysis.upperBandShare < narrowbandShare
    ? "; the audio has almost nothing above 4 kHz (stored at 8 kHz, as phone recordings are?), where the child-voice model finds few children"
    : ""
  return ` (best segment child score ${best.toFixed(2)}, a segment counts from ${rules.minChildScore}; ${analysis.segments.length} segment${analysis.segments.length === 1 ? "" : "s"}, ${analysis.classifier}${narrowband})`
}

/** Curate's verdict on one analyzed video. The first rule that rejects decides; the order is the order people check. */
export const decide = (analysis: Analysis, rules: CurateRules, transcript: AvailableTranscript = "none"): Verdict => {
  const reject = (rule: string, detail: string): Verdict => ({ accepted: false, rule, detail })
  if (analysis.durationSeconds < rules.minDurationSeconds) {
    return reject("too-short", `${seconds(analysis.durationSeconds)} of audio, below the ${seconds(rules.minDurationSeconds)} minimum`)
  }
  if (analysis.durationSeconds > rules.maxDurationSeconds) {
    return reject("too-long", `${seconds(analysis.durationSeconds)} of audio, above the ${seconds(rules.maxDurationSeconds)} maximum`)
  }
  if (analysis.speechSeconds === 0) return reject("no-speech", "voice activity detection found no speech")
  if (!meetsTranscript(rules.requireTranscript, transcript)) {
    const had = transcript === "none" ? "no captions" : transcript === "asr" ? "no captions (speech recognition only)" : "only automatic captions"
    return reject("transcript", `${had} in its language; --require-transcript ${rules.requireTranscript}`)
  }
  if (rules.allowedLanguages.length > 0 && !rules.allowedLanguages.includes(analysis.language)) {
    return reject("language", `language ${analysis.language} is not one of ${rules.allowedLanguages.join(", ")}`)
  }
  return childSpeechVerdict(analysis, rules)
}

/** What the child-speech rules read of an analysis (`kidvoice eval` passes recomputed ones to sweep the threshold). */
export type ChildSpeech = Pick<Analysis, "speechSeconds" | "childSpeechSeconds" | "childShare" | "segments" | "classifier"> & {
  readonly upperBandShare?: number | null
}

/** The per-video child-speech part of curate's verdict: the decision `kidvoice eval` reports a labelled file by. */
export const childSpeechVerdict = (analysis: ChildSpeech, rules: Pick<CurateRules, "minChildSpeechSeconds" | "minChildShare" | "minChildScore">): Verdict => {
  const reject = (rule: string, detail: string): Verdict => ({ accepted: false, rule, detail })
  if (analysis.speechSeconds === 0) return reject("no-speech", "voice activity detection found no speech")
  // Per video, two conditions together: enough child speech (a few stray child-scored segments of an adult alone
  // stay under it) and a share of the speech that a parent talking beside the child does not push under the floor.
  if (analysis.childSpeechSeconds < rules.minChildSpeechSeconds) {
    return reject("child-speech-seconds", `${seconds(analysis.childSpeechSeconds)} of child speech, below the ${seconds(rules.minChildSpeechSeconds)} minimum${scoreHint(analysis, rules)}`)
  }
  if (analysis.childShare < rules.minChildShare) {
    return reject("child-share", `${(analysis.childShare * 100).toFixed(1)} % of the speech is a child's, below ${(rules.minChildShare * 100).toFixed(1)} %`)
  }
  return {
    accepted: true,
    rule: "accepted",
    detail: `${seconds(analysis.childSpeechSeconds)} of child speech (${(analysis.childShare * 100).toFixed(0)} % of ${seconds(analysis.speechSeconds)} speech)`
  }
}
