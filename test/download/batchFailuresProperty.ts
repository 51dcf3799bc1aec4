import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Fiber, Schema } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { defaultConfig, KidvoiceConfig } from "../../src/domain/Config.js"
import { parseWavHeader } from "../../src/media/WavFile.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { pipelineLayer } from "../../src/pipeline/layers.js"
import { runAll } from "../../src/pipeline/Pipeline.js"
import { filesBelow, samplesDir } from "../support/cli.js"
import { scopedTempDir } from "../support/manifest.js"
import { mediaServer, type Script } from "../support/mediaServer.js"
import { mediaChildren } from "../support/processes.js"

const media = ["child-cs-poem.mp3", "adult-en-kal.wav", "child-like-espeak-vi.ogg"].map((f) => join(samplesDir, f))

const kinds = ["ok", "slow", "truncated", "error500", "missing", "tooManyOnce", "stall"] as const
type Kind = (typeof kinds)[number]

const routeOf = (kind: Kind, n: number): Script => {
  const file = media[n % media.length]!
  switch (kind) {
    case "ok": return { status: 200, file }
    case "slow": return { status: 200, file, delayMs: 400 }
    case "truncated": return { status: 200, file, truncate: true }
    case "error500": return { status: 500 }
    case "missing": return { status: 404 }
    // The host refuses once ("too many requests"), then answers.
    case "tooManyOnce": return [{ status: 429 }, { status: 200, file }]
    // Headers, then nothing: only a timeout ends it.
    case "stall": return { status: 200, file, stall: true }
  }
}

const kindOf = (sourceUrl: string) => new URL(sourceUrl).pathname.split("-")[1]!.replace(".bin", "") as Kind

/**
 * The batch-failures property over `fastCheck`'s cases: the default tier runs a few (batchFailures.e2e.test.ts),
 * the slow tier many more (batchFailures.slow.test.ts).
 */
export const describeBatchFailures = (fastCheck: { readonly numRuns: number; readonly seed?: number }) =>
  describe("concurrent downloads with failures mid-batch (real yt-dlp and ffmpeg on loopback)", () => {
    it.scopedLive.prop(
      "any mix of good, slow, truncated, failing, refusing and stalling sources, interrupted or not: the bound holds, no temp file, " +
        "no child process, no half-written WAV, every row legal; refusals cost no attempt, missing videos are skipped once",
      [fc.array(fc.constantFrom(...kinds), { minLength: 3, maxLength: 8 }), fc.integer({ min: 1, max: 3 }), fc.option(fc.integer({ min: 300, max: 3000 }), { nil: null })],
      ([batch, concurrency, interruptAfterMs]) =>
        Effect.gen(function* () {
          const routes = Object.fromEntries(batch.map((kind, n) => [`/v${n}-${kind}.bin`, routeOf(kind, n)]))
          const server = yield* mediaServer(routes)
          const dir = yield* scopedTempDir("batch")
          const list = join(dir, "urls.txt")
          writeFileSync(list, Object.keys(routes).map((path) => server.url(path)).join("\n"))
          const config = Schema.decodeSync(KidvoiceConfig)({
            ...defaultConfig, out: join(dir, "out"), downloadConcurrency: concurrency, maxAttempts: 2, retryBaseSeconds: 0,
            // The bound is counted in connections at the server: the distribution's yt-dlp closes a timed-out connection
            // before its retry, while yt-dlp 2026 (setup's .venv one) keeps it open as it retries, two connections from one process.
            ytDlpPath: "yt-dlp",
            download: { ...defaultConfig.download, requestsPerMinute: 6000, rateLimitPauseSeconds: 0.3, timeoutSeconds: 1 }
          })
          const layer = pipelineLayer(config)
          const run = runAll([list], config, "test").pipe(Effect.provide(layer), Effect.scoped)
          if (interruptAfterMs === null) yield* run
          else {
            const fiber = yield* Effect.fork(run)
            yield* Effect.sleep(`${interruptAfterMs} millis`)
            yield* Fiber.interrupt(fiber)
          }
          // yt-dlp makes one request at a time: more requests at once than workers would mean the bound leaked.
          expect(server.load.maxInFlight).toBeLessThanOrEqual(concurrency)
          expect(filesBelow(join(config.out, "tmp"))).toEqual([])
          expect(mediaChildren()).toEqual([])
          const rows = yield* Effect.flatMap(Manifest, (m) => m.page("", 100)).pipe(Effect.provide(layer), Effect.scoped)
          // Discovery records an input in one transaction: an interruption before it leaves no row at all.
          expect(interruptAfterMs === null ? [batch.length] : [0, batch.length]).toContain(rows.length)
          for (const row of rows) {
            expect(["discovered", "downloaded", "analyzed", "accepted", "rejected", "failed", "skipped"]).toContain(row.state)
            const kind = kindOf(row.sourceUrl)
            if (kind === "missing") {
              expect(["discovered", "skipped"]).toContain(row.state)
              expect(server.requests.get(new URL(row.sourceUrl).pathname) ?? 0).toBeLessThanOrEqual(1)
            }
            if (row.state === "skipped") expect(row).toMatchObject({ lastErrorTag: "VideoUnavailable", attempts: 0 })
            // A refusal slows everyone down but is never recorded as the video's failure.
            expect(row.lastErrorMessage ?? "").not.toContain("rate-limited")
          }
          // Every WAV on disk is whole and belongs to exactly one row that recorded it; every recorded one is there.
          const recorded = new Set(rows.flatMap((r) => (r.audioPath ? [r.audioPath] : [])))
          expect(recorded.size).toBe(rows.filter((r) => r.audioPath).length)
          const onDisk = filesBelow(join(config.out, "audio")).map((file) => join(config.out, "audio", file))
          expect(onDisk.sort()).toEqual([...recorded].sort())
          for (const path of onDisk) {
            const bytes = (yield* Effect.promise(() => import("node:fs/promises").then((fs) => fs.readFile(path))))
            const info = parseWavHeader(bytes, bytes.length)
            expect(typeof info === "string" ? info : info.durationSeconds).toBeGreaterThan(1)
          }
          if (interruptAfterMs === null) {
            for (const row of rows) {
              const kind = kindOf(row.sourceUrl)
              if (kind === "ok" || kind === "slow") expect(["accepted", "rejected"], row.lastErrorMessage ?? "").toContain(row.state)
              else if (kind === "tooManyOnce") {
                expect(["accepted", "rejected"], row.lastErrorMessage ?? "").toContain(row.state)
                expect(row.attempts).toBe(0)
              }
              else if (kind === "missing") expect(row.state).toBe("skipped")
              else expect(row, kind).toMatchObject({ state: "failed", attempts: 2, nextRetryAt: null })
            }
          }
        }),
      { timeout: 240_000, fastCheck: { ...fastCheck } }
    )
  })
