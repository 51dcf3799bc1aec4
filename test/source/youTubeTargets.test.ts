import { describe, expect, it } from "@effect/vitest"
import { parseQueryList, youTubeTargetOfUrl } from "../../src/source/youTubeTargets.js"

describe("youTubeTargetOfUrl", () => {
  it("reads channel ids, handles, legacy names and playlists, on www, m or bare hosts", () => {
    expect(youTubeTargetOfUrl("https://m.youtube.com/channel/UCq1w2e3r4t5y6u7i8o9p0aA")).toMatchObject({
      _tag: "Channel",
      channelId: "UCq1w2e3r4t5y6u7i8o9p0aA",
      url: "https://www.youtube.com/channel/UCq1w2e3r4t5y6u7i8o9p0aA/videos"
    })
    expect(youTubeTargetOfUrl("https://youtube.com/@BéNa/featured")).toMatchObject({
      _tag: "Channel",
      handle: "@BéNa",
      url: "https://www.youtube.com/@B%C3%A9Na/videos"
    })
    expect(youTubeTargetOfUrl("https://www.youtube.com/user/benaofficial")).toMatchObject({ _tag: "Channel", legacyName: "benaofficial" })
    expect(youTubeTargetOfUrl("https://www.youtube.com/playlist?list=PLx9Yq2Wm7Rk4Tn1Bv8Cz3Ld6Fh0Jg5Sa")).toMatchObject({
      _tag: "Playlist",
      playlistId: "PLx9Yq2Wm7Rk4Tn1Bv8Cz3Ld6Fh0Jg5Sa"
    })
  })

  it("leaves videos, other sites and malformed ids alone", () => {
    for (const url of [
      "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PLx9Yq2Wm7Rk4Tn1Bv8Cz3Ld6Fh0Jg5Sa",
      "https://www.youtube.com/channel/not-a-channel-id",
      "https://www.youtube.com/playlist?list=x",
      "https://example.com/@someone",
      "https://www.youtube.com/@",
      "not a url"
    ]) expect(youTubeTargetOfUrl(url)).toBeUndefined()
  })
})

describe("parseQueryList", () => {
  it("takes one query a line, skips blanks and # comments, keeps each once and Vietnamese intact", () => {
    expect(parseQueryList("\uFEFF# trẻ em\nbé đọc thơ\n\n  bé kể chuyện  \r\nbé đọc thơ\n#bé hát\n")).toEqual(["bé đọc thơ", "bé kể chuyện"])
  })
})
