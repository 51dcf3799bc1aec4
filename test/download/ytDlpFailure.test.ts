import { describe, expect, it } from "@effect/vitest"
import { classifyYtDlpFailure, ytDlpErrorLines } from "../../src/download/ytDlpFailure.js"

const progress = [
  "[youtube] Extracting URL: https://www.youtube.com/watch?v=dQw4w9WgXcQ",
  "[youtube] dQw4w9WgXcQ: Downloading webpage",
  "[youtube] dQw4w9WgXcQ: Downloading ios player API JSON",
  "WARNING: [youtube] dQw4w9WgXcQ: nsig extraction failed: You may experience throttling for some formats"
].join("\n")
const stderr = (error: string) => `${progress}\n${error}\n`

describe("classifyYtDlpFailure", () => {
  const cases: ReadonlyArray<[string, string, boolean]> = [
    ["ERROR: [youtube] dQw4w9WgXcQ: Private video. Sign in if you've been granted access to this video", "unavailable", false],
    ["ERROR: [youtube] dQw4w9WgXcQ: Video unavailable. This video has been removed by the uploader", "unavailable", false],
    ["ERROR: [youtube] dQw4w9WgXcQ: Video unavailable", "unavailable", false],
    ["ERROR: [youtube] dQw4w9WgXcQ: Join this channel to get access to members-only content like this video, and other exclusive perks.", "unavailable", false],
    ["ERROR: [youtube] dQw4w9WgXcQ: Sign in to confirm your age. This video may be inappropriate for some users.", "unavailable", false],
    ["ERROR: [youtube] dQw4w9WgXcQ: This video is not available from your location due to geo restriction", "unavailable", false],
    ["ERROR: [youtube] dQw4w9WgXcQ: Video unavailable. This video is not available in your country", "unavailable", false],
    ["ERROR: Unsupported URL: https://example.com/page", "unavailable", false],
    ["ERROR: [generic] Unable to download webpage: HTTP Error 404: Not Found (caused by <HTTPError 404: Not Found>)", "unavailable", false],
    ["ERROR: [youtube] dQw4w9WgXcQ: Requested format is not available. Use --list-formats for a list of available formats", "unavailable", false],
    ["ERROR: unable to download video data: HTTP Error 429: Too Many Requests", "rate-limited", true],
    ["ERROR: [youtube] dQw4w9WgXcQ: Sign in to confirm you’re not a bot. Use --cookies-from-browser or --cookies for the authentication.", "rate-limited", true],
    ["ERROR: [youtube] dQw4w9WgXcQ: Sign in to confirm you're not a bot. This helps protect our community.", "rate-limited", true],
    ["ERROR: unable to download video data: HTTP Error 503: Service Unavailable", "transient", true],
    ["ERROR: [youtube] dQw4w9WgXcQ: Unable to download API page: <urlopen error [Errno 104] Connection reset by peer> (caused by URLError(ConnectionResetError(104, 'Connection reset by peer')))", "transient", true],
    ["ERROR: [download] Got error: The read operation timed out", "transient", true],
    ["ERROR: [youtube] dQw4w9WgXcQ: Unable to download webpage: <urlopen error [Errno -3] Temporary failure in name resolution>", "transient", true],
    // yt-dlp's IncompleteRead, as FileDownloader.report_retry gives up on it
    ["ERROR: \r[download] Got error: 1048576 bytes read, 2097152 more expected. Giving up after 10 retries", "transient", true],
    ["ERROR: [download] Got error: IncompleteRead(1048576 bytes read, 2097152 more expected)", "transient", true],
    ["ERROR: [download] Got error: Downloaded 55428 bytes, expected 110856 bytes. Giving up after 10 retries", "transient", true],
    ["ERROR: something nobody has seen before", "unknown", true]
  ]
  for (const [line, kind, retryable] of cases) {
    it(`${kind}: ${line.slice(7, 80)}`, () => {
      expect(classifyYtDlpFailure(stderr(line))).toEqual({ kind, retryable })
    })
  }

  it("lets a 429 win over the unable-to-download and unavailable words around it", () => {
    const text = [
      "ERROR: [youtube] dQw4w9WgXcQ: Unable to download webpage: HTTP Error 429: Too Many Requests",
      "ERROR: unable to download video data: Service Unavailable"
    ].join("\n")
    expect(classifyYtDlpFailure(text)).toEqual({ kind: "rate-limited", retryable: true })
  })

  it("treats a permanent reason as permanent even when a retry-worthy word is nearby", () => {
    expect(classifyYtDlpFailure("ERROR: [youtube] x: Private video\nERROR: unable to download video data: timed out").kind).toBe("unavailable")
  })

  it("calls an empty stderr unknown but retryable", () => {
    expect(classifyYtDlpFailure("")).toEqual({ kind: "unknown", retryable: true })
  })
})

describe("ytDlpErrorLines", () => {
  it("keeps only the ERROR lines, joined", () => {
    const text = `${progress}\n[download]  12.3% of 10.00MiB at 1.00MiB/s ETA 00:08\nERROR: first problem\n[download] retrying\nERROR: second problem\n`
    expect(ytDlpErrorLines(text)).toBe("ERROR: first problem | ERROR: second problem")
  })

  it("ignores lines that only mention ERROR: later on", () => {
    expect(ytDlpErrorLines("WARNING: saw ERROR: maybe\nERROR: real")).toBe("ERROR: real")
  })

  it("falls back to the last two non-blank lines without an ERROR line", () => {
    expect(ytDlpErrorLines("one\ntwo\n\nthree\n\n")).toBe("two | three")
    expect(ytDlpErrorLines("")).toBe("")
  })

  it("caps the summary at 1000 characters", () => {
    const text = Array.from({ length: 50 }, (_, i) => `ERROR: ${"x".repeat(40)} ${i}`).join("\n")
    expect(ytDlpErrorLines(text).length).toBe(1000)
  })
})
