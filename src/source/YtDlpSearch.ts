import { Data, Effect, Either, Layer, Schema, Stream } from "effect"
import { Candidate } from "../domain/Candidate.js"
import { YouTubeId, youTubeIdOfUrl } from "../domain/VideoId.js"
import type { DownloadSettings } from "../domain/Config.js"
import { privateCookies } from "../download/YtDlp.js"
import { flatListingArgs, networkArgs, type YtDlpNetwork, ytDlpCommand } from "../download/ytDlpArgs.js"
import { classifyYtDlpFailure, offlineHint, ytDlpErrorLines, ytDlpWarning } from "../download/ytDlpFailure.js"
import { sharedOrOwnInspector, ytDlpNetwork } from "../download/ytDlpSetup.js"
import { runProgram } from "../media/ProgramRun.js"
import type { LiveStatus, Listing } from "./metadataFilter.js"
import { YouTubeCatalog } from "./YouTubeCatalog.js"
import { describeTarget, YouTubeTarget } from "./youTubeTargets.js"

/** yt-dlp exited with an error while listing a target; its ERROR lines say why. */
export class YtDlpListingFailed extends Data.TaggedError("YtDlpListingFailed")<{
  readonly target: string
  readonly exitCode: number | null
  readonly stderr: string
}> {
  override get message() {
    const failure = classifyYtDlpFailure(this.stderr)
    const why = failure.kind === "unknown" ? "" : ` [${failure.kind}: ${failure.reason}]`
    const hint = failure.kind === "offline" ? `. ${offlineHint}` : ""
    return `yt-dlp could not list ${this.target} (exit ${this.exitCode ?? "by signal"})${why}: ${ytDlpErrorLines(this.stderr)}${hint}`
  }
}

/** yt-dlp said it succeeded but printed something that is not a flat playlist. */
export class YtDlpOutputInvalid extends Data.TaggedError("YtDlpOutputInvalid")<{ readonly target: string; readonly reason: string }> {
  override get message() {
    return `yt-dlp's listing of ${this.target} is not the JSON expected: ${this.reason}`
  }
}

const text = Schema.optional(Schema.NullOr(Schema.String))

/** One entry of `--flat-playlist -J`: what YouTube's search and tab pages show, without visiting the video. */
const FlatEntry = Schema.Struct({
  id: YouTubeId,
  title: text,
  description: text,
  duration: Schema.optional(Schema.NullOr(Schema.Number)),
  channel: text,
  channel_id: text,
  uploader: text,
  live_status: Schema.optional(Schema.NullOr(Schema.Literal("not_live", "is_live", "is_upcoming", "was_live", "post_live"))),
  availability: text,
  language: text
})
type FlatEntry = typeof FlatEntry.Type

const FlatPlaylist = Schema.Struct({
  channel: text,
  channel_id: text,
  uploader: text,
  entries: Schema.Array(Schema.Unknown)
})

const decodePlaylist = Schema.decodeUnknownEither(Schema.parseJson(FlatPlaylist))
const decodeEntry = Schema.decodeUnknownEither(FlatEntry)

/** The argument yt-dlp lists for a target. */
const ytDlpTarget = (target: YouTubeTarget, limit: number): string =>
  YouTubeTarget.$match(target, {
    Search: ({ query }) => `ytsearch${limit}:${query}`,
    Channel: ({ url }) => url,
    Playlist: ({ playlistId }) => `https://www.youtube.com/playlist?list=${playlistId}`
  })

/** The command line for a listing: an argument array, never a shell string, so a query cannot become a command. */
export const ytDlpListingArgs = (target: YouTubeTarget, limit: number, network: YtDlpNetwork): ReadonlyArray<string> =>
  ytDlpCommand([networkArgs(network), flatListingArgs(limit)], ytDlpTarget(target, limit))

const listingOf = (entry: FlatEntry, owner: { channel: string | null; channelId: string | null }): Listing => ({
  candidate: Candidate.make({
    id: entry.id,
    kind: "youtube",
    sourceUrl: `https://www.youtube.com/watch?v=${entry.id}`,
    title: entry.title ?? null,
    channel: entry.channel ?? entry.uploader ?? owner.channel,
    declaredDurationSeconds: entry.duration ?? null,
    description: entry.description ?? null,
    declaredLanguage: entry.language ?? null,
    channelId: entry.channel_id ?? owner.channelId
  }),
  liveStatus: (entry.live_status ?? null) as LiveStatus | null,
  availability: entry.availability ?? null
})

/** A page's embedded YouTube videos come as bare `url` entries with no id: the id is in the URL. */
const withIdFromUrl = (raw: unknown): unknown => {
  if (raw === null || typeof raw !== "object" || "id" in raw) return raw
  const url = (raw as { url?: unknown }).url
  const id = typeof url === "string" ? youTubeIdOfUrl(url) : undefined
  return id === undefined ? raw : { ...raw, id }
}

/**
 * Reads `yt-dlp --flat-playlist -J` output. Entries that are not videos (a channel's nested tabs, shelves)
 * are left out; a channel tab's entries often lack their channel, which is the listing's own.
 */
export const parseFlatPlaylist = (
  json: string,
  target: YouTubeTarget
): Either.Either<ReadonlyArray<Listing>, YtDlpOutputInvalid> =>
  decodePlaylist(json).pipe(
    Either.mapLeft((error) => new YtDlpOutputInvalid({ target: describeTarget(target), reason: error.message.slice(0, 500) })),
    Either.map((playlist) => {
      const owner = target._tag === "Channel"
        ? { channel: playlist.channel ?? playlist.uploader ?? null, channelId: playlist.channel_id ?? null }
        : { channel: null, channelId: null }
      return playlist.entries.flatMap((raw) => {
        const entry = decodeEntry(withIdFromUrl(raw))
        return Either.isRight(entry) ? [listingOf(entry.right, owner)] : []
      })
    })
  )

/** What listing takes from the download settings: the same network behaviour as a download. */
export type ListingSettings = Pick<DownloadSettings, "cookiesFile" | "proxy" | "sleepRequestsSeconds" | "timeoutSeconds" |
  "jsRuntime" | "remoteComponents" | "allowFileUrls">

/**
 * The yt-dlp back-end: one process per target, killed if the listing is interrupted. yt-dlp is inspected once
 * (version, JavaScript runtime), on the first listing, or not at all when the run's shared YtDlpInspector already did
 * for a download; each listing gets its own copy of the cookies. Warnings
 * that say the host is refusing us (bot check, 429, sign-in) are logged with their class, not dropped.
 */
export const ytDlpCatalog = (ytDlpPath: string, settings: ListingSettings) =>
  Effect.map(Effect.map(sharedOrOwnInspector, (inspector) => inspector.inspect(ytDlpPath, settings)), (inspect) =>
    YouTubeCatalog.of({
      name: "yt-dlp",
      list: (target, limit) =>
        Stream.fromEffect(
          Effect.gen(function* () {
            // Not started at all (no yt-dlp, unreadable cookies): the listing fails with the reason and what to do.
            const notStarted = (e: { readonly message: string }) => new YtDlpListingFailed({ target: describeTarget(target), exitCode: null, stderr: e.message })
            const setup = yield* inspect.pipe(Effect.mapError(notStarted))
            const cookies = yield* privateCookies(settings.cookiesFile).pipe(Effect.mapError(notStarted))
            const args = ytDlpListingArgs(target, limit, ytDlpNetwork(setup, settings, cookies))
            const result = yield* runProgram(setup.path, args, { stdin: "ignore", encoding: "utf8" })
            if (result.failed || result.exitCode !== 0) {
              return yield* new YtDlpListingFailed({
                target: describeTarget(target),
                exitCode: result.exitCode ?? null,
                // No stderr at all when the program could not start (wrong --yt-dlp path): execa's message says why.
                stderr: result.stderr || result.message || ""
              })
            }
            const warning = ytDlpWarning(result.stderr ?? "")
            if (warning !== null) yield* Effect.logWarning(`yt-dlp listing ${describeTarget(target)}: ${warning}`)
            return (yield* parseFlatPlaylist(result.stdout ?? "", target)).slice(0, limit)
          }).pipe(Effect.scoped, Effect.withSpan("YtDlpSearch.list", { attributes: { target: describeTarget(target) } }))
        )
    }))

export const ytDlpCatalogLayer = (ytDlpPath: string, settings: ListingSettings) => Layer.effect(YouTubeCatalog, ytDlpCatalog(ytDlpPath, settings))
