import { Schema } from "effect"
import { Analysis } from "./Analysis.js"
import { CaptionTracks } from "./Captions.js"
import { SourceKind } from "./Candidate.js"
import { ClaimingStage, VideoState } from "./VideoState.js"
import { VideoId } from "./VideoId.js"

/** One video in the manifest, as the store returns it. Times are epoch milliseconds. */
export class ManifestRow extends Schema.Class<ManifestRow>("ManifestRow")({
  id: VideoId,
  kind: SourceKind,
  sourceUrl: Schema.String,
  title: Schema.NullOr(Schema.String),
  channel: Schema.NullOr(Schema.String),
  declaredDurationSeconds: Schema.NullOr(Schema.Number),
  measuredDurationSeconds: Schema.NullOr(Schema.Number),
  state: VideoState,
  failedStage: Schema.NullOr(ClaimingStage),
  attempts: Schema.Number,
  lastErrorTag: Schema.NullOr(Schema.String),
  lastErrorMessage: Schema.NullOr(Schema.String),
  nextRetryAt: Schema.NullOr(Schema.Number),
  claimedBy: Schema.NullOr(Schema.String),
  claimedAt: Schema.NullOr(Schema.Number),
  audioPath: Schema.NullOr(Schema.String),
  analysis: Schema.NullOr(Schema.parseJson(Analysis)),
  speechSeconds: Schema.NullOr(Schema.Number),
  childSpeechSeconds: Schema.NullOr(Schema.Number),
  childShare: Schema.NullOr(Schema.Number),
  language: Schema.NullOr(Schema.String),
  languageConfidence: Schema.NullOr(Schema.Number),
  decisionRule: Schema.NullOr(Schema.String),
  decisionDetail: Schema.NullOr(Schema.String),
  licence: Schema.NullOr(Schema.String),
  description: Schema.optional(Schema.NullOr(Schema.String)),
  declaredLanguage: Schema.optional(Schema.NullOr(Schema.String)),
  channelId: Schema.optional(Schema.NullOr(Schema.String)),
  captions: Schema.optional(Schema.NullOr(Schema.parseJson(CaptionTracks))),
  sourceRoot: Schema.optional(Schema.NullOr(Schema.String)),
  acceptedUnder: Schema.optional(Schema.NullOr(Schema.String)),
  /** The machine whose --out holds the audio (a cluster runner's node name); null: any process of this --out. */
  audioHost: Schema.optional(Schema.NullOr(Schema.String)),
  createdAt: Schema.Number,
  updatedAt: Schema.Number
}) {}
