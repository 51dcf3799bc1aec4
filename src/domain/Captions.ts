import { Schema } from "effect"

/** Who wrote a clip's text: the creator's captions, the host's automatic ones, a local speech recogniser, or nobody. */
export const TextSource = Schema.Literal("manual", "auto", "asr", "none")
export type TextSource = typeof TextSource.Type

/** One caption cue: a stretch of time and what is said in it. */
export class CaptionCue extends Schema.Class<CaptionCue>("CaptionCue")({
  start: Schema.Number,
  end: Schema.Number,
  text: Schema.String
}) {}

/** One caption track of a video: its declared language (null when nothing declares one), who wrote it, its cues. */
export class CaptionTrack extends Schema.Class<CaptionTrack>("CaptionTrack")({
  language: Schema.NullOr(Schema.String),
  source: Schema.Literal("manual", "auto"),
  cues: Schema.Array(CaptionCue)
}) {}

export const CaptionTracks = Schema.Array(CaptionTrack)

/** What transcript a video must bring to be accepted (`--require-transcript`). */
export const TranscriptRequirement = Schema.Literal("manual", "any", "none")
export type TranscriptRequirement = typeof TranscriptRequirement.Type
