import { Context, type Stream } from "effect"
import type { Listing } from "./metadataFilter.js"
import type { YouTubeTarget } from "./youTubeTargets.js"
import type { YouTubeApiKeysExhausted, YouTubeApiRequestFailed, YouTubeApiUnavailable } from "./YouTubeDataApi.js"
import type { YtDlpListingFailed, YtDlpOutputInvalid } from "./YtDlpSearch.js"

export type YouTubeCatalogError =
  | YtDlpListingFailed
  | YtDlpOutputInvalid
  | YouTubeApiKeysExhausted
  | YouTubeApiUnavailable
  | YouTubeApiRequestFailed

export interface YouTubeCatalogApi {
  /** Which back-end answers, for logs and the summary. */
  readonly name: "yt-dlp" | "youtube-data-api"
  /**
   * At most `limit` videos a target lists, in the batches the back-end pages them in: each batch can be
   * recorded as it comes, so a failure on page five keeps the first four.
   */
  readonly list: (target: YouTubeTarget, limit: number) => Stream.Stream<ReadonlyArray<Listing>, YouTubeCatalogError>
}

/** Searches, channels and playlists on YouTube: yt-dlp (no key needed) or the Data API v3 (keys, quota). */
export class YouTubeCatalog extends Context.Tag("kidvoice/YouTubeCatalog")<YouTubeCatalog, YouTubeCatalogApi>() {}
