import { describe, expect, it } from "@effect/vitest"
import { Candidate } from "../../src/domain/Candidate.js"
import { VideoId } from "../../src/domain/VideoId.js"
import { filterListing, type Listing } from "../../src/source/metadataFilter.js"

const bounds = { minSeconds: 3, maxSeconds: 3 * 3600 }
const listing = (duration: number | null, liveStatus: Listing["liveStatus"] = null, availability: string | null = null): Listing => ({
  candidate: Candidate.make({
    id: VideoId.make("Xk3vTq9LmA2"),
    kind: "youtube",
    sourceUrl: "https://www.youtube.com/watch?v=Xk3vTq9LmA2",
    title: "Bé Na đọc thơ",
    channel: null,
    declaredDurationSeconds: duration
  }),
  liveStatus,
  availability
})

describe("filterListing", () => {
  it("keeps a video within bounds, and one whose duration is not declared", () => {
    expect(filterListing(listing(184), bounds)).toBeNull()
    expect(filterListing(listing(3), bounds)).toBeNull()
    expect(filterListing(listing(3 * 3600), bounds)).toBeNull()
    expect(filterListing(listing(null), bounds)).toBeNull()
    expect(filterListing(listing(184, "was_live", "unlisted"), bounds)).toBeNull()
  })

  it("skips for good what is too short, too long or not public", () => {
    expect(filterListing(listing(2.9), bounds)).toMatchObject({ tag: "TooShort", permanent: true })
    expect(filterListing(listing(36012), bounds)).toMatchObject({ tag: "TooLong", permanent: true })
    expect(filterListing(listing(36012), bounds)?.message).toContain("36012 s")
    for (const closed of ["private", "needs_auth", "premium_only", "subscriber_only"]) {
      expect(filterListing(listing(184, null, closed), bounds)).toMatchObject({ tag: "Unavailable", permanent: true })
    }
  })

  it("passes over live streams and upcoming premieres for now only, whatever their declared duration", () => {
    expect(filterListing(listing(null, "is_live"), bounds)).toMatchObject({ tag: "LiveStream", permanent: false })
    // The Data API declares P0D for an upcoming video: it must not be skipped for good as too short.
    expect(filterListing(listing(0, "is_upcoming"), bounds)).toMatchObject({ tag: "UpcomingPremiere", permanent: false })
  })
})
