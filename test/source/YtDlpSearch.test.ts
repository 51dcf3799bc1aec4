import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Redacted, Schema, Stream } from "effect"
import { defaultConfig, KidvoiceConfig } from "../../src/domain/Config.js"
import { youTubeCatalogLayer } from "../../src/pipeline/layers.js"
import { YouTubeCatalog } from "../../src/source/YouTubeCatalog.js"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { parseFlatPlaylist, ytDlpCatalog } from "../../src/source/YtDlpSearch.js"
import { channelById, YouTubeTarget } from "../../src/source/youTubeTargets.js"
import { projectRoot } from "../support/cli.js"
import { fakeYtDlp } from "../support/fakeYtDlp.js"

const fixture = (name: string) => join(projectRoot, "test", "fixtures", "youtube", name)
const search = YouTubeTarget.Search({ query: "bé đọc thơ" })
const listAll = (program: string, target: YouTubeTarget, limit: number) =>
  ytDlpCatalog(program, defaultConfig.download).pipe(
    Effect.flatMap((catalog) => catalog.list(target, limit).pipe(Stream.runCollect)),
    Effect.map((chunk) => [...chunk].flat())
  )

describe("parseFlatPlaylist", () => {
  it("reads a recorded ytsearch5 listing: ids, Vietnamese titles as written, durations, live status, channels", () => {
    const listings = Either.getOrThrow(parseFlatPlaylist(readFileSync(fixture("search-be-doc-tho.json"), "utf8"), search))
    expect(listings.map((l) => l.candidate.id)).toEqual(["Xk3vTq9LmA2", "b7Yh2Kp0QwE", "Qm5rT8uV1zN", "Lp2oI9uY7tR", "Wc4eR6tY8uI"])
    const [first, , live, short] = listings
    expect(first!.candidate).toMatchObject({
      kind: "youtube",
      sourceUrl: "https://www.youtube.com/watch?v=Xk3vTq9LmA2",
      title: "Bé Na đọc thơ Trăng Sáng - Thơ thiếu nhi hay nhất",
      channel: "Bé Na Official",
      channelId: "UCq1w2e3r4t5y6u7i8o9p0aA",
      declaredDurationSeconds: 184,
      description: "Bé Na 4 tuổi đọc bài thơ Trăng Sáng thật dễ thương...",
      declaredLanguage: null
    })
    expect(live!.liveStatus).toBe("is_live")
    expect(live!.candidate.declaredDurationSeconds).toBeNull()
    // A short is listed under /shorts/; the manifest keeps the watch URL every downloader reads.
    expect(short!.candidate.sourceUrl).toBe("https://www.youtube.com/watch?v=Lp2oI9uY7tR")
  })

  it("gives a channel tab's entries the channel's own name and id, which the entries lack", () => {
    const listings = Either.getOrThrow(parseFlatPlaylist(readFileSync(fixture("channel-be-na.json"), "utf8"), channelById("UCq1w2e3r4t5y6u7i8o9p0aA")))
    expect(listings).toHaveLength(4)
    for (const l of listings) expect(l.candidate).toMatchObject({ channel: "Bé Na Official", channelId: "UCq1w2e3r4t5y6u7i8o9p0aA" })
    expect(listings.map((l) => l.liveStatus)).toEqual([null, null, null, "is_upcoming"])
  })

  it("leaves out entries that are not videos and says what is wrong with output that is not a listing", () => {
    const mixed = JSON.stringify({
      entries: [
        { _type: "url", id: "UCq1w2e3r4t5y6u7i8o9p0aA", url: "https://www.youtube.com/channel/UCq1w2e3r4t5y6u7i8o9p0aA/shorts", title: "Shorts" },
        { _type: "url", id: "Hj6kL8mN0pQ", title: "Bé Na kể chuyện Tấm Cám", duration: 412 }
      ]
    })
    expect(Either.getOrThrow(parseFlatPlaylist(mixed, search)).map((l) => l.candidate.id)).toEqual(["Hj6kL8mN0pQ"])
    const broken = parseFlatPlaylist("[youtube:search] bé đọc thơ: Downloading page 1", search)
    expect(Either.isLeft(broken) && broken.left._tag).toBe("YtDlpOutputInvalid")
    const noEntries = parseFlatPlaylist(JSON.stringify({ id: "dQw4w9WgXcQ", title: "a single video" }), search)
    expect(Either.isLeft(noEntries) && noEntries.left.message).toContain("entries")
  })
})

describe("ytDlpCatalog", () => {
  it.scoped("runs yt-dlp with an argument array: a query with shell characters stays one argument", () =>
    Effect.gen(function* () {
      const fake = yield* fakeYtDlp({ stdoutFile: fixture("search-be-doc-tho.json") })
      const query = `bé đọc thơ"; touch /tmp/kidvoice-pwned; echo "$(id)`
      const listings = yield* listAll(fake.program, YouTubeTarget.Search({ query }), 5)
      // The network flags every yt-dlp run gets, the runtime its -v header accepted; warnings are not turned off.
      const argv = fake.argv()
      expect(argv.slice(0, 2)).toEqual(["--socket-timeout", "60"])
      expect(argv[argv.indexOf("--js-runtimes") + 1]).toMatch(/^deno:\/.+\/deno$/)
      expect(argv[argv.indexOf("--remote-components") + 1]).toBe("ejs:npm")
      expect(argv).not.toContain("--no-warnings")
      expect(argv.slice(-6)).toEqual(["--flat-playlist", "--dump-single-json", "--playlist-end", "5", "--", `ytsearch5:${query}`])
      expect(fake.invocations().map((run) => run[0])).toEqual(["--version", "-v", "--socket-timeout"])
      expect(listings).toHaveLength(5)
    }))

  it.scoped("lists a channel's uploads tab and a playlist by URL, at most the limit", () =>
    Effect.gen(function* () {
      const channel = yield* fakeYtDlp({ stdoutFile: fixture("channel-be-na.json") })
      const fromChannel = yield* listAll(channel.program, channelById("UCq1w2e3r4t5y6u7i8o9p0aA"), 2)
      expect(channel.argv().at(-1)).toBe("https://www.youtube.com/channel/UCq1w2e3r4t5y6u7i8o9p0aA/videos")
      expect(channel.argv()).toContain("2")
      expect(fromChannel.map((l) => l.candidate.id)).toEqual(["Xk3vTq9LmA2", "Hj6kL8mN0pQ"])
      const playlist = yield* fakeYtDlp({ stdoutFile: fixture("playlist-tho-mam-non.json") })
      const fromPlaylist = yield* listAll(playlist.program, YouTubeTarget.Playlist({ playlistId: "PLx9Yq2Wm7Rk4Tn1Bv8Cz3Ld6Fh0Jg5Sa" }), 50)
      expect(playlist.argv().at(-1)).toBe("https://www.youtube.com/playlist?list=PLx9Yq2Wm7Rk4Tn1Bv8Cz3Ld6Fh0Jg5Sa")
      expect(fromPlaylist).toHaveLength(3)
    }))

  it.scoped("turns a failed run into YtDlpListingFailed carrying yt-dlp's ERROR line and exit code", () =>
    Effect.gen(function* () {
      const fake = yield* fakeYtDlp({
        stderr: "[youtube:tab] Extracting URL: https://www.youtube.com/channel/UCzzzzzzzzzzzzzzzzzzzzzz/videos\n" +
          "ERROR: [youtube:tab] UCzzzzzzzzzzzzzzzzzzzzzz: This channel does not exist.\n",
        exitCode: 1
      })
      const error = yield* Effect.flip(listAll(fake.program, channelById("UCzzzzzzzzzzzzzzzzzzzzzz"), 50))
      expect(error._tag).toBe("YtDlpListingFailed")
      expect(error.message).toContain("exit 1")
      expect(error.message).toContain("This channel does not exist.")
      expect(error.message).not.toContain("Extracting URL")
    }))

  it.scoped("says so when the configured yt-dlp cannot be started", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(listAll("/nonexistent/yt-dlp", search, 5))
      expect(error._tag).toBe("YtDlpListingFailed")
      expect(error.message).toMatch(/ENOENT|not found|no such file/i)
    }))
})

describe("the YouTube back-end in use", () => {
  it.scoped("is yt-dlp without API keys and the Data API with them", () =>
    Effect.gen(function* () {
      const config = Schema.decodeSync(KidvoiceConfig)(defaultConfig)
      const name = (keys: ReadonlyArray<Redacted.Redacted<string>>) => Effect.map(YouTubeCatalog, (c) => c.name).pipe(Effect.provide(youTubeCatalogLayer(config, keys)))
      expect(yield* name([])).toBe("yt-dlp")
      expect(yield* name([Redacted.make("AIzaKey")])).toBe("youtube-data-api")
    }))
})
