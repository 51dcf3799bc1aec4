import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, Stream } from "effect"
import { execFileSync } from "node:child_process"
import { chmodSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { Candidate } from "../../src/domain/Candidate.js"
import { defaultConfig } from "../../src/domain/Config.js"
import { ManifestRow } from "../../src/domain/ManifestRow.js"
import { urlVideoId, VideoId } from "../../src/domain/VideoId.js"
import { Workspace, workspacePaths } from "../../src/domain/Workspace.js"
import { Downloader } from "../../src/download/Downloader.js"
import { RequestPacer } from "../../src/download/RequestPacer.js"
import type { FetchSettings } from "../../src/download/YtDlp.js"
import { resolveYtDlpPath } from "../../src/download/ytDlpLocation.js"
import { ytDlpVersionAdvice } from "../../src/download/ytDlpVersion.js"
import { ytDlpCatalog } from "../../src/source/YtDlpSearch.js"
import { YouTubeTarget } from "../../src/source/youTubeTargets.js"
import { filesBelow, samplesDir } from "../support/cli.js"
import { httpProxy } from "../support/httpProxy.js"
import { scopedTempDir } from "../support/manifest.js"
import { mediaServer } from "../support/mediaServer.js"

/** The yt-dlp kidvoice runs by default (setup's .venv one, else PATH's), found the way the program finds it. */
const realYtDlp = resolveYtDlpPath("auto")
const realSupportsRuntimes = ytDlpVersionAdvice(execFileSync(realYtDlp, ["--version"], { encoding: "utf8" }), new Date()).supportsJsRuntimes

/** The real yt-dlp behind a wrapper that records each command line: what yt-dlp was given, not what we meant to give. */
const recordingYtDlp = (dir: string) => {
  const wrapper = join(dir, "yt-dlp")
  writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\0' "$@" >> '${dir}/argv'; printf '\\n' >> '${dir}/argv'\nexec '${realYtDlp}' "$@"\n`)
  chmodSync(wrapper, 0o755)
  const runs = () => readFileSync(join(dir, "argv"), "utf8").split("\n").filter((l) => l !== "").map((l) => l.split("\0").slice(0, -1))
  return { wrapper, runs }
}

const page = (ids: ReadonlyArray<string>) =>
  `<html><head><title>Bé Na Official</title></head><body>${ids.map((id) => `<iframe src="https://www.youtube.com/embed/${id}"></iframe>`).join("")}</body></html>`

const valueOf = (args: ReadonlyArray<string>, flag: string) => args[args.indexOf(flag) + 1]

/** A row for `url`; a YouTube row is fetched with the JavaScript runtime, any other without inspecting yt-dlp. */
const urlRow = (url: string, kind: "url" | "youtube" = "url") =>
  ManifestRow.make({
    ...Candidate.make({ id: kind === "url" ? urlVideoId(url) : VideoId.make("Xk3vTq9LmA2"), kind, sourceUrl: url, title: null, channel: null, declaredDurationSeconds: null }),
    measuredDurationSeconds: null, state: "downloading", failedStage: null, attempts: 0, lastErrorTag: null, lastErrorMessage: null,
    nextRetryAt: null, claimedBy: null, claimedAt: null, audioPath: null, analysis: null, speechSeconds: null, childSpeechSeconds: null,
    childShare: null, language: null, languageConfidence: null, decisionRule: null, decisionDetail: null, licence: null, createdAt: 0, updatedAt: 0
  })

const download = (out: string, ytDlpPath: string, row: ManifestRow, fetch: FetchSettings) =>
  Effect.flatMap(Downloader, (d) => d.download(row, { maxDurationSeconds: 3600, ytDlpPath, fetch })).pipe(
    Effect.provide(Downloader.layer.pipe(Layer.provide(Layer.mergeAll(Workspace.layer(out), NodeFileSystem.layer, RequestPacer.layer(RequestPacer.policy(6000, 1))))))
  )

describe(`the real yt-dlp (${realYtDlp}) through a local proxy, with cookies, pace and the JavaScript runtime`, () => {
  it.scopedLive("lists a page and downloads a file: every request goes through the proxy and carries the cookies", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("real-yt-dlp")
      const pagePath = join(dir, "channel.html")
      writeFileSync(pagePath, page(["Xk3vTq9LmA2", "b7Yh2Kp0QwE"]))
      const server = yield* mediaServer({
        "/channel.html": { status: 200, file: pagePath, contentType: "text/html; charset=utf-8" },
        "/poem.mp3": { status: 200, file: join(samplesDir, "child-cs-poem.mp3") }
      })
      const proxy = yield* httpProxy
      const cookies = join(dir, "cookies.txt")
      writeFileSync(cookies, "# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tkid-42\n")
      const yt = recordingYtDlp(dir)
      const settings = { ...defaultConfig.download, cookiesFile: cookies, proxy: proxy.url, sleepRequestsSeconds: 0.01, timeoutSeconds: 20 }

      const catalog = yield* ytDlpCatalog(yt.wrapper, settings)
      const target = YouTubeTarget.Channel({ url: server.url("/channel.html"), channelId: null, handle: null, legacyName: null })
      const listed = yield* catalog.list(target, 10).pipe(Stream.runCollect, Effect.map((chunks) => [...chunks].flat()))
      expect(listed.map((l) => l.candidate.id)).toEqual(["Xk3vTq9LmA2", "b7Yh2Kp0QwE"])

      const url = server.url("/poem.mp3")
      const out = join(dir, "out")
      // As a YouTube video would be fetched (the stand-in page is served locally): with the runtime yt-dlp accepted.
      const downloaded = yield* download(out, yt.wrapper, urlRow(url, "youtube"), settings)
      expect(downloaded.measuredDurationSeconds).toBeGreaterThan(1)

      // Both went through the proxy, with the cookies of the user's file (yt-dlp was given private copies).
      expect(proxy.forwarded).toContain(server.url("/channel.html"))
      expect(proxy.forwarded).toContain(url)
      expect(server.cookies.get("/channel.html")).toBe("session=kid-42")
      expect(server.cookies.get("/poem.mp3")).toBe("session=kid-42")
      const work = yt.runs().filter((args) => args.includes("--"))
      expect(work.map((args) => args.at(-1))).toEqual([server.url("/channel.html"), url])
      for (const args of work) {
        expect(valueOf(args, "--proxy")).toBe(proxy.url)
        expect(valueOf(args, "--cookies")).not.toBe(cookies)
        expect(valueOf(args, "--sleep-requests")).toBe("0.01")
        expect(valueOf(args, "--socket-timeout")).toBe("20")
        // A current yt-dlp is given the deno from npm, which its -v header listed as supported, and ejs:npm (no yt-dlp-ejs here).
        expect(args.includes("--js-runtimes") && /^deno:.+\/deno$/.test(valueOf(args, "--js-runtimes")!)).toBe(realSupportsRuntimes)
        expect(args.includes("--remote-components")).toBe(realSupportsRuntimes)
      }
      expect(readFileSync(cookies, "utf8")).toContain("kid-42")
      expect(filesBelow(workspacePaths(out).tmp)).toEqual([])
    }).pipe(Logger.withMinimumLogLevel(LogLevel.Error)), { timeout: 120_000 })

  it.scopedLive("opens a file:// URL only when the user allowed it (--allow-file-urls gives yt-dlp --enable-file-urls)", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("file-urls")
      const yt = recordingYtDlp(dir)
      const url = pathToFileURL(join(samplesDir, "child-cs-poem.mp3")).href
      const refused = yield* Effect.flip(download(join(dir, "refused"), yt.wrapper, urlRow(url), defaultConfig.download))
      // yt-dlp's own refusal: kidvoice never opens a local file behind the user's back.
      expect(refused.message).toContain("file:// URLs are disabled")
      const allowed = yield* download(join(dir, "allowed"), yt.wrapper, urlRow(url), { ...defaultConfig.download, allowFileUrls: true })
      expect(allowed.measuredDurationSeconds).toBeGreaterThan(1)
      const work = yt.runs().filter((args) => args.includes("--"))
      expect(work.map((args) => args.includes("--enable-file-urls"))).toEqual([false, true])
    }).pipe(Logger.withMinimumLogLevel(LogLevel.Error)), { timeout: 120_000 })
})
