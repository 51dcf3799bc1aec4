import { Schema } from "effect"
import { createHash } from "node:crypto"

/**
 * A video's key in the manifest. Three shapes, all safe as file names:
 * a YouTube id (11 chars of [A-Za-z0-9_-]), `local-<16 hex>` derived from a local file's content,
 * or `url-<16 hex>` derived from any other URL yt-dlp can read.
 */
export const VideoId = Schema.String.pipe(
  Schema.pattern(/^(?:[A-Za-z0-9_-]{11}|local-[0-9a-f]{16}|url-[0-9a-f]{16})$/, {
    message: (issue) =>
      `not a video id: ${JSON.stringify(issue.actual)} (expected an 11-character YouTube id, local-<16 hex> or url-<16 hex>)`
  }),
  Schema.brand("VideoId")
)
export type VideoId = typeof VideoId.Type

export const YouTubeId = Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{11}$/), Schema.brand("VideoId"))

const hex16 = (data: string) => createHash("sha256").update(data).digest("hex").slice(0, 16)

export const localVideoId = (contentSha256: string): VideoId => VideoId.make(`local-${contentSha256.slice(0, 16)}`)

export const urlVideoId = (url: string): VideoId => VideoId.make(`url-${hex16(url)}`)

const youTubeUrlPatterns = [
  /^https?:\/\/(?:www\.|m\.|music\.)?youtube\.com\/watch\?(?:.*&)?v=([A-Za-z0-9_-]{11})(?:[&#].*)?$/,
  /^https?:\/\/(?:www\.|m\.)?youtube\.com\/(?:shorts|embed|live)\/([A-Za-z0-9_-]{11})(?:[?#/].*)?$/,
  /^https?:\/\/youtu\.be\/([A-Za-z0-9_-]{11})(?:[?#].*)?$/
]

/** The YouTube id inside a watch/shorts/embed/youtu.be URL, if it is one. */
export const youTubeIdOfUrl = (url: string): VideoId | undefined => {
  for (const pattern of youTubeUrlPatterns) {
    const match = pattern.exec(url)
    if (match) return VideoId.make(match[1]!)
  }
  return undefined
}
