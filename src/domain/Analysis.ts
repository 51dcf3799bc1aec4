import { Schema } from "effect"

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
  segments: Schema.Array(SpeechSegment)
}) {}

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
  licence: Schema.NullOr(Schema.String)
}) {}

/** A piece of accepted speech cut into the dataset. */
export class Clip extends Schema.Class<Clip>("Clip")({
  /** Relative to the dataset folder, e.g. `unknown/local-0123456789abcdef_000012340_000018000.wav`. */
  fileName: Schema.String,
  start: Schema.Number,
  end: Schema.Number,
  childScore: Schema.Number,
  language: Schema.String
}) {}
