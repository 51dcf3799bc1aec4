import { describe, expect, it } from "@effect/vitest"
import { classifyYtDlpFailure, upcomingStartsIn, ytDlpErrorLines } from "../../src/download/ytDlpFailure.js"

const progress = [
  "[youtube] Extracting URL: https://www.youtube.com/watch?v=dQw4w9WgXcQ",
  "[youtube] dQw4w9WgXcQ: Downloading webpage",
  "[youtube] dQw4w9WgXcQ: Downloading ios player API JSON",
  "WARNING: [youtube] dQw4w9WgXcQ: nsig extraction failed: You may experience throttling for some formats"
].join("\n")
const stderr = (error: string) => `${progress}\n${error}\n`

describe("classifyYtDlpFailure", () => {
  const cases: ReadonlyArray<[string, string, string]> = [
    // permanent: recorded once as skipped
    ["ERROR: [youtube] dQw4w9WgXcQ: Private video. Sign in if you've been granted access to this video", "permanent", "private"],
    ["ERROR: [youtube] dQw4w9WgXcQ: Video unavailable. This video has been removed by the uploader", "permanent", "removed"],
    ["ERROR: [youtube] dQw4w9WgXcQ: Video unavailable", "permanent", "removed"],
    ["ERROR: [youtube] dQw4w9WgXcQ: Video unavailable. This video is no longer available because the YouTube account associated with this video has been terminated.", "permanent", "removed"],
    ["ERROR: [youtube] dQw4w9WgXcQ: Join this channel to get access to members-only content like this video, and other exclusive perks.", "permanent", "members-only"],
    ["ERROR: [youtube] dQw4w9WgXcQ: This video is available to this channel's members on level: Fans (or any higher level). Join this channel to get access to members-only content and other exclusive perks.", "permanent", "members-only"],
    ["ERROR: [youtube] dQw4w9WgXcQ: Sign in to confirm your age. This video may be inappropriate for some users. Use --cookies-from-browser or --cookies for the authentication.", "permanent", "age-restricted"],
    ["ERROR: [youtube] dQw4w9WgXcQ: This video is not available from your location due to geo restriction", "permanent", "geo-blocked"],
    ["ERROR: [youtube] dQw4w9WgXcQ: Video unavailable. The uploader has not made this video available in your country", "permanent", "geo-blocked"],
    ["ERROR: [youtube] dQw4w9WgXcQ: Video unavailable. This video is no longer available due to a copyright claim by Example Music", "permanent", "copyright"],
    ["ERROR: [youtube] dQw4w9WgXcQ: Video unavailable. This video contains content from Example TV, who has blocked it on copyright grounds", "permanent", "copyright"],
    ["ERROR: [vimeo] 12345: This video requires authentication. Use --cookies, --cookies-from-browser, --username and --password, --netrc-cmd, or --netrc", "permanent", "sign-in required"],
    ["ERROR: [generic] Unable to download webpage: HTTP Error 401: Unauthorized (caused by <HTTPError 401: 'Unauthorized'>)", "permanent", "sign-in required"],
    ["ERROR: Unsupported URL: https://example.com/page", "permanent", "unsupported URL"],
    ["ERROR: [generic] Unable to download webpage: HTTP Error 404: Not Found (caused by <HTTPError 404: Not Found>)", "permanent", "not found"],
    ["ERROR: [generic] None: Unable to download webpage: HTTP Error 410: Gone (caused by <HTTPError 410: 'Gone'>)", "permanent", "removed"],
    ["ERROR: [youtube] dQw4w9WgXcQ: Requested format is not available. Use --list-formats for a list of available formats", "permanent", "no audio format"],
    // rate-limited: the whole stage slows down
    ["ERROR: unable to download video data: HTTP Error 429: Too Many Requests", "rate-limited", "HTTP 429"],
    // what Debian's yt-dlp 2023.03.04 printed for a 429 from the local test server
    ["ERROR: [generic] None: Unable to download webpage: HTTP Error 429: Too Many Requests (caused by <HTTPError 429: 'Too Many Requests'>); please report this issue on  https://github.com/yt-dlp/yt-dlp/issues?q= , filling out the appropriate issue template.", "rate-limited", "HTTP 429"],
    ["ERROR: [youtube] dQw4w9WgXcQ: Sign in to confirm you’re not a bot. Use --cookies-from-browser or --cookies for the authentication.", "rate-limited", "bot check"],
    ["ERROR: [youtube] dQw4w9WgXcQ: Sign in to confirm you're not a bot. This helps protect our community.", "rate-limited", "bot check"],
    ["ERROR: [youtube] dQw4w9WgXcQ: Video unavailable. This content isn’t available, try again later.", "rate-limited", "try again later"],
    // transient: retried with backoff
    ["ERROR: unable to download video data: HTTP Error 503: Service Unavailable", "transient", "HTTP 5xx"],
    ["ERROR: [generic] None: Unable to download webpage: HTTP Error 500: Internal Server Error (caused by <HTTPError 500: 'Internal Server Error'>)", "transient", "HTTP 5xx"],
    ["ERROR: unable to download video data: HTTP Error 403: Forbidden", "transient", "HTTP 403"],
    ["ERROR: [youtube] dQw4w9WgXcQ: Unable to download API page: <urlopen error [Errno 104] Connection reset by peer> (caused by URLError(ConnectionResetError(104, 'Connection reset by peer')))", "transient", "connection lost"],
    ["ERROR: [download] Got error: The read operation timed out", "transient", "timeout"],
    ["ERROR: [youtube] dQw4w9WgXcQ: Unable to download webpage: <urlopen error [Errno -3] Temporary failure in name resolution>", "offline", "name resolution failed"],
    // what yt-dlp 2026.08.19 and 2023.03.04 printed here for a host that does not resolve and a closed local port
    ["ERROR: [generic] x: Unable to download webpage: [Errno -2] Name or service not known (caused by TransportError('[Errno -2] Name or service not known'))", "offline", "name resolution failed"],
    ["ERROR: [generic] x: Unable to download webpage: [Errno 111] Connection refused (caused by TransportError('[Errno 111] Connection refused'))", "offline", "connection refused"],
    ["ERROR: [generic] None: Unable to download webpage: <urlopen error [Errno 111] Connection refused> (caused by URLError(ConnectionRefusedError(111, 'Connection refused')))", "offline", "connection refused"],
    ["ERROR: [youtube] dQw4w9WgXcQ: Unable to download webpage: <urlopen error [Errno 101] Network is unreachable>", "offline", "network unreachable"],
    // yt-dlp's IncompleteRead, as FileDownloader.report_retry gives up on it
    ["ERROR: \r[download] Got error: 1048576 bytes read, 2097152 more expected. Giving up after 10 retries", "transient", "truncated"],
    ["ERROR: [download] Got error: IncompleteRead(1048576 bytes read, 2097152 more expected)", "transient", "truncated"],
    ["ERROR: [download] Got error: Downloaded 55428 bytes, expected 110856 bytes. Giving up after 10 retries", "transient", "truncated"],
    // what yt-dlp 2023.03.04 printed when the local server sent headers and then nothing (--socket-timeout 1)
    ["ERROR: unable to download video data: [Errno 2] No such file or directory: '/tmp/dlx/c.mp3'", "transient", "download failed"],
    ["ERROR: something nobody has seen before", "unknown", "unrecognised error"]
  ]
  for (const [line, kind, reason] of cases) {
    it(`${kind} (${reason}): ${line.slice(7, 80)}`, () => {
      expect(classifyYtDlpFailure(stderr(line))).toEqual({ kind, reason, retryable: kind !== "permanent" })
    })
  }

  it("lets a 429 win over the unable-to-download and unavailable words around it", () => {
    const text = [
      "ERROR: [youtube] dQw4w9WgXcQ: Unable to download webpage: HTTP Error 429: Too Many Requests",
      "ERROR: unable to download video data: Service Unavailable"
    ].join("\n")
    expect(classifyYtDlpFailure(text)).toMatchObject({ kind: "rate-limited", retryable: true })
  })

  it("treats a permanent reason as permanent even when a retry-worthy word is nearby", () => {
    expect(classifyYtDlpFailure("ERROR: [youtube] x: Private video\nERROR: unable to download video data: timed out").kind).toBe("permanent")
  })

  it("calls no format a set-up problem when yt-dlp warned that YouTube withheld them from it, and only then", () => {
    const noFormat = "ERROR: [youtube] dQw4w9WgXcQ: Requested format is not available. Use --list-formats for a list of available formats"
    const withheld: ReadonlyArray<[string, string]> = [
      ["WARNING: [youtube] No supported JavaScript runtime could be found. Only deno is enabled by default; to use another runtime add --js-runtimes RUNTIME[:PATH] to your command/config. YouTube extraction without a JS runtime has been deprecated, and some formats may be missing.", "no JavaScript runtime"],
      ["WARNING: [youtube] dQw4w9WgXcQ: n challenge solving failed: Some formats may be missing. Ensure you have a supported JavaScript runtime and challenge solver script distribution installed.", "YouTube's challenge unsolved"],
      ["WARNING: [youtube] dQw4w9WgXcQ: Signature solving failed: Some formats may be missing.", "YouTube's challenge unsolved"],
      ["WARNING: [youtube] dQw4w9WgXcQ: Some web client https formats have been skipped as they are missing a url. YouTube is forcing SABR streaming for this client.", "streams this yt-dlp cannot read"],
      ["WARNING: Only images are available for download. use --list-formats to see them", "only images offered"]
    ]
    for (const [warning, reason] of withheld) {
      expect(classifyYtDlpFailure(stderr(`${warning}
${noFormat}`))).toEqual({ kind: "setup", reason, retryable: true })
    }
    // The same warnings beside another error say nothing about formats; no format without them is the video's.
    expect(classifyYtDlpFailure(stderr(`${withheld[1]![0]}
ERROR: unable to download video data: HTTP Error 403: Forbidden`))).toMatchObject({ kind: "transient", reason: "HTTP 403" })
    expect(classifyYtDlpFailure(stderr(noFormat))).toMatchObject({ kind: "permanent", reason: "no audio format" })
  })

  it("calls a YouTube page yt-dlp no longer understands a set-up problem when it is the error, not when it is a warning", () => {
    const outdated = "ERROR: [youtube] dQw4w9WgXcQ: Unable to extract yt initial data; please report this issue on  https://github.com/yt-dlp/yt-dlp/issues?q= , filling out the appropriate issue template. Confirm you are on the latest version using yt-dlp -U"
    expect(classifyYtDlpFailure(stderr(outdated))).toEqual({ kind: "setup", reason: "YouTube's page not understood", retryable: true })
    expect(classifyYtDlpFailure(stderr("ERROR: [youtube] dQw4w9WgXcQ: Unable to extract initial player response"))).toMatchObject({ kind: "setup" })
    const warningOnly = `WARNING: [youtube:tab] unable to extract yt initial data; please report this issue\nERROR: [youtube] dQw4w9WgXcQ: Private video`
    expect(classifyYtDlpFailure(stderr(warningOnly))).toMatchObject({ kind: "permanent", reason: "private" })
  })

  it("calls a premiere or live event not begun upcoming, and reads when it starts", () => {
    const lines = [
      ["ERROR: [youtube] dQw4w9WgXcQ: This live event will begin in 40 minutes.", 40 * 60],
      ["ERROR: [youtube] dQw4w9WgXcQ: This live event will begin in 5 hours.", 5 * 3600],
      ["ERROR: [youtube] dQw4w9WgXcQ: This live event will begin in 1 day.", 86_400],
      ["ERROR: [youtube] dQw4w9WgXcQ: Premieres in 3 weeks", 3 * 604_800],
      ["ERROR: [youtube] dQw4w9WgXcQ: This live event will begin in a few moments.", 600],
      ["ERROR: [youtube] dQw4w9WgXcQ: Premiere will begin shortly", 600]
    ] as const
    for (const [line, seconds] of lines) {
      expect(classifyYtDlpFailure(stderr(line)), line).toEqual({ kind: "upcoming", reason: "not started yet", retryable: true })
      expect(upcomingStartsIn(stderr(line)), line).toBe(seconds)
    }
    // Only yt-dlp's error says so: a title that mentions a premiere does not.
    expect(classifyYtDlpFailure("[info] Premieres in 2 days - trailer\nERROR: [youtube] x: Private video").kind).toBe("permanent")
  })

  it("calls an empty stderr unknown but retryable", () => {
    expect(classifyYtDlpFailure("")).toMatchObject({ kind: "unknown", retryable: true })
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
