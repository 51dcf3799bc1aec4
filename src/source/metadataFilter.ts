import type { Candidate } from "../domain/Candidate.js"

/** How the host describes a video's streaming state (yt-dlp's `live_status` values; the Data API's mapped onto them). */
export type LiveStatus = "not_live" | "is_live" | "is_upcoming" | "was_live" | "post_live"

/** A video as a listing (search, channel, playlist) shows it: the candidate plus what decides whether to fetch it. */
export interface Listing {
  readonly candidate: Candidate
  readonly liveStatus: LiveStatus | null
  /** yt-dlp's `availability` (public, unlisted, private, needs_auth, premium_only, subscriber_only), when known. */
  readonly availability: string | null
}

export interface DurationBounds {
  readonly minSeconds: number
  readonly maxSeconds: number
}

/**
 * Why a listed video is not fetched. `permanent` ones are recorded as skipped rows so they are never rediscovered;
 * a live stream or an upcoming premiere is only passed over this time: once it has ended it is an ordinary
 * video, and a later discovery should find it.
 */
export interface FilterReason {
  readonly tag: "LiveStream" | "UpcomingPremiere" | "TooShort" | "TooLong" | "Unavailable"
  readonly message: string
  readonly permanent: boolean
}

const closed = new Set(["private", "needs_auth", "premium_only", "subscriber_only"])

/** Decides from listing metadata alone, before any download. An unknown duration passes: the download checks it. */
export const filterListing = (listing: Listing, bounds: DurationBounds): FilterReason | null => {
  if (listing.liveStatus === "is_live") {
    return { tag: "LiveStream", message: "live now; found again once the stream has ended", permanent: false }
  }
  if (listing.liveStatus === "is_upcoming") {
    return { tag: "UpcomingPremiere", message: "upcoming premiere or stream; found again once it has aired", permanent: false }
  }
  if (listing.availability !== null && closed.has(listing.availability)) {
    return { tag: "Unavailable", message: `not publicly available (${listing.availability})`, permanent: true }
  }
  const duration = listing.candidate.declaredDurationSeconds
  if (duration !== null && duration < bounds.minSeconds) {
    return { tag: "TooShort", message: `declared ${duration} s, shorter than the minimum ${bounds.minSeconds} s`, permanent: true }
  }
  if (duration !== null && duration > bounds.maxSeconds) {
    return { tag: "TooLong", message: `declared ${duration} s, longer than the maximum ${bounds.maxSeconds} s`, permanent: true }
  }
  return null
}
