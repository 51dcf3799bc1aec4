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

/** Where a paged listing stands: the token of the next page to ask for, and how many videos it has listed so far. */
export interface ListingPosition {
  readonly pageToken: string
  readonly listed: number
}

/** One page of a listing, with where a listing stopped after it would go on from (`null`: the first page). */
export interface ListingPage {
  readonly listings: ReadonlyArray<Listing>
  readonly next: ListingPosition | null
  /** This was the last page: the target is listed (up to its limit). */
  readonly complete: boolean
}

export interface YouTubeCatalogApi {
  /** Which back-end answers, for logs and the summary. */
  readonly name: "yt-dlp" | "youtube-data-api"
  /**
   * At most `limit` videos a target lists, in the batches the back-end pages them in: each batch can be
   * recorded as it comes, so a failure on page five keeps the first four.
   */
  readonly list: (target: YouTubeTarget, limit: number) => Stream.Stream<ReadonlyArray<Listing>, YouTubeCatalogError>
  /**
   * The same listing page by page, starting at `from` (a position an earlier listing reached) or at the first page,
   * each page saying where the next starts: a listing stopped midway (its runner died) resumes at the next page
   * instead of spending quota on the pages it had. Only a back-end that pages by token has it (the Data API); yt-dlp
   * lists a target in one go.
   */
  readonly listPages?: (target: YouTubeTarget, limit: number, from: ListingPosition | null) => Stream.Stream<ListingPage, YouTubeCatalogError>
}

/** Searches, channels and playlists on YouTube: yt-dlp (no key needed) or the Data API v3 (keys, quota). */
export class YouTubeCatalog extends Context.Tag("kidvoice/YouTubeCatalog")<YouTubeCatalog, YouTubeCatalogApi>() {}
