import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Logger, LogLevel, Schema, Stream } from "effect"
import { execa } from "execa"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Candidate } from "../../src/domain/Candidate.js"
import { ManifestRow } from "../../src/domain/ManifestRow.js"
import { localVideoId, urlVideoId, VideoId } from "../../src/domain/VideoId.js"
import { Workspace, workspacePaths } from "../../src/domain/Workspace.js"
import { defaultConfig, KidvoiceConfig } from "../../src/domain/Config.js"
import { downloaderLayer, manifestLayer, youTubeCatalogLayer } from "../../src/pipeline/layers.js"
import { YouTubeCatalog } from "../../src/source/YouTubeCatalog.js"
import { YouTubeTarget } from "../../src/source/youTubeTargets.js"
import { Downloader, type DownloaderOptions } from "../../src/download/Downloader.js"
import { RequestPacer } from "../../src/download/RequestPacer.js"
import { filesBelow, samplesDir } from "../support/cli.js"
import { fakeYtDlpDownloads, fetchesPoem } from "../support/fakeYtDlp.js"
import { scopedTempDir } from "../support/manifest.js"
import { mediaServer } from "../support/mediaServer.js"

const rowFor = (candidate: Candidate) =>
  ManifestRow.make({
    ...candidate,
    measuredDurationSeconds: null,
    state: "downloading",
    failedStage: null,
    attempts: 0,
    lastErrorTag: null,
    lastErrorMessage: null,
    nextRetryAt: null,
    claimedBy: null,
    claimedAt: null,
    audioPath: null,
    analysis: null,
    speechSeconds: null,
    childSpeechSeconds: null,
    childShare: null,
    language: null,
    languageConfidence: null,
    decisionRule: null,
    decisionDetail: null,
    licence: null,
    createdAt: 0,
    updatedAt: 0
  })

const localRow = (path: string, n: number) =>
  rowFor(Candidate.make({ id: localVideoId(n.toString(16).padStart(64, "0")), kind: "local", sourceUrl: path, title: null, channel: null, declaredDurationSeconds: null }))

const options: DownloaderOptions = { maxDurationSeconds: 3 * 3600, ytDlpPath: "yt-dlp", fetch: defaultConfig.download }

const withDownloader = <A, E>(out: string, use: Effect.Effect<A, E, Downloader>) =>
  use.pipe(Effect.provide(Downloader.layer.pipe(
    Layer.provide(Layer.mergeAll(Workspace.layer(out), NodeFileSystem.layer, RequestPacer.layer(RequestPacer.policy(6000, 1))))
  )))

/** ffmpeg processes whose command line mentions `marker`. */
const ffmpegsFor = async (marker: string) => {
  const { stdout } = await execa("ps", ["-eo", "args"], { reject: false })
  return stdout.split("\n").filter((line) => line.includes("ffmpeg") && line.includes(marker))
}

describe("Downloader on local files", () => {
  it.scoped("places a 16 kHz mono WAV under audio/ with its measured duration, and leaves no temp files", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("download")
      const row = localRow(join(samplesDir, "child-cs-story.ogg"), 1)
      const result = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => d.download(row, options)))
      expect(result.audioPath).toBe(join(workspacePaths(out).audio, `${row.id}.wav`))
      expect(result.measuredDurationSeconds).toBeCloseTo(35.9, 1)
      expect(filesBelow(workspacePaths(out).tmp)).toEqual([])
    }))

  it.scoped("a file that is not audio fails as permanent, naming the file, with nothing left behind", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("download")
      const row = localRow(join(samplesDir, "broken-upload.mp3"), 2)
      const error = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => Effect.flip(d.download(row, options))))
      expect(error._tag).toBe("UndecodableMedia")
      expect(error.message).toContain("broken-upload.mp3")
      expect("retryable" in error && error.retryable).toBe(false)
      expect(filesBelow(out)).toEqual([])
    }))

  it.scoped("a zero-length file and a vanished file fail with their own reasons", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("download")
      const empty = join(out, "empty.mp4")
      writeFileSync(empty, "")
      const emptyError = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => Effect.flip(d.download(localRow(empty, 3), options))))
      const goneError = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => Effect.flip(d.download(localRow(join(out, "gone.mp3"), 4), options))))
      expect(emptyError._tag).toBe("UndecodableMedia")
      expect(goneError._tag).toBe("SourceFileMissing")
      expect(goneError.message).toContain("gone.mp3")
    }))

  it.scoped("a local file costs one ffmpeg and nothing else: no ffprobe, no capability probe", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("one-process")
      // Spies first on the variables the programs are found by: each logs its arguments, then runs the real program.
      const log = join(out, "runs.log")
      const spy = (program: string) => {
        const path = join(out, `spy-${program}`)
        writeFileSync(path, `#!/bin/sh\necho "${program} $*" >> '${log}'\nexec ${program} "$@"\n`, { mode: 0o755 })
        return path
      }
      const saved = { ffmpeg: process.env.FFMPEG_PATH, ffprobe: process.env.FFPROBE_PATH }
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          process.env.FFMPEG_PATH = spy("ffmpeg")
          process.env.FFPROBE_PATH = spy("ffprobe")
        }),
        () => Effect.sync(() => {
          for (const [name, value] of [["FFMPEG_PATH", saved.ffmpeg], ["FFPROBE_PATH", saved.ffprobe]] as const) {
            if (value === undefined) delete process.env[name]
            else process.env[name] = value
          }
        })
      )
      const result = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => d.download(localRow(join(samplesDir, "child-cs-poem.mp3"), 7), options)))
      expect(result.measuredDurationSeconds).toBeCloseTo(18.4, 1)
      const runs = readFileSync(log, "utf8").trim().split("\n")
      expect(runs).toHaveLength(1)
      expect(runs[0]).toMatch(/^ffmpeg .*child-cs-poem\.mp3/)
    }))

  it.scoped("a video longer than the limit is skipped, its decode stopped one second past the limit", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("download")
      const row = localRow(join(samplesDir, "child-cs-story.ogg"), 5)
      const error = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => Effect.flip(d.download(row, { ...options, maxDurationSeconds: 10 }))))
      expect(error._tag).toBe("DownloadSkipped")
      expect(error.message).toContain("longer than the 10 s limit")
      expect(existsSync(workspacePaths(out).audio)).toBe(false)
    }))

  it.live("interrupting a conversion kills ffmpeg and removes its temp directory", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("interrupt")
      const long = join(out, "long-input.flac")
      mkdirSync(out, { recursive: true })
      // Twenty minutes of a tone: long enough that the conversion is still running when interrupted.
      yield* Effect.promise(() => execa("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=220:duration=1200:sample_rate=48000", "-ac", "2", long]))
      const row = localRow(long, 6)
      const fiber = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => d.download(row, options))).pipe(Effect.fork)
      const tmp = workspacePaths(out).tmp
      while (filesBelow(tmp).length === 0 && (yield* Effect.promise(() => ffmpegsFor(row.id))).length === 0) yield* Effect.sleep("20 millis")
      expect((yield* Effect.promise(() => ffmpegsFor(row.id))).length).toBeGreaterThan(0)
      yield* Fiber.interrupt(fiber)
      // No pause before looking: the interruption completes only once ffmpeg has exited.
      expect(yield* Effect.promise(() => ffmpegsFor(row.id))).toEqual([])
      expect(filesBelow(tmp)).toEqual([])
      expect(existsSync(join(workspacePaths(out).audio, `${row.id}.wav`))).toBe(false)
    }).pipe(Effect.scoped))
})


const remoteRow = (n: number) =>
  rowFor(Candidate.make({ id: urlVideoId(`http://127.0.0.1:9/v${n}.mp3`), kind: "url", sourceUrl: `http://127.0.0.1:9/v${n}.mp3`, title: null, channel: null, declaredDurationSeconds: null }))

/** A YouTube video as the stand-in sees it (it fetches whatever it is given). */
const youTubeRow = (n: number) =>
  rowFor(Candidate.make({ id: VideoId.make(`yt-video-${String(n).padStart(2, "0")}`), kind: "youtube", sourceUrl: `http://127.0.0.1:9/v${n}.mp3`, title: null, channel: null, declaredDurationSeconds: null }))


describe("Downloader with yt-dlp (a stand-in script records what it is given)", () => {
  it.scopedLive("passes the user's download settings, a private copy of the cookies, and --js-runtimes only to a yt-dlp that knows it; asks the version once a run", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("ytdlp-args")
      const cookies = join(out, "cookies.txt")
      writeFileSync(cookies, "# Netscape HTTP Cookie File\n")
      const fetch = { ...defaultConfig.download, cookiesFile: cookies, proxy: "socks5://127.0.0.1:1080", limitRate: "1M", sleepRequestsSeconds: 2, timeoutSeconds: 7, maxMinutes: null }
      for (const [version, withJs] of [["2025.11.20", true], ["2023.03.04", false]] as const) {
        const bin = join(out, version)
        mkdirSync(bin)
        const ytDlpPath = fakeYtDlpDownloads(bin, version, fetchesPoem)
        yield* withDownloader(out, Effect.flatMap(Downloader, (d) =>
          Effect.forEach([youTubeRow(1), youTubeRow(2)], (row) => d.download(row, { ...options, ytDlpPath, fetch }))))
        const args = readFileSync(join(bin, "args"), "utf8").split("\n")
        const after = (flag: string) => args[args.indexOf(flag) + 1]
        expect(after("-f")).toBe("bestaudio/best")
        expect(after("--proxy")).toBe("socks5://127.0.0.1:1080")
        expect(after("--limit-rate")).toBe("1M")
        expect([after("--sleep-requests"), after("--sleep-interval"), after("--socket-timeout")]).toEqual(["2", "2", "7"])
        expect(after("--cookies")).not.toBe(cookies)
        expect(after("--cookies")!.startsWith(workspacePaths(out).tmp)).toBe(true)
        expect(after("--")).toBe("http://127.0.0.1:9/v2.mp3")
        // The runtime yt-dlp listed as supported in its -v header: the deno binary from npm.
        expect(args.includes("--js-runtimes") && /^deno:\/.+\/deno$/.test(after("--js-runtimes")!)).toBe(withJs)
        expect(args.includes("--remote-components") && after("--remote-components") === "ejs:npm").toBe(withJs)
        expect(readFileSync(join(bin, "version-calls"), "utf8").trim().split("\n")).toHaveLength(1)
      }
      expect(filesBelow(workspacePaths(out).tmp)).toEqual([])
    }))

  it.scopedLive("a run's catalog and Downloader share one inspection of yt-dlp: --version and -v run once between them", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("ytdlp-shared")
      const ytDlpPath = fakeYtDlpDownloads(out, "2025.11.20", fetchesPoem)
      const config = Schema.decodeSync(KidvoiceConfig)({ ...defaultConfig, out, ytDlpPath })
      const base = manifestLayer(config)
      // The two layers as pipelineLayer builds them, in one build.
      const layer = Layer.mergeAll(youTubeCatalogLayer(config, []), downloaderLayer(config, base))
      yield* Effect.gen(function* () {
        const catalog = yield* YouTubeCatalog
        // The stand-in lists nothing readable: only its inspection matters here.
        yield* Stream.runDrain(catalog.list(YouTubeTarget.Search({ query: "children" }), 5)).pipe(Effect.either)
        const downloader = yield* Downloader
        yield* downloader.download(youTubeRow(5), { ...options, ytDlpPath })
      }).pipe(Effect.provide(layer))
      expect(readFileSync(join(out, "version-calls"), "utf8").trim().split("\n")).toHaveLength(1)
      expect(readFileSync(join(out, "verbose-calls"), "utf8").trim().split("\n")).toHaveLength(1)
    }))

  it.scopedLive("another site's URL is fetched without inspecting yt-dlp first (no --version, no -v) and without YouTube's runtime flags", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("ytdlp-generic")
      const ytDlpPath = fakeYtDlpDownloads(out, "2025.11.20", fetchesPoem)
      const placed = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => d.download(remoteRow(9), { ...options, ytDlpPath })))
      expect(existsSync(placed.audioPath)).toBe(true)
      const args = readFileSync(join(out, "args"), "utf8").split("\n")
      expect(args.at(args.indexOf("--") + 1)).toBe("http://127.0.0.1:9/v9.mp3")
      expect(args.includes("--js-runtimes") || args.includes("--remote-components")).toBe(false)
      expect([existsSync(join(out, "version-calls")), existsSync(join(out, "verbose-calls"))]).toEqual([false, false])
    }))

  it.scoped("a missing yt-dlp or cookies file is a typed error that says what to do; yt-dlp does not run without its cookies", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("ytdlp-missing")
      const absent = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => Effect.flip(d.download(remoteRow(3), { ...options, ytDlpPath: join(out, "no-yt-dlp") }))))
      expect(absent._tag).toBe("YtDlpNotFound")
      expect(absent.message).toContain(join(out, "no-yt-dlp"))
      expect(absent.message).toContain("apt-get install yt-dlp")
      const ytDlpPath = fakeYtDlpDownloads(out, "2025.11.20", fetchesPoem)
      const fetch = { ...options.fetch, cookiesFile: join(out, "gone-cookies.txt") }
      const noCookies = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => Effect.flip(d.download(remoteRow(4), { ...options, ytDlpPath, fetch }))))
      expect(noCookies._tag).toBe("CookiesFileMissing")
      expect(noCookies.message).toContain("gone-cookies.txt")
      expect(existsSync(join(out, "args"))).toBe(false)
    }))

  it.scopedLive("an unreachable network is tried three times within seconds, then fails as NetworkUnreachable with a 'no network?' hint", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("ytdlp-offline")
      const refused = "ERROR: [generic] x: Unable to download webpage: [Errno 111] Connection refused (caused by TransportError('[Errno 111] Connection refused'))"
      const ytDlpPath = fakeYtDlpDownloads(out, "2025.11.20", `echo x >> '${out}/runs'; echo "${refused}" >&2; exit 1`)
      const error = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => Effect.flip(d.download(remoteRow(8), { ...options, ytDlpPath }))))
      expect(error._tag).toBe("NetworkUnreachable")
      expect(error.message).toContain("no network?")
      expect(readFileSync(join(out, "runs"), "utf8").trim().split("\n")).toHaveLength(3)
    }).pipe(Logger.withMinimumLogLevel(LogLevel.Error)), { timeout: 60_000 })

  it.scoped("a private video is unavailable with its reason; a bot check is rate-limited and retryable; formats withheld from yt-dlp are its set-up's fault", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("ytdlp-errors")
      const run = (line: string) => {
        const ytDlpPath = fakeYtDlpDownloads(out, "2025.11.20", `echo "${line}" >&2; exit 1`)
        return withDownloader(out, Effect.flatMap(Downloader, (d) => Effect.flip(d.download(remoteRow(5), { ...options, ytDlpPath }))))
      }
      expect(yield* run("ERROR: [youtube] abc: Private video. Sign in if you've been granted access to this video")).toMatchObject({
        _tag: "VideoUnavailable", reason: "private", retryable: false
      })
      expect(yield* run("ERROR: [youtube] abc: Sign in to confirm you're not a bot. Use --cookies")).toMatchObject({
        _tag: "YtDlpFailed", kind: "rate-limited", reason: "bot check", retryable: true
      })
      const withheld = yield* run("WARNING: [youtube] abc: n challenge solving failed: Some formats may be missing.\nERROR: [youtube] abc: Requested format is not available")
      expect(withheld).toMatchObject({ _tag: "YtDlpSetupOutdated", reason: "YouTube's challenge unsolved", retryable: true, inARow: 1 })
      expect(withheld.message).toContain("kidvoice doctor --ready")
      expect(filesBelow(workspacePaths(out).tmp)).toEqual([])
    }))

  it.live("a yt-dlp that goes silent is killed after three download timeouts and counts as a transient timeout", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("ytdlp-silent")
      // A sleep of a length no other process has, to find it in `ps` afterwards.
      const marker = `60.${process.pid}${Date.now() % 100_000}`
      const ytDlpPath = fakeYtDlpDownloads(out, "2025.11.20", `echo started; exec sleep ${marker}`)
      const started = Date.now()
      const error = yield* withDownloader(out, Effect.flatMap(Downloader, (d) =>
        Effect.flip(d.download(remoteRow(6), { ...options, ytDlpPath, fetch: { ...options.fetch, timeoutSeconds: 1 } }))))
      const elapsed = Date.now() - started
      expect(error).toMatchObject({ _tag: "YtDlpFailed", kind: "transient", reason: "timeout", retryable: true })
      // Three silent timeouts of 1 s each came first (no upper bound: a busy machine may take its time).
      expect(elapsed).toBeGreaterThanOrEqual(3000)
      const { stdout } = yield* Effect.promise(() => execa("ps", ["-eo", "args"], { reject: false }))
      expect(stdout).not.toContain(marker)
      expect(filesBelow(workspacePaths(out).tmp)).toEqual([])
    }).pipe(Effect.scoped), { timeout: 20_000 })

  it.live("a yt-dlp still downloading after --max-download-minutes is killed, with what it started, and counts as a transient timeout", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("ytdlp-trickle")
      const marker = `61.${process.pid}${Date.now() % 100_000}`
      // Never silent (a progress line every 100 ms, as a trickling host gives), and it has started a child of its own.
      const ytDlpPath = fakeYtDlpDownloads(out, "2025.11.20", `sleep ${marker} & while true; do echo "[download]   1.0% of 9MiB"; sleep 0.1; done`)
      const started = Date.now()
      const error = yield* withDownloader(out, Effect.flatMap(Downloader, (d) =>
        Effect.flip(d.download(remoteRow(7), { ...options, ytDlpPath, fetch: { ...options.fetch, timeoutSeconds: 1, maxMinutes: 0.02 } }))))
      const elapsed = Date.now() - started
      expect(error).toMatchObject({ _tag: "YtDlpFailed", kind: "transient", reason: "timeout", retryable: true })
      expect(error.message).toContain("--max-download-minutes")
      // Not before its 1.2 s were up; the message above says which limit ended it.
      expect(elapsed).toBeGreaterThanOrEqual(1200)
      const { stdout } = yield* Effect.promise(() => execa("ps", ["-eo", "args"], { reject: false }))
      expect(stdout).not.toContain(marker)
      expect(filesBelow(workspacePaths(out).tmp)).toEqual([])
    }).pipe(Effect.scoped), { timeout: 20_000 })
})

describe("Downloader captions", () => {
  it.scoped("a local file brings its sidecar captions (VTT without a language, SRT with one); a file without them has none", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("sidecar")
      const story = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => d.download(localRow(join(samplesDir, "child-cs-story.ogg"), 11), options)))
      expect(story.captions.map((t) => ({ language: t.language, source: t.source, cues: t.cues.length }))).toEqual([{ language: null, source: "manual", cues: 9 }])
      expect(story.captions[0]!.cues[0]!.text).toBe("Byl jednou jeden malý ježek, který se jmenoval Bodlinka.")
      const poem = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => d.download(localRow(join(samplesDir, "child-cs-poem.mp3"), 12), options)))
      expect(poem.captions.map((t) => [t.language, t.cues.length])).toEqual([["cs", 8]])
      const music = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => d.download(localRow(join(samplesDir, "music-no-speech.ogg"), 13), options)))
      expect(music.captions).toEqual([])
    }))

  it.scoped("real yt-dlp fetches a page's caption track in the same run as its audio (one media request), marked as the creator's", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("captions-yt-dlp")
      mkdirSync(out, { recursive: true })
      const page = join(out, "page.html")
      writeFileSync(page, [
        "<!DOCTYPE html><html><head><title>Ježek</title></head><body>",
        '<video controls><source src="/story.ogg" type="audio/ogg">',
        '<track kind="subtitles" src="/story.vtt" srclang="cs" label="Čeština"></video></body></html>'
      ].join("\n"))
      const server = yield* mediaServer({
        "/page.html": { status: 200, file: page, contentType: "text/html; charset=utf-8" },
        "/story.ogg": { status: 200, file: join(samplesDir, "child-cs-story.ogg"), contentType: "audio/ogg" },
        "/story.vtt": { status: 200, file: join(samplesDir, "child-cs-story.vtt"), contentType: "text/vtt" }
      })
      const url = server.url("/page.html")
      const row = rowFor(Candidate.make({ id: urlVideoId(url), kind: "url", sourceUrl: url, title: null, channel: null, declaredDurationSeconds: null }))
      const result = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => d.download(row, { ...options, captionLanguages: ["cs", "en", "en-orig"] })))
      expect(result.captions).toHaveLength(1)
      expect(result.captions[0]).toMatchObject({ language: "cs", source: "manual" })
      expect(result.captions[0]!.cues).toHaveLength(9)
      expect(server.requests.get("/story.ogg")).toBe(1)
      expect(server.requests.get("/story.vtt")).toBe(1)
      expect(existsSync(result.audioPath)).toBe(true)
      expect(filesBelow(workspacePaths(out).tmp)).toEqual([])
    }))
})
