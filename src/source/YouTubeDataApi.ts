import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Array as Arr, Clock, Config, Data, Duration, Effect, Either, Layer, Option, Redacted, Ref, Schedule, Schema, Stream } from "effect"
import { Candidate } from "../domain/Candidate.js"
import { YouTubeId } from "../domain/VideoId.js"
import { retryAfterMs } from "../upload/protocol.js"
import { parseIsoDuration } from "./isoDuration.js"
import type { LiveStatus, Listing } from "./metadataFilter.js"
import { type ListingPage, type ListingPosition, YouTubeCatalog } from "./YouTubeCatalog.js"
import { describeTarget, YouTubeTarget } from "./youTubeTargets.js"

export interface YouTubeApiSettings {
  /** `https://www.googleapis.com/youtube/v3`, or a local stand-in in tests. */
  readonly baseUrl: string
  /** Tried in order; a key whose quota is spent is set aside for the rest of the run. */
  readonly keys: ReadonlyArray<Redacted.Redacted<string>>
  readonly relevanceLanguage: string | null
  readonly regionCode: string | null
  /** Retries of one request after 429, 5xx or a network failure. */
  readonly maxRetries: number
  readonly retryBase: Duration.DurationInput
  readonly maxBackoff: Duration.DurationInput
  readonly requestTimeout: Duration.DurationInput
  /**
   * A quota ledger shared with other processes (a cluster's `kidvoice_api_quota`): each request first spends its
   * cost there, and a key with not enough left today is set aside as if the API had refused it. Unset: the API alone
   * says when a key is spent.
   */
  readonly quota?: QuotaLedger
}

/** Where processes sharing API keys account for the units they spend. */
export interface QuotaLedger {
  /** Spends `units` of the key's quota for today if that many are left; answers whether it did. */
  readonly spend: (key: Redacted.Redacted<string>, units: number) => Effect.Effect<boolean>
}

/** Quota units of one call: search.list costs 100, every other list call 1 (the API's published costs). */
export const quotaCost = (endpoint: string): number => endpoint === "search" ? 100 : 1

export const defaultApiRetry = { maxRetries: 5, retryBase: "1 second", maxBackoff: "1 minute", requestTimeout: "30 seconds" } as const

/** Every key was refused for quota (or as invalid): discovery through the API cannot go on today. */
export class YouTubeApiKeysExhausted extends Data.TaggedError("YouTubeApiKeysExhausted")<{
  readonly keys: number
  readonly reasons: ReadonlyArray<string>
}> {
  override get message() {
    return `all ${this.keys} YouTube Data API keys are exhausted (${this.reasons.join("; ")}). ` +
      `Quotas reset at midnight Pacific time; add keys with --youtube-api-key, or discover with yt-dlp (no key).`
  }
}

/** The API kept failing transiently (5xx, 429, network) through every retry. */
export class YouTubeApiUnavailable extends Data.TaggedError("YouTubeApiUnavailable")<{
  readonly endpoint: string
  readonly attempts: number
  readonly detail: string
}> {
  override get message() {
    return `the YouTube Data API (${this.endpoint}) failed ${this.attempts} times: ${this.detail}`
  }
}

/** The API refused the request itself (bad parameter, unknown channel): retrying would not help. */
export class YouTubeApiRequestFailed extends Data.TaggedError("YouTubeApiRequestFailed")<{
  readonly endpoint: string
  readonly status: number
  readonly detail: string
}> {
  override get message() {
    return `the YouTube Data API refused ${this.endpoint} (HTTP ${this.status}): ${this.detail}`
  }
}

/** What one answer means for the caller: go on, change key, wait and retry, or give up. */
export type ApiOutcome = Data.TaggedEnum<{
  Ok: {}
  KeyRefused: { readonly reason: string }
  Transient: { readonly detail: string; readonly retryAfterMs: number | null }
  Refused: { readonly detail: string }
}>
export const ApiOutcome = Data.taggedEnum<ApiOutcome>()

const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    message: Schema.optional(Schema.String),
    errors: Schema.optional(Schema.Array(Schema.Struct({ reason: Schema.optional(Schema.String) })))
  })
})
const decodeErrorBody = Schema.decodeUnknownOption(Schema.parseJson(ErrorBody))

/** Reasons that mean this key is done for the day (or never worked), while another key may still work. */
const keyReasons = new Set(["quotaExceeded", "dailyLimitExceeded", "keyInvalid", "keyExpired"])
/** Reasons that mean "too fast": wait, same key. */
const rateReasons = new Set(["rateLimitExceeded", "userRateLimitExceeded"])

/** Classifies an API answer from its status, body and Retry-After. Pure, so each rule has a test. */
export const classifyApiResponse = (status: number, body: string, retryAfter: string | undefined, nowMs: number): ApiOutcome => {
  if (status >= 200 && status < 300) return ApiOutcome.Ok()
  const parsed = Option.getOrUndefined(decodeErrorBody(body))?.error
  const reason = parsed?.errors?.find((e) => e.reason !== undefined)?.reason ?? ""
  const detail = `${reason ? `${reason}: ` : ""}${parsed?.message ?? body.slice(0, 200)}`.trim() || `HTTP ${status}`
  if (keyReasons.has(reason)) return ApiOutcome.KeyRefused({ reason: detail })
  if (status === 429 || rateReasons.has(reason)) {
    return ApiOutcome.Transient({ detail: `HTTP ${status} ${detail}`, retryAfterMs: retryAfterMs(retryAfter, nowMs) ?? null })
  }
  if (status >= 500) return ApiOutcome.Transient({ detail: `HTTP ${status} ${detail}`, retryAfterMs: retryAfterMs(retryAfter, nowMs) ?? null })
  return ApiOutcome.Refused({ detail })
}

/** Retried inside one key's attempt; never leaves this file. */
class Transient extends Data.TaggedError("Transient")<{ readonly detail: string; readonly retryAfterMs: number | null }> {}
class KeyRefused extends Data.TaggedError("KeyRefused")<{ readonly reason: string }> {}

const SearchPage = Schema.Struct({
  nextPageToken: Schema.optional(Schema.String),
  items: Schema.Array(Schema.Struct({ id: Schema.Struct({ videoId: Schema.optional(Schema.String) }) }))
})
const PlaylistPage = Schema.Struct({
  nextPageToken: Schema.optional(Schema.String),
  items: Schema.Array(Schema.Struct({ contentDetails: Schema.Struct({ videoId: Schema.String }) }))
})
const ChannelList = Schema.Struct({ items: Schema.optionalWith(Schema.Array(Schema.Struct({ id: Schema.String })), { default: () => [] }) })
const VideoItem = Schema.Struct({
  id: YouTubeId,
  snippet: Schema.Struct({
    title: Schema.optional(Schema.String),
    description: Schema.optional(Schema.String),
    channelId: Schema.optional(Schema.String),
    channelTitle: Schema.optional(Schema.String),
    defaultLanguage: Schema.optional(Schema.String),
    defaultAudioLanguage: Schema.optional(Schema.String),
    liveBroadcastContent: Schema.optional(Schema.String)
  }),
  contentDetails: Schema.optional(Schema.Struct({ duration: Schema.optional(Schema.String) })),
  status: Schema.optional(Schema.Struct({ privacyStatus: Schema.optional(Schema.String) })),
  liveStreamingDetails: Schema.optional(Schema.Unknown)
})
type VideoItem = typeof VideoItem.Type
const VideoList = Schema.Struct({ items: Schema.Array(VideoItem) })

const liveStatusOf = (video: VideoItem): LiveStatus =>
  video.snippet.liveBroadcastContent === "live"
    ? "is_live"
    : video.snippet.liveBroadcastContent === "upcoming"
    ? "is_upcoming"
    : video.liveStreamingDetails !== undefined
    ? "was_live"
    : "not_live"

/** A `videos.list` item as a listing: the declared language prefers the audio's over the metadata's. */
export const listingOfVideo = (video: VideoItem): Listing => ({
  candidate: Candidate.make({
    id: video.id,
    kind: "youtube",
    sourceUrl: `https://www.youtube.com/watch?v=${video.id}`,
    title: video.snippet.title ?? null,
    channel: video.snippet.channelTitle ?? null,
    declaredDurationSeconds: video.contentDetails?.duration ? parseIsoDuration(video.contentDetails.duration) : null,
    description: video.snippet.description ?? null,
    declaredLanguage: video.snippet.defaultAudioLanguage ?? video.snippet.defaultLanguage ?? null,
    channelId: video.snippet.channelId ?? null
  }),
  liveStatus: liveStatusOf(video),
  availability: video.status?.privacyStatus ?? null
})

/** The API allows at most 50 ids per `videos.list` and 50 results per page. */
const pageSize = 50

export const makeYouTubeDataApi = (settings: YouTubeApiSettings) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const keys = settings.keys
    // Shared by every request of the run: once a key is spent, nobody tries it again.
    const keyState = yield* Ref.make({ index: 0, reasons: [] as ReadonlyArray<string> })
    const baseUrl = settings.baseUrl.replace(/\/+$/, "")
    // Keys are values too: whatever text reaches an error or a log has them blanked out.
    const scrub = (text: string) => keys.reduce((t, key) => t.split(Redacted.value(key)).join("<redacted>"), text)

    const retrySchedule = Schedule.exponential(settings.retryBase).pipe(
      Schedule.jittered,
      Schedule.intersect(Schedule.recurs(settings.maxRetries)),
      Schedule.intersect(Schedule.identity<Transient | KeyRefused | YouTubeApiRequestFailed>()),
      Schedule.whileInput((error: Transient | KeyRefused | YouTubeApiRequestFailed) => error._tag === "Transient"),
      // A server's Retry-After is what it asked for: it replaces the backoff.
      Schedule.modifyDelay(([, error], delay) =>
        error._tag === "Transient" && error.retryAfterMs !== null
          ? Duration.millis(error.retryAfterMs)
          : Duration.min(delay, Duration.decode(settings.maxBackoff)))
    )

    /** One GET with one key; the key travels in a header, so no URL (in an error, a log, a proxy) carries it. */
    const getOnce = (endpoint: string, params: Record<string, string>, key: Redacted.Redacted<string>) =>
      Effect.gen(function* () {
        const request = HttpClientRequest.get(`${baseUrl}/${endpoint}`).pipe(
          HttpClientRequest.setUrlParams(params),
          HttpClientRequest.setHeader("x-goog-api-key", Redacted.value(key)),
          HttpClientRequest.acceptJson
        )
        const answer = yield* client.execute(request).pipe(
          Effect.flatMap((response) => response.text.pipe(Effect.map((body) => ({ status: response.status, body, retryAfter: response.headers["retry-after"] })))),
          Effect.scoped,
          Effect.timeoutFail({ duration: settings.requestTimeout, onTimeout: () => new Transient({ detail: "timed out", retryAfterMs: null }) }),
          Effect.catchTags({
            RequestError: (e) => new Transient({ detail: scrub(e.message), retryAfterMs: null }),
            ResponseError: (e) => new Transient({ detail: scrub(e.message), retryAfterMs: null })
          })
        )
        const outcome = classifyApiResponse(answer.status, answer.body, answer.retryAfter, yield* Clock.currentTimeMillis)
        return yield* ApiOutcome.$match(outcome, {
          Ok: () => Effect.succeed(answer.body),
          KeyRefused: ({ reason }) => Effect.fail(new KeyRefused({ reason: scrub(reason) })),
          Transient: ({ detail, retryAfterMs }) => Effect.fail(new Transient({ detail: scrub(detail), retryAfterMs })),
          Refused: ({ detail }) => Effect.fail(new YouTubeApiRequestFailed({ endpoint, status: answer.status, detail: scrub(detail) }))
        })
      })

    /** One GET through the keys: transient failures retried on the same key, a refused key replaced by the next. */
    const get = <A, I>(endpoint: string, params: Record<string, string>, schema: Schema.Schema<A, I>) =>
      Effect.gen(function* () {
        while (true) {
          const { index, reasons } = yield* Ref.get(keyState)
          if (index >= keys.length) return yield* new YouTubeApiKeysExhausted({ keys: keys.length, reasons })
          let attempts = 0
          const left = settings.quota === undefined ? true : yield* settings.quota.spend(keys[index]!, quotaCost(endpoint))
          const body = !left ? Either.left(new KeyRefused({ reason: "its quota for today is spent (the shared quota ledger says so)" })) : yield* Effect.suspend(() => {
            attempts++
            return getOnce(endpoint, params, keys[index]!)
          }).pipe(
            Effect.retry(retrySchedule),
            Effect.map(Either.right),
            Effect.catchTag("KeyRefused", (refused) => Effect.succeed(Either.left(refused))),
            Effect.catchTag("Transient", (e) => new YouTubeApiUnavailable({ endpoint, attempts, detail: e.detail }))
          )
          if (Either.isRight(body)) {
            return yield* Schema.decodeUnknown(Schema.parseJson(schema))(body.right).pipe(
              Effect.mapError((e) => new YouTubeApiRequestFailed({ endpoint, status: 200, detail: `unexpected answer: ${e.message.slice(0, 300)}` }))
            )
          }
          // Compare-and-advance: requests running at once that hit the same spent key move on by one, not by several.
          yield* Ref.update(keyState, (s) => s.index === index ? { index: index + 1, reasons: [...s.reasons, `key ${index + 1}: ${body.left.reason}`] } : s)
          yield* Effect.logWarning(
            `YouTube Data API key ${index + 1} of ${keys.length} refused (${body.left.reason})` +
              (index + 1 < keys.length ? `; using key ${index + 2}` : "")
          )
        }
      }).pipe(Effect.withSpan("YouTubeDataApi.get", { attributes: { endpoint } }))

    const optional = (name: string, value: string | null): Record<string, string> => (value === null ? {} : { [name]: value })

    /** Full metadata of up to 50 ids; ids the API no longer knows (removed meanwhile) are left out. */
    const videos = (ids: ReadonlyArray<string>) =>
      ids.length === 0
        ? Effect.succeed<ReadonlyArray<Listing>>([])
        // No maxResults: the API refuses it beside `id`; the page size already bounds the ids to 50.
        : get("videos", { part: "snippet,contentDetails,status,liveStreamingDetails", id: ids.join(",") }, VideoList).pipe(
          Effect.map((list) => list.items.map(listingOfVideo))
        )

    type PageOfIds = (pageToken: string | null, size: number) => Effect.Effect<{ ids: ReadonlyArray<string>; next: string | null }, YouTubeApiError>

    /**
     * Pages of ids from `from` (or the first page), each turned into listings by one `videos.list`, until `limit` ids
     * or the last page; each page says where the next one starts.
     */
    const paged = (limit: number, from: ListingPosition | null, page: PageOfIds): Stream.Stream<ListingPage, YouTubeApiError> => {
      const start = { token: from?.pageToken ?? null, remaining: limit - (from?.listed ?? 0) }
      return start.remaining <= 0 ? Stream.empty : Stream.paginateEffect(start, (state) =>
        page(state.token, Math.min(pageSize, state.remaining)).pipe(
          Effect.map(({ ids, next }) => {
            const taken = ids.slice(0, state.remaining)
            const remaining = state.remaining - taken.length
            const more = next !== null && remaining > 0 && taken.length > 0
            const position = more ? { pageToken: next, listed: limit - remaining } : null
            return [{ ids: taken, next: position }, more ? Option.some({ token: next, remaining }) : Option.none()] as const
          })
        )).pipe(Stream.mapEffect(({ ids, next }) => Effect.map(videos(ids), (listings): ListingPage => ({ listings, next, complete: next === null }))))
    }

    const search = (limit: number, params: Record<string, string>, from: ListingPosition | null) =>
      paged(limit, from, (pageToken, size) =>
        // Only ids: videos.list brings the snippet anyway, with more in it, and search.list costs 100 units either way.
        get("search", {
          part: "id",
          type: "video",
          maxResults: String(size),
          ...params,
          ...optional("pageToken", pageToken),
          ...optional("relevanceLanguage", settings.relevanceLanguage),
          ...optional("regionCode", settings.regionCode)
        }, SearchPage).pipe(
          Effect.map((p) => ({ ids: Arr.filterMap(p.items, (i) => Option.fromNullable(i.id.videoId)), next: p.nextPageToken ?? null }))
        ))

    const playlist = (playlistId: string, limit: number, from: ListingPosition | null) =>
      paged(limit, from, (pageToken, size) =>
        get("playlistItems", { part: "contentDetails", playlistId, maxResults: String(size), ...optional("pageToken", pageToken) }, PlaylistPage).pipe(
          Effect.map((p) => ({ ids: p.items.map((i) => i.contentDetails.videoId), next: p.nextPageToken ?? null }))
        ))

    /** A handle or legacy name to the channel's id (`channels.list`, 1 unit). */
    const channelIdOf = (target: Extract<YouTubeTarget, { _tag: "Channel" }>) =>
      target.channelId !== null
        ? Effect.succeed(target.channelId)
        : get("channels", { part: "id", ...(target.handle !== null ? { forHandle: target.handle } : { forUsername: target.legacyName ?? "" }) }, ChannelList).pipe(
          Effect.flatMap((list) =>
            list.items[0]
              ? Effect.succeed(list.items[0].id)
              : Effect.fail(new YouTubeApiRequestFailed({ endpoint: "channels", status: 200, detail: `no channel found for ${target.url}` }))
          )
        )

    const listPages = (target: YouTubeTarget, limit: number, from: ListingPosition | null) =>
      YouTubeTarget.$match(target, {
        Search: ({ query }) => search(limit, { q: query }, from),
        // A channel's uploads are its "UU…" playlist: 1 quota unit a page, where search.list?channelId costs 100.
        Channel: (channel) => Stream.unwrap(channelIdOf(channel).pipe(Effect.map((id) => playlist(`UU${id.slice(2)}`, limit, from)))),
        Playlist: ({ playlistId }) => playlist(playlistId, limit, from)
      }).pipe(Stream.withSpan("YouTubeDataApi.list", { attributes: { target: describeTarget(target) } }))

    return YouTubeCatalog.of({
      name: "youtube-data-api",
      list: (target, limit) => listPages(target, limit, null).pipe(Stream.map((page) => page.listings)),
      listPages
    })
  })

/**
 * The API keys: the repeatable flag if given, else KIDVOICE_YOUTUBE_API_KEYS (comma-separated). Never from a
 * config file, which gets copied and committed; held as Redacted so no log or error prints them.
 */
export const youTubeApiKeys = (fromFlags: ReadonlyArray<Redacted.Redacted<string>>) =>
  Effect.gen(function* () {
    if (fromFlags.length > 0) return fromFlags
    const fromEnv = yield* Config.option(Config.redacted("KIDVOICE_YOUTUBE_API_KEYS"))
    return Option.match(fromEnv, {
      onNone: () => [],
      onSome: (all) => Redacted.value(all).split(",").map((key) => key.trim()).filter((key) => key !== "").map((key) => Redacted.make(key))
    })
  })

export type YouTubeApiError = YouTubeApiKeysExhausted | YouTubeApiUnavailable | YouTubeApiRequestFailed

export const youTubeDataApiLayer = (settings: YouTubeApiSettings) => Layer.effect(YouTubeCatalog, makeYouTubeDataApi(settings))
