import { Schema } from "effect"
import { VideoId } from "./VideoId.js"

/** Where a video comes from decides how it is downloaded. */
export const SourceKind = Schema.Literal("youtube", "url", "local")
export type SourceKind = typeof SourceKind.Type

/** A video found by discovery, before it has a manifest row. */
export class Candidate extends Schema.Class<Candidate>("Candidate")({
  id: VideoId,
  kind: SourceKind,
  /** A URL for remote sources; an absolute path for local files. */
  sourceUrl: Schema.String,
  title: Schema.NullOr(Schema.String),
  channel: Schema.NullOr(Schema.String),
  declaredDurationSeconds: Schema.NullOr(Schema.Number)
}) {}
