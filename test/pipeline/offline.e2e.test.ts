import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, LogLevel, Schema } from "effect"
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { defaultConfig, KidvoiceConfig } from "../../src/domain/Config.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { pipelineLayer } from "../../src/pipeline/layers.js"
import { runAll } from "../../src/pipeline/Pipeline.js"
import { samplesDir } from "../support/cli.js"
import { scopedTempDir } from "../support/manifest.js"

/** A loopback port nothing listens on: yt-dlp's connection is refused, as when the network is down. */
const closedPort = Effect.promise(() => new Promise<number>((done) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address() as { port: number }
    probe.close(() => done(port))
  })
}))

describe("a run while the network is down", () => {
  it.scopedLive("finishes its local work without waiting for the unreachable video, which stays queued with a 'no network?' hint", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("offline")
      const media = join(dir, "media")
      mkdirSync(media)
      copyFileSync(join(samplesDir, "child-cs-poem.mp3"), join(media, "poem.mp3"))
      const list = join(dir, "urls.txt")
      writeFileSync(list, `http://127.0.0.1:${yield* closedPort}/lost.mp3\n`)
      // An hour between attempts: were the run to wait for this retry, the test would time out.
      const config = Schema.decodeSync(KidvoiceConfig)({
        ...defaultConfig, out: join(dir, "out"), retryBaseSeconds: 3600, download: { ...defaultConfig.download, requestsPerMinute: 600 }
      })
      const rows = yield* Effect.gen(function* () {
        yield* runAll([media, list], config)
        return yield* (yield* Manifest).page("", 100)
      }).pipe(Effect.provide(pipelineLayer(config)))
      const remote = rows.find((r) => r.kind === "url")!
      const local = rows.find((r) => r.kind === "local")!
      expect(local.state).toBe("accepted")
      expect(remote).toMatchObject({ state: "failed", lastErrorTag: "NetworkUnreachable", attempts: 1 })
      expect(remote.nextRetryAt).not.toBeNull()
      expect(remote.lastErrorMessage).toContain("no network?")
      expect(remote.lastErrorMessage).toContain("connection refused")
    }).pipe(Logger.withMinimumLogLevel(LogLevel.Error)), { timeout: 180_000 })
})
