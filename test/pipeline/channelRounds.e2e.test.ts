import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { join } from "node:path"
import { defaultConfig, KidvoiceConfig } from "../../src/domain/Config.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { pipelineLayer } from "../../src/pipeline/layers.js"
import { runAll } from "../../src/pipeline/Pipeline.js"
import { fakeYtDlpDownloads, fetchesPoem } from "../support/fakeYtDlp.js"
import { scopedTempDir } from "../support/manifest.js"
import { listing, scriptedCatalog } from "../support/youTubeListings.js"

const channel = "UCa9S8d7F6g5H4j3K2l1Z0xQ"

describe("kidvoice run mines the channels of accepted videos in the same run", () => {
  it.scopedLive("a video found by search is accepted; its channel is listed once, and the new video in it is downloaded, analyzed and accepted before the run ends", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("channel-rounds")
      // YouTube is out of reach: every "download" is the bundled child poem, through the real Downloader and ffmpeg.
      const ytDlpPath = fakeYtDlpDownloads(dir, "2025.11.20", fetchesPoem)
      const catalog = scriptedCatalog((target) =>
        target._tag === "Channel"
          ? [[listing("Xk3vTq9LmA2", { channelId: channel }), listing("Hj6kL8mN0pQ", { channelId: channel })]]
          : [[listing("Xk3vTq9LmA2", { channelId: channel })]])
      const config = Schema.decodeSync(KidvoiceConfig)({
        ...defaultConfig,
        out: join(dir, "out"),
        ytDlpPath,
        download: { ...defaultConfig.download, requestsPerMinute: 6000 }
      })
      const layer = Layer.merge(pipelineLayer(config), catalog.layer)
      const result = yield* runAll({ inputs: [], queries: ["bé đọc thơ"] }, config, "test").pipe(Effect.provide(layer))

      const { rows, queued } = yield* Effect.gen(function* () {
        const manifest = yield* Manifest
        return { rows: yield* manifest.page("", 10), queued: yield* manifest.queuedChannels }
      }).pipe(Effect.provide(layer))
      expect(rows.map((row) => [row.id, row.state])).toEqual([["Hj6kL8mN0pQ", "accepted"], ["Xk3vTq9LmA2", "accepted"]])
      expect(catalog.calls.map((call) => [call.target._tag, call.limit])).toEqual([["Search", 50], ["Channel", 50]])
      expect(queued).toEqual([])
      expect(result.discovered).toMatchObject({ added: 2, known: 1, channelsExplored: 1, failed: 0 })
      // The dataset written at the end holds both videos' clips.
      expect(result.dataset.clips).toBeGreaterThanOrEqual(2)
    }), { timeout: 120_000 })
})
