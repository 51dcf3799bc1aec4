import { Data } from "effect"

/** Something on YouTube that lists videos: a search, a channel's uploads, a playlist. */
export type YouTubeTarget = Data.TaggedEnum<{
  Search: { readonly query: string }
  /** Exactly one of `channelId` (UC…), `handle` (@name) or `legacyName` (/c/ or /user/ URLs) is set. */
  Channel: { readonly url: string; readonly channelId: string | null; readonly handle: string | null; readonly legacyName: string | null }
  Playlist: { readonly playlistId: string }
}>
export const YouTubeTarget = Data.taggedEnum<YouTubeTarget>()

/** A channel by id, as channel exploration knows it; its uploads tab is what yt-dlp lists. */
export const channelById = (channelId: string) =>
  YouTubeTarget.Channel({ url: `https://www.youtube.com/channel/${channelId}/videos`, channelId, handle: null, legacyName: null })

/** How a target is named in logs and the discovery summary. */
export const describeTarget = (target: YouTubeTarget): string =>
  YouTubeTarget.$match(target, {
    Search: ({ query }) => `search "${query}"`,
    Channel: ({ url }) => `channel ${url}`,
    Playlist: ({ playlistId }) => `playlist ${playlistId}`
  })

const youTubeHost = /^(?:www\.|m\.)?youtube\.com$/i
const playlistId = /^[A-Za-z0-9_-]{10,64}$/
const channelId = /^UC[A-Za-z0-9_-]{22}$/

/**
 * The channel or playlist a YouTube URL names, or undefined when it names neither (a watch URL, another site).
 * A watch URL inside a playlist (`watch?v=…&list=…`) stays a video: the user pointed at one video.
 */
export const youTubeTargetOfUrl = (text: string): YouTubeTarget | undefined => {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  if (!youTubeHost.test(url.hostname)) return undefined
  const [first, second] = url.pathname.split("/").filter((part) => part !== "").map(decodeURIComponent)
  if (first === "playlist") {
    const list = url.searchParams.get("list")
    return list && playlistId.test(list) ? YouTubeTarget.Playlist({ playlistId: list }) : undefined
  }
  if (first === "channel" && second && channelId.test(second)) return channelById(second)
  if (first?.startsWith("@") && first.length > 1) {
    return YouTubeTarget.Channel({ url: `https://www.youtube.com/@${encodeURIComponent(first.slice(1))}/videos`, channelId: null, handle: first, legacyName: null })
  }
  if ((first === "c" || first === "user") && second) {
    return YouTubeTarget.Channel({
      url: `https://www.youtube.com/${first}/${encodeURIComponent(second)}/videos`,
      channelId: null,
      handle: null,
      legacyName: second
    })
  }
  return undefined
}

/** A query file: one search a line; blank lines and `#` comments are skipped; a query is kept once. */
export const parseQueryList = (text: string): ReadonlyArray<string> => [
  ...new Set(
    text.split(/\r?\n/)
      .map((line) => line.replace(/^\uFEFF/, "").trim())
      .filter((line) => line !== "" && !line.startsWith("#"))
  )
]
