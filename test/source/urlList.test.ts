import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { createHash } from "node:crypto"
import { parseUrlList } from "../../src/source/urlList.js"

const idChars = /^[A-Za-z0-9_-]{11}$/

describe("parseUrlList", () => {
  it("refuses file:// URLs unless asked, saying how to allow them; when allowed they are url candidates", () => {
    const text = "file:///srv/archive/poem.mp3\nftp://host/x.mp3"
    const refused = parseUrlList(text)
    expect(refused.candidates).toEqual([])
    expect(refused.rejected.map((r) => r.line)).toEqual([1, 2])
    expect(refused.rejected[0]!.reason).toContain("--allow-file-urls")
    const allowed = parseUrlList(text, { allowFileUrls: true })
    expect(allowed.candidates.map((c) => [c.kind, c.sourceUrl])).toEqual([["url", "file:///srv/archive/poem.mp3"]])
    expect(allowed.rejected.map((r) => r.line)).toEqual([2])
  })

  it("keeps lines naming local media files (absolute or relative) for discovery to read; other paths are junk", () => {
    const text = ["/data/kids/party 2019.MTS", "./memos/ana.amr", "../calls/0001.ulaw", "dQw4w9WgXcQ", "notes/todo.txt", "a.mp3"].join("\n")
    const { candidates, localFiles, rejected } = parseUrlList(text)
    expect(localFiles).toEqual([
      { line: 1, path: "/data/kids/party 2019.MTS" },
      { line: 2, path: "./memos/ana.amr" },
      { line: 3, path: "../calls/0001.ulaw" },
      { line: 6, path: "a.mp3" }
    ])
    expect(candidates.map((c) => c.id)).toEqual(["dQw4w9WgXcQ"])
    expect(rejected).toEqual([{ line: 5, text: "notes/todo.txt", reason: "not a URL, an 11-character YouTube id or a media file's path" }])
  })

  it("takes a line's first column: a trailing # note, a tab, a space or a comma after a URL or id ends it", () => {
    const text = [
      "https://www.youtube.com/watch?v=dQw4w9WgXcQ  # the song her class sang",
      "https://youtu.be/Xy_9-kLmN0p\tBé hát\t95",
      "vB4nM5kL6jH,Kids reading,120",
      "https://www.youtube.com/watch?v=cD7eF8gH9iJ,\"a title, with a comma\"",
      "https://example.com/a,b.mp4", // a comma inside another site's URL is its own
      "https://example.com/talk.mp4 from the archive",
      "/data/kids/party 2019.MTS  # birthday", // a path keeps its spaces
      "/data/kids/Track #1.mp3" // and a `#` in its name
    ].join("\n")
    const { candidates, localFiles, rejected } = parseUrlList(text)
    expect(rejected).toEqual([])
    expect(candidates.map((c) => c.sourceUrl)).toEqual([
      "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
      "https://www.youtube.com/watch?v=Xy_9-kLmN0p",
      "https://www.youtube.com/watch?v=vB4nM5kL6jH",
      "https://www.youtube.com/watch?v=cD7eF8gH9iJ",
      "https://example.com/a,b.mp4",
      "https://example.com/talk.mp4"
    ])
    expect(localFiles).toEqual([{ line: 7, path: "/data/kids/party 2019.MTS" }, { line: 8, path: "/data/kids/Track #1.mp3" }])
  })

  it("reads a YouTube URL whatever the case of its host", () => {
    const { candidates, rejected } = parseUrlList("HTTPS://WWW.YOUTUBE.COM/watch?v=dQw4w9WgXcQ")
    expect(rejected).toEqual([])
    expect(candidates.map((c) => [c.kind, c.id])).toEqual([["youtube", "dQw4w9WgXcQ"]])
  })

  it("maps watch, shorts, embed, youtu.be URLs and bare ids to youtube candidates", () => {
    const text = [
      "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
      "https://m.youtube.com/watch?feature=share&v=aaaaaaaaaa1&t=10s",
      "https://youtube.com/shorts/bbbbbbbbbb2?feature=share",
      "https://www.youtube.com/embed/cccccccccc3",
      "https://youtu.be/ddddddddd-4?t=42",
      "eeeeeeeee_5"
    ].join("\n")
    const { candidates, rejected } = parseUrlList(text)
    expect(rejected).toEqual([])
    expect(candidates.map((c) => [c.kind, c.id])).toEqual([
      ["youtube", "dQw4w9WgXcQ"],
      ["youtube", "aaaaaaaaaa1"],
      ["youtube", "bbbbbbbbbb2"],
      ["youtube", "cccccccccc3"],
      ["youtube", "ddddddddd-4"],
      ["youtube", "eeeeeeeee_5"]
    ])
    for (const c of candidates) expect(c.sourceUrl).toBe(`https://www.youtube.com/watch?v=${c.id}`)
  })

  it("maps other http(s) URLs to url candidates with a stable url-<16 hex> id", () => {
    const url = "https://example.com/media/talk.mp4?x=1"
    const first = parseUrlList(`${url}\nhttp://vimeo.com/123456`)
    const again = parseUrlList(`# again\n${url}`)
    expect(first.rejected).toEqual([])
    expect(first.candidates).toHaveLength(2)
    const [c, other] = first.candidates
    expect(c!.kind).toBe("url")
    expect(c!.sourceUrl).toBe(url)
    expect(c!.id).toMatch(/^url-[0-9a-f]{16}$/)
    expect(c!.id).toBe(`url-${createHash("sha256").update(url).digest("hex").slice(0, 16)}`)
    expect(again.candidates[0]!.id).toBe(c!.id)
    expect(other!.kind).toBe("url")
    expect(other!.id).not.toBe(c!.id)
  })

  it("skips blank lines, comments, a BOM and CRLF line ends, counting lines from 1", () => {
    const text = "\uFEFFdQw4w9WgXcQ\r\n\r\n   \r\n# a comment\r\n  # indented comment\r\nnot a url\r\nhttps://youtu.be/aaaaaaaaaa1\r\n"
    const { candidates, rejected } = parseUrlList(text)
    expect(candidates.map((c) => c.id)).toEqual(["dQw4w9WgXcQ", "aaaaaaaaaa1"])
    expect(rejected).toHaveLength(1)
    expect(rejected[0]).toMatchObject({ line: 6, text: "not a url" })
    expect(rejected[0]!.text).not.toContain("\r")
  })

  it("reports junk lines with their 1-based line number and a reason", () => {
    const lines = [
      "dQw4w9WgXcQ", // 1 ok
      "hello world", // 2
      "ftp://example.com/file.mp4", // 3
      "javascript:alert(1)", // 4
      "https://www.youtube.com/feed/trending", // 5
      "https://www.youtube.com/watch?v=short", // 6
      "abcdefghij", // 7: 10 chars
      "abcdefghijkl", // 8: 12 chars
      "", // 9
      "https://www.youtube.com/watch?v=abcdefghijkl" // 10: 12-char id
    ]
    const { candidates, rejected } = parseUrlList(lines.join("\n"))
    expect(candidates.map((c) => c.id)).toEqual(["dQw4w9WgXcQ"])
    expect(rejected.map((r) => [r.line, r.text])).toEqual([
      [2, "hello world"],
      [3, "ftp://example.com/file.mp4"],
      [4, "javascript:alert(1)"],
      [5, "https://www.youtube.com/feed/trending"],
      [6, "https://www.youtube.com/watch?v=short"],
      [7, "abcdefghij"],
      [8, "abcdefghijkl"],
      [10, "https://www.youtube.com/watch?v=abcdefghijkl"]
    ])
    const reason = (line: number) => rejected.find((r) => r.line === line)!.reason
    expect(reason(2)).toContain("not a URL")
    expect(reason(3)).toContain("ftp:")
    expect(reason(4)).toContain("javascript:")
    expect(reason(5)).toContain("without a video id")
    expect(reason(6)).toContain("without a video id")
    expect(reason(7)).toContain("11-character")
  })

  it("keeps a video once, at its first line, whatever shape it is written in", () => {
    const text = [
      "https://example.com/a.mp4",
      "dQw4w9WgXcQ",
      "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
      "https://youtu.be/dQw4w9WgXcQ",
      "https://example.com/a.mp4",
      "https://youtube.com/shorts/dQw4w9WgXcQ"
    ].join("\n")
    const { candidates, rejected } = parseUrlList(text)
    expect(rejected).toEqual([])
    expect(candidates.map((c) => c.kind)).toEqual(["url", "youtube"])
    expect(candidates[1]!.id).toBe("dQw4w9WgXcQ")
  })

  it("cuts a very long junk line's text to 200 characters", () => {
    const junk = "x ".repeat(300)
    const { rejected } = parseUrlList(junk)
    expect(rejected[0]!.text.length).toBe(200)
  })

  const validId = fc.stringMatching(idChars)
  const idLine = fc.tuple(validId, fc.integer({ min: 0, max: 3 })).map(([id, shape]) => ({
    id,
    text: [id, `https://www.youtube.com/watch?v=${id}`, `https://youtu.be/${id}`, `https://youtube.com/shorts/${id}`][shape]!
  }))
  const junkLine = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/),
    fc.stringMatching(/^[A-Za-z0-9_-]{12,30}$/),
    fc.stringMatching(/^[a-z]{1,8} [a-z]{1,8}$/),
    fc.stringMatching(/^[a-z0-9]{1,10}$/).map((s) => `ftp://${s}.example/${s}`),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/).map((s) => `https://www.youtube.com/watch?v=${s}`)
  )
  const filler = fc.constantFrom("", "   ", "# comment", "#https://youtu.be/dQw4w9WgXcQ")

  it.prop("every valid id appears exactly once and every junk line is reported at its line", [
    fc.array(
      fc.oneof(
        idLine.map((l) => ({ kind: "id" as const, ...l })),
        junkLine.map((text) => ({ kind: "junk" as const, text })),
        filler.map((text) => ({ kind: "filler" as const, text }))
      ),
      { maxLength: 40 }
    ),
    fc.constantFrom("\n", "\r\n")
  ], ([entries, eol]) => {
    const { candidates, rejected } = parseUrlList(entries.map((e) => e.text).join(eol))
    const ids = entries.flatMap((e) => (e.kind === "id" ? [e.id] : []))
    const expectedIds = [...new Set(ids)]
    expect(candidates.map((c) => c.id)).toEqual(expectedIds)
    expect(candidates.every((c) => c.kind === "youtube")).toBe(true)
    const expectedRejected = entries.flatMap((e, i) => (e.kind === "junk" ? [{ line: i + 1, text: e.text }] : []))
    expect(rejected.map((r) => ({ line: r.line, text: r.text }))).toEqual(expectedRejected)
  })
})

describe("parseUrlList with channels and playlists", () => {
  it("keeps channel and playlist lines as targets to list, once each, beside the videos", () => {
    const { candidates, targets, rejected } = parseUrlList([
      "https://www.youtube.com/@BeNaOfficial",
      "https://www.youtube.com/channel/UCq1w2e3r4t5y6u7i8o9p0aA/videos",
      "https://www.youtube.com/playlist?list=PLx9Yq2Wm7Rk4Tn1Bv8Cz3Ld6Fh0Jg5Sa",
      "https://www.youtube.com/@BeNaOfficial/videos",
      "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PLx9Yq2Wm7Rk4Tn1Bv8Cz3Ld6Fh0Jg5Sa"
    ].join("\n"))
    expect(rejected).toEqual([])
    expect(candidates.map((c) => c.id)).toEqual(["dQw4w9WgXcQ"])
    expect(targets.map((t) => t.line)).toEqual([1, 2, 3])
    expect(targets.map(({ target: t }) => t._tag === "Channel" ? t.url : t._tag === "Playlist" ? t.playlistId : t.query)).toEqual([
      "https://www.youtube.com/@BeNaOfficial/videos",
      "https://www.youtube.com/channel/UCq1w2e3r4t5y6u7i8o9p0aA/videos",
      "PLx9Yq2Wm7Rk4Tn1Bv8Cz3Ld6Fh0Jg5Sa"
    ])
  })
})
