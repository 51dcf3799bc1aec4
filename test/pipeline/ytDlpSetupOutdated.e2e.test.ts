import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Logger, LogLevel, Schema } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { defaultConfig, KidvoiceConfig } from "../../src/domain/Config.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { pipelineLayer } from "../../src/pipeline/layers.js"
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

describe("a yt-dlp YouTube withholds its formats from", () => {
  it.scopedLive("stops the download stage without recording any video as unavailable; once yt-dlp is fixed, the next run fetches them all", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("setup-outdated")
      writeFileSync(join(dir, "stderr.txt"), challengeUnsolved)
      const broken = fakeYtDlpDownloads(dir, "2025.11.20", `echo x >> '${dir}/runs'; cat '${dir}/stderr.txt' >&2; exit 1`)
      const catalog = scriptedCatalog(() => [[listing("Xk3vTq9LmA2"), listing("Hj6kL8mN0pQ"), listing("Qw2eR4tY6uI")]])
      const configWith = (ytDlpPath: string) => Schema.decodeSync(KidvoiceConfig)({
        ...defaultConfig,
        out: join(dir, "out"),
        ytDlpPath,
        discovery: { ...defaultConfig.discovery, channelExploreLimit: 0 },
        downloadConcurrency: 1,
        download: { ...defaultConfig.download, requestsPerMinute: 6000 }
      })
      const run = (ytDlpPath: string) => {
        const layer = Layer.merge(pipelineLayer(configWith(ytDlpPath)), catalog.layer)
        const rows = Effect.flatMap(Manifest, (m) => m.page("", 10)).pipe(Effect.provide(layer))
        return runAll({ inputs: [], queries: ["bé đọc thơ"] }, configWith(ytDlpPath), "test").pipe(Effect.provide(layer), Effect.exit, Effect.zip(rows))
      }

      const [stopped, before] = yield* run(broken)
      const error = Exit.isFailure(stopped) ? Cause.squash(stopped.cause) as { _tag: string; message: string } : null
      expect(error?._tag).toBe("YtDlpSetupOutdated")
      expect(error?.message).toContain("YouTube's challenge unsolved")
      expect(error?.message).toContain("bash scripts/setup-yt-dlp.sh")
      // One yt-dlp run, and no video spent an attempt or was recorded as having no audio.
      expect(readFileSync(join(dir, "runs"), "utf8").trim().split("\n")).toHaveLength(1)
      expect(before.map((row) => [row.state, row.attempts, row.lastErrorTag])).toEqual([["discovered", 0, null], ["discovered", 0, null], ["discovered", 0, null]])

      const [fixed, after] = yield* run(fakeYtDlpDownloads(join(dir, "out"), "2025.11.20", fetchesPoem))
      expect(fixed._tag).toBe("Success")
      expect(after.map((row) => row.state)).toEqual(["accepted", "accepted", "accepted"])
    }).pipe(Logger.withMinimumLogLevel(LogLevel.Error)), { timeout: 120_000 })
})
