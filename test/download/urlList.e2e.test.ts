import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { defaultConfig, KidvoiceConfig } from "../../src/domain/Config.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { pipelineLayer } from "../../src/pipeline/layers.js"
import { runAll } from "../../src/pipeline/Pipeline.js"
import { filesBelow, samplesDir } from "../support/cli.js"
import { scopedTempDir } from "../support/manifest.js"
import { mediaServer } from "../support/mediaServer.js"

describe("a URL list downloaded by real yt-dlp from a local server", () => {
  it.scopedLive("fetches what exists, records a 404 once as skipped, and retries a 500 until its attempts are used up", () =>
    Effect.gen(function* () {
      const server = yield* mediaServer({
        "/poem.mp3": { status: 200, file: join(samplesDir, "child-cs-poem.mp3") },
        "/flaky.mp3": { status: 500 }
      })
      const dir = yield* scopedTempDir("urls")
      const list = join(dir, "urls.txt")
      writeFileSync(list, [
        "# demo list",
        server.url("/poem.mp3"),
        server.url("/missing.mp3"),
        server.url("/flaky.mp3"),
        "not a url at all",
        server.url("/poem.mp3")
      ].join("\n"))
      const config = Schema.decodeSync(KidvoiceConfig)({
        ...defaultConfig, out: join(dir, "out"), maxAttempts: 2, retryBaseSeconds: 0, download: { ...defaultConfig.download, requestsPerMinute: 600 }
      })
      const rows = yield* Effect.gen(function* () {
        yield* runAll([list], config)
        const manifest = yield* Manifest
        return yield* manifest.page("", 100)
      }).pipe(Effect.provide(pipelineLayer(config)))
      const bySource = Object.fromEntries(rows.map((r) => [new URL(r.sourceUrl).pathname, r]))
      expect(rows.length).toBe(3)
      expect(bySource["/poem.mp3"]).toMatchObject({ kind: "url", state: "accepted" })
      expect(bySource["/missing.mp3"]).toMatchObject({ state: "skipped", lastErrorTag: "VideoUnavailable", attempts: 0, nextRetryAt: null })
      expect(bySource["/missing.mp3"]!.lastErrorMessage).toContain("404")
      expect(bySource["/flaky.mp3"]).toMatchObject({ state: "failed", lastErrorTag: "YtDlpFailed", attempts: 2, nextRetryAt: null })
      expect(bySource["/flaky.mp3"]!.lastErrorMessage).toContain("500")
      expect(server.requests.get("/missing.mp3")).toBe(1)
      expect(filesBelow(join(config.out, "tmp"))).toEqual([])
    }), { timeout: 120_000 })
})
