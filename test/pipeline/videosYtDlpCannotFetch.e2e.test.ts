import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Logger, LogLevel, Schema } from "effect"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { defaultConfig, KidvoiceConfig } from "../../src/domain/Config.js"
import { setupFailuresToStop } from "../../src/download/Downloader.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { manifestLayer, pipelineLayer } from "../../src/pipeline/layers.js"
import { runAll } from "../../src/pipeline/Pipeline.js"
import { fakeYtDlpDownloads, fetchesPoem } from "../support/fakeYtDlp.js"
import { scopedTempDir } from "../support/manifest.js"
import { listing, scriptedCatalog } from "../support/youTubeListings.js"

/** What yt-dlp prints when YouTube's challenge goes unsolved: the video has audio, this yt-dlp is shown none of it. */
const challengeUnsolved = [
  "WARNING: [youtube] Xk3vTq9LmA2: n challenge solving failed: Some formats may be missing. Ensure you have a supported JavaScript runtime and challenge solver script distribution installed.",
  "WARNING: Only images are available for download. use --list-formats to see them",
  "ERROR: [youtube] Xk3vTq9LmA2: Requested format is not available. Use --list-formats for a list of available formats"
].join("\n")

const ids = ["Hj6kL8mN0pQ", "Qw2eR4tY6uI", "Xk3vTq9LmA2", "Zp1oI9uY8tR"]

const configFor = (dir: string, ytDlpPath: string, retryBaseSeconds: number) =>
  Schema.decodeSync(KidvoiceConfig)({
    ...defaultConfig,
    out: join(dir, "out"),
    ytDlpPath,
    downloadConcurrency: 1,
    retryBaseSeconds,
    discovery: { ...defaultConfig.discovery, channelExploreLimit: 0 },
    download: { ...defaultConfig.download, requestsPerMinute: 6000 }
  })

/** Runs every stage on four searched videos with the given yt-dlp; answers how the run ended and the rows after it. */
const runWith = (dir: string, ytDlpPath: string, retryBaseSeconds: number) => {
  const config = configFor(dir, ytDlpPath, retryBaseSeconds)
  const layer = Layer.merge(pipelineLayer(config), scriptedCatalog(() => [ids.map((id) => listing(id))]).layer)
  return runAll({ inputs: [], queries: ["bé đọc thơ"] }, config, "test").pipe(
    Effect.exit,
    Effect.zip(Effect.flatMap(Manifest, (m) => m.page("", 10))),
    Effect.provide(layer)
  )
}

/** A yt-dlp that prints `stderr` and fails for the videos whose id matches `failing` (a shell pattern), and fetches the others. */
const ytDlp = (dir: string, failing: string, stderr = challengeUnsolved) => {
  writeFileSync(join(dir, "stderr.txt"), stderr)
  return fakeYtDlpDownloads(dir, "2025.11.20", `echo x >> '${dir}/runs'
case "$*" in ${failing}) cat '${dir}/stderr.txt' >&2; exit 1;; esac
${fetchesPoem}`)
}

const runs = (dir: string) => readFileSync(join(dir, "runs"), "utf8").trim().split("\n").length

describe("a yt-dlp YouTube withholds its formats from", () => {
  it.scopedLive("fails videos as retryable, never as unavailable, and stops the download stage at the third in a row; fixed, a retry fetches them", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("setup-outdated")
      // Retries far off: this run sees each video once.
      const [stopped, before] = yield* runWith(dir, ytDlp(dir, "*"), 600)
      const error = Exit.isFailure(stopped) ? Cause.squash(stopped.cause) as { _tag: string; message: string } : null
      expect(error?._tag).toBe("YtDlpSetupOutdated")
      expect(error?.message).toContain(`YouTube's challenge unsolved (${setupFailuresToStop} videos in a row)`)
      expect(error?.message).toContain("bash scripts/setup-yt-dlp.sh")
      // Three yt-dlp runs, three videos failed with a retry, the fourth never tried; none recorded as having no audio.
      expect(runs(dir)).toBe(setupFailuresToStop)
      expect(before.map((row) => [row.state, row.attempts, row.lastErrorTag]).sort()).toEqual([
        ["discovered", 0, null], ["failed", 1, "YtDlpSetupOutdated"], ["failed", 1, "YtDlpSetupOutdated"], ["failed", 1, "YtDlpSetupOutdated"]
      ])
      expect(before.every((row) => row.state !== "failed" || row.nextRetryAt !== null)).toBe(true)

      // The user updates yt-dlp and asks for the failed videos again, as the error says.
      yield* Effect.flatMap(Manifest, (m) => m.retry({ state: "failed", tag: "YtDlpSetupOutdated", ids: [] })).pipe(
        Effect.provide(manifestLayer(configFor(dir, "yt-dlp", 600)))
      )
      const fixedDir = join(dir, "fixed")
      mkdirSync(fixedDir)
      const [fixed, after] = yield* runWith(dir, ytDlp(fixedDir, "nothing"), 600)
      expect(fixed._tag).toBe("Success")
      expect(after.map((row) => row.state)).toEqual(["accepted", "accepted", "accepted", "accepted"])
    }).pipe(Logger.withMinimumLogLevel(LogLevel.Error)), { timeout: 120_000 })

  it.scopedLive("a video that alone ends so does not stop the others: it is retried like any failure and the rest are accepted", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("setup-one-video")
      // The first video claimed is the odd one; its retries (1-2 s, then 2-4 s) come after the others' downloads.
      const [ended, rows] = yield* runWith(dir, ytDlp(dir, `*${ids[0]}*`), 2)
      expect(ended._tag).toBe("Success")
      expect(rows.map((row) => [row.id, row.state])).toEqual([[ids[0], "failed"], [ids[1], "accepted"], [ids[2], "accepted"], [ids[3], "accepted"]])
      expect(rows[0]).toMatchObject({ lastErrorTag: "YtDlpSetupOutdated", attempts: defaultConfig.maxAttempts, nextRetryAt: null })
    }).pipe(Logger.withMinimumLogLevel(LogLevel.Error)), { timeout: 120_000 })
})

describe("a premiere or live event that has not started", () => {
  it.scopedLive("is tried again when yt-dlp says it starts, spending no attempt, and the run does not wait for it", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("upcoming")
      const startedAt = Date.now()
      const [ended, rows] = yield* runWith(dir, ytDlp(dir, `*${ids[1]}*`, `ERROR: [youtube] ${ids[1]}: This live event will begin in 3 hours.`), 1)
      expect(ended._tag).toBe("Success")
      expect(Date.now() - startedAt).toBeLessThan(60_000)
      const upcoming = rows.find((row) => row.id === ids[1])!
      expect(upcoming).toMatchObject({ state: "failed", attempts: 0, lastErrorTag: "VideoNotStarted" })
      expect(upcoming.nextRetryAt! - startedAt).toBeGreaterThan(3 * 3600_000 - 60_000)
      expect(upcoming.nextRetryAt! - startedAt).toBeLessThan(3 * 3600_000 + 60_000)
      expect(rows.filter((row) => row.id !== ids[1]).map((row) => row.state)).toEqual(["accepted", "accepted", "accepted"])
    }).pipe(Logger.withMinimumLogLevel(LogLevel.Error)), { timeout: 120_000 })
})
