import { Schema } from "effect"
import { TextSource } from "./Captions.js"

/** One stretch of speech found by voice activity detection, with what the child-voice classifier made of it. */
export class SpeechSegment extends Schema.Class<SpeechSegment>("SpeechSegment")({
  start: Schema.Number,
  end: Schema.Number,
  /** Probability that the voice in this segment is a child's. */
  childScore: Schema.Number,
  /** Median fundamental frequency of the voiced frames, Hz; null when nothing was voiced. */
  medianF0: Schema.NullOr(Schema.Number)
}) {}

export class Analysis extends Schema.Class<Analysis>("Analysis")({
  durationSeconds: Schema.Number,
  speechSeconds: Schema.Number,
  childSpeechSeconds: Schema.Number,
  /** Child speech as a share of all speech, 0 when there is no speech. */
  childShare: Schema.Number,
  language: Schema.String,
  languageConfidence: Schema.Number,
  languageSource: Schema.String,
  classifier: Schema.String,
  segments: Schema.Array(SpeechSegment),
  /**
   * Share of the speech's energy above 4.2 kHz; near 0 when the audio was stored at 8 kHz (phone recordings,
   * narrowband uploads), where the child-voice model finds few children. Null without speech, and in analyses
   * recorded before it was measured.
   */
  upperBandShare: Schema.optionalWith(Schema.NullOr(Schema.Number), { default: () => null })
}) {}

/**
 * Below this upper-band share the audio carries nothing above 4 kHz: an 8 kHz recording, whatever its container
 * says. Measured on the detector's corpus: 8 kHz copies (plain, mu-law, telephone band) 1e-8 to 1.1e-5 (70 files),
 * wideband speech 3e-4 to 0.27 (a man under a music bed lowest), codec2's 8 kHz recordings 1e-6.
 */
export const narrowbandShare = 1e-4

/**
 * A recording's speech and child speech when segments count as a child's from `threshold`: what the analyzer
 * reports at its `minChildScore`, and what `kidvoice eval` recomputes to sweep the threshold without analysing again.
 */
export const childSpeechAt = <S extends { readonly start: number; readonly end: number; readonly childScore: number }>(segments: ReadonlyArray<S>, threshold: number) => {
  const speechSeconds = segments.reduce((sum, s) => sum + (s.end - s.start), 0)
  const childSpeechSeconds = segments.filter((s) => s.childScore >= threshold).reduce((sum, s) => sum + (s.end - s.start), 0)
  return { speechSeconds, childSpeechSeconds, childShare: speechSeconds > 0 ? childSpeechSeconds / speechSeconds : 0, segments }
}

/** A clip as the dataset lists it: the clip and where it came from. */
export class DatasetClip extends Schema.Class<DatasetClip>("DatasetClip")({
  fileName: Schema.String,
  start: Schema.Number,
  end: Schema.Number,
  childScore: Schema.Number,
  language: Schema.String,
  videoId: Schema.String,
  sourceUrl: Schema.String,
  title: Schema.NullOr(Schema.String),
  licence: Schema.NullOr(Schema.String),
  text: Schema.String,
  textSource: TextSource,
  /** The caption cues the clip was cut on (first start, last end); null for a clip without captions. */
  cueStart: Schema.NullOr(Schema.Number),
  cueEnd: Schema.NullOr(Schema.Number),
  /** The speech recogniser that wrote `text` (text source `asr`), else null. */
  textModel: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  /** Why the recogniser could not transcribe this clip (`Tag: message`), else null. */
  textError: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  kind: Schema.String,
  /** The host's channel id, else its channel name; null for local files (the dataset then uses the source folder). */
  channelId: Schema.NullOr(Schema.String),
  channel: Schema.NullOr(Schema.String),
  sourceRoot: Schema.NullOr(Schema.String),
  /** The rules the video was accepted under (JSON), null for clips cut before they were recorded. */
  acceptedUnder: Schema.NullOr(Schema.String)
}) {}

/** A piece of accepted speech cut into the dataset. */
export class Clip extends Schema.Class<Clip>("Clip")({
  /** Relative to the dataset folder, e.g. `unknown/local-0123456789abcdef_000012340_000018000.wav`. */
  fileName: Schema.String,
  start: Schema.Number,
  end: Schema.Number,
  childScore: Schema.Number,
  language: Schema.String,
  text: Schema.optionalWith(Schema.String, { default: () => "" }),
  textSource: Schema.optionalWith(TextSource, { default: () => "none" as const }),
  cueStart: Schema.optionalWith(Schema.NullOr(Schema.Number), { default: () => null }),
  cueEnd: Schema.optionalWith(Schema.NullOr(Schema.Number), { default: () => null }),
  textModel: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  textError: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })
}) {}
