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
  declaredDurationSeconds: Schema.NullOr(Schema.Number),
  /** What the host says about the video, kept for language detection (title + description + declared language). */
  description: Schema.optional(Schema.NullOr(Schema.String)),
  /** The host's declared language (YouTube's defaultAudioLanguage/defaultLanguage, yt-dlp's `language`). */
  declaredLanguage: Schema.optional(Schema.NullOr(Schema.String)),
  /** The YouTube channel that published it: an accepted video's channel is explored for more. */
  channelId: Schema.optional(Schema.NullOr(Schema.String)),
  /** For local files, the folder given as input (or the file's folder): the dataset names the file relative to it. */
  sourceRoot: Schema.optional(Schema.NullOr(Schema.String))
}) {}
