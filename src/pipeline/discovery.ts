import { Data, Effect, Stream } from "effect"
import type { KidvoiceConfig } from "../domain/Config.js"
import type { SkippedCandidate } from "../manifest/Manifest.js"
import { Manifest } from "../manifest/Manifest.js"
import { type DurationBounds, filterListing, type FilterReason, type Listing } from "../source/metadataFilter.js"
import { Source } from "../source/Source.js"
import type { ListingPage, ListingPosition } from "../source/YouTubeCatalog.js"
import { channelById, describeTarget, YouTubeTarget } from "../source/youTubeTargets.js"

/** What to discover: inputs (folders, files, URL lists, channel or playlist URLs) and YouTube searches. */
export interface DiscoveryRequest {
  readonly inputs: ReadonlyArray<string>
  readonly queries: ReadonlyArray<string>
}

export interface DiscoverySummary {
  /** New rows waiting for download. */
  added: number
  /** New rows recorded as skipped by the metadata filter (too short or long, not public). */
  skipped: number
  /** Already in the manifest before this run, left as they were. */
  known: number
  /** Met earlier in this run (two searches, or two pages, listing the same video). */
  duplicates: number
  /** Live now or upcoming: not recorded, so a later discovery finds them once they are ordinary videos. */
  notYet: number
  /** Channels of accepted videos mined for more. */
  channelsExplored: number
  /** Searches, channels or playlists that could not be listed; each is logged with its cause. */
  failed: number
}

export interface SortedBatch {
  readonly candidates: ReadonlyArray<Listing["candidate"]>
  readonly skipped: ReadonlyArray<SkippedCandidate>
  readonly notYet: ReadonlyArray<{ readonly listing: Listing; readonly reason: FilterReason }>
  readonly duplicates: number
  /** Ids this batch saw first, to add to the run's `seen`. */
  readonly newIds: ReadonlyArray<string>
}

/**
 * One batch of listings split by what becomes of them: duplicates of this run dropped, the metadata filter applied,
 * so nothing that will not be fetched reaches the download queue. Pure.
 */
export const sortBatch = (listings: ReadonlyArray<Listing>, seen: ReadonlySet<string>, bounds: DurationBounds): SortedBatch => {
  const fresh = new Set<string>()
  const candidates: Array<Listing["candidate"]> = []
  const skipped: Array<SkippedCandidate> = []
  const notYet: Array<{ listing: Listing; reason: FilterReason }> = []
  let duplicates = 0
  for (const listing of listings) {
    const id = listing.candidate.id
    if (seen.has(id) || fresh.has(id)) {
      duplicates++
      continue
    }
    fresh.add(id)
    const reason = filterListing(listing, bounds)
    if (reason === null) candidates.push(listing.candidate)
    else if (reason.permanent) skipped.push({ candidate: listing.candidate, reason: { tag: reason.tag, message: reason.message } })
    else notYet.push({ listing, reason })
  }
  return { candidates, skipped, notYet, duplicates, newIds: [...fresh] }
}

/**
 * Where each paged listing stands, kept beyond the process (the cluster keeps them in its database): a listing
 * interrupted midway (its runner died) resumes at the page after the last one recorded, wherever it runs next,
 * instead of listing, and paying quota for, the pages it had.
 */
export interface ListingBookmarks {
  /** Where the listing of a target (by `listingKey`) stopped, `"complete"` once listed to its end, null if never begun. */
  readonly load: (key: string) => Effect.Effect<ListingPosition | "complete" | null, ListingBookmarksError>
  /** Called after a page's findings are recorded. */
  readonly save: (key: string, at: ListingPosition | "complete") => Effect.Effect<void, ListingBookmarksError>
}

/** The bookmarks could not be read or written (their database went away): the discovery stops, to be run again. */
export class ListingBookmarksError extends Data.TaggedError("ListingBookmarksError")<{ readonly key: string; readonly cause: unknown }> {
  override get message() {
    return `could not read or record where the listing of ${this.key} stands: ${String((this.cause as Error)?.message ?? this.cause)}`
  }
}

/** A target's name among bookmarks: the same search, channel or playlist has the same key on every runner. Pure. */
export const listingKey = (target: YouTubeTarget): string =>
  YouTubeTarget.$match(target, {
    Search: ({ query }) => `search:${query}`,
    Channel: ({ channelId, handle, legacyName, url }) => `channel:${channelId ?? handle ?? legacyName ?? url}`,
    Playlist: ({ playlistId }) => `playlist:${playlistId}`
  })

/** Most candidates of one input recorded in one transaction. */
export const discoveryBatchSize = 2000

/**
 * Finds candidates in every input, search and queued channel and records them, one transaction per batch (a URL
 * list, a page of results), so an interrupted discovery keeps what it had found. A search, channel or playlist that
 * cannot be listed is logged and counted, and the others go on.
 */
export const discover = (request: DiscoveryRequest, config: KidvoiceConfig, bookmarks?: ListingBookmarks) =>
  Effect.gen(function* () {
    const source = yield* Source
    const manifest = yield* Manifest
    const bounds: DurationBounds = { minSeconds: config.rules.minDurationSeconds, maxSeconds: config.rules.maxDurationSeconds }
    const seen = new Set<string>()
    const summary: DiscoverySummary = { added: 0, skipped: 0, known: 0, duplicates: 0, notYet: 0, channelsExplored: 0, failed: 0 }

    const record = (listings: ReadonlyArray<Listing>) =>
      Effect.gen(function* () {
        const batch = sortBatch(listings, seen, bounds)
        for (const { listing, reason } of batch.notYet) yield* Effect.logInfo(`not yet: ${listing.candidate.id} ${reason.message}`)
        const recorded = yield* manifest.recordDiscovery(batch.candidates, batch.skipped)
        // Marked seen only once recorded: a batch that failed to commit is not counted as found.
        for (const id of batch.newIds) seen.add(id)
        summary.added += recorded.added
        summary.skipped += recorded.skipped
        summary.known += recorded.known
        summary.duplicates += batch.duplicates
        summary.notYet += batch.notYet.length
        return listings.length
      })

    const failed = (where: string) => (error: { readonly message: string }) =>
      Effect.logError(`${where}: ${error.message}`).pipe(Effect.tap(() => { summary.failed++ }), Effect.as(null))

    /** Records a page, then (with bookmarks) where the listing goes on from: a page is never marked before it is recorded. */
    const recordPage = (key: string) => (count: number, page: ListingPage) =>
      Effect.gen(function* () {
        const listed = page.listings.length === 0 ? 0 : yield* record(page.listings)
        if (bookmarks !== undefined && (page.complete || page.next !== null)) yield* bookmarks.save(key, page.complete ? "complete" : page.next!)
        return count + listed
      })

    /** Lists a target page by page, from where an earlier listing stopped; the number of videos it listed, or null when it failed. */
    const listTarget = (target: YouTubeTarget, limit: number) =>
      Effect.gen(function* () {
        const key = listingKey(target)
        const from = bookmarks === undefined ? null : yield* bookmarks.load(key)
        if (from === "complete") {
          yield* Effect.logInfo(`${describeTarget(target)}: listed to its end before; not listed again`)
          return Stream.empty
        }
        if (from !== null) yield* Effect.logInfo(`${describeTarget(target)}: going on at the page after the ${from.listed} videos listed before`)
        return source.listPages(target, limit, from)
      }).pipe(
        Effect.flatMap((pages) => Stream.runFoldEffect(pages, 0, recordPage(listingKey(target)))),
        Effect.tap((count) => Effect.logInfo(`${describeTarget(target)}: ${count} videos listed`)),
        Effect.catchTags({
          YtDlpListingFailed: failed(describeTarget(target)),
          YtDlpOutputInvalid: failed(describeTarget(target)),
          YouTubeApiKeysExhausted: failed(describeTarget(target)),
          YouTubeApiUnavailable: failed(describeTarget(target)),
          YouTubeApiRequestFailed: failed(describeTarget(target))
        })
      )

    /** A local file that was missing when its download was tried, and is listed again now: it is back, so it goes back in the queue. */
    const requeueFoundAgain = (candidates: ReadonlyArray<Listing["candidate"]>) =>
      Effect.gen(function* () {
        const local = candidates.filter((c) => c.kind === "local").map((c) => c.id)
        let requeued = 0
        for (let i = 0; i < local.length; i += 500) {
          requeued += yield* manifest.retry({ state: "failed", tag: "SourceFileMissing", ids: local.slice(i, i + 500) })
        }
        if (requeued > 0) yield* Effect.logInfo(`${requeued} videos whose source file was missing are back: queued again`)
      })

    const targets: Array<YouTubeTarget> = []
    for (const input of request.inputs) {
      // An input that cannot be read is the user's mistake, named at once; a listing that fails is the network's.
      const found = yield* source.discover(input)
      for (const passed of found.passedOver) {
        // A folder's notes and label files beside its media are expected: said at debug level, not warned about.
        const log = passed.reason === "not a media file name ending" ? Effect.logDebug : Effect.logWarning
        yield* log(`passed over ${passed.where}: ${passed.reason}`)
      }
      const before = summary.added
      // In bounded batches: a URL list of 100k ids is not one transaction of 100k rows (and its statement) in memory at once.
      for (let i = 0; i < found.candidates.length; i += discoveryBatchSize) {
        yield* record(found.candidates.slice(i, i + discoveryBatchSize).map((candidate) => ({ candidate, liveStatus: null, availability: null })))
      }
      yield* requeueFoundAgain(found.candidates)
      targets.push(...found.targets)
      yield* Effect.logInfo(`${input}: ${found.candidates.length} candidates, ${summary.added - before} new`)
    }
    for (const query of request.queries) targets.push(YouTubeTarget.Search({ query }))
    for (const target of targets) yield* listTarget(target, config.discovery.searchLimit)

    if (config.discovery.channelExploreLimit > 0) {
      yield* manifest.queueChannelsOfAccepted
      for (const channel of yield* manifest.queuedChannels) {
        yield* Effect.logInfo(`exploring the channel ${channel.title ?? ""} (${channel.id}) of an accepted video`)
        const listed = yield* listTarget(channelById(channel.id), config.discovery.channelExploreLimit)
        // A channel that failed stays queued for the next run.
        if (listed === null) continue
        yield* manifest.markChannelExplored(channel.id, listed)
        summary.channelsExplored++
      }
    }
    return summary
  }).pipe(Effect.annotateLogs({ stage: "discover" }), Effect.withSpan("discover"))

/** The one-line account of a discovery, for the CLI. */
export const formatDiscovery = (s: DiscoverySummary): string =>
  `${s.added} new videos, ${s.known} already known, ${s.duplicates} duplicates, ${s.skipped} skipped by the metadata filter, ` +
  `${s.notYet} live or upcoming (not yet), ${s.channelsExplored} channels explored` + (s.failed > 0 ? `, ${s.failed} source${s.failed === 1 ? "" : "s"} failed (see the log)` : "")
