import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Fiber, Schema } from "effect"
import { execa } from "execa"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { defaultConfig, KidvoiceConfig } from "../../src/domain/Config.js"
import { parseWavHeader } from "../../src/media/WavFile.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { pipelineLayer } from "../../src/pipeline/layers.js"
import { runAll } from "../../src/pipeline/Pipeline.js"
import { filesBelow, samplesDir } from "../support/cli.js"
import { scopedTempDir } from "../support/manifest.js"
import { mediaServer, type Route } from "../support/mediaServer.js"

const media = ["child-cs-poem.mp3", "adult-en-kal.wav", "child-like-espeak-vi.ogg"].map((f) => join(samplesDir, f))

/** yt-dlp and ffmpeg processes that belong to a working directory (their command lines name it). */
const childProcessesOf = async (out: string) =>
  (await execa("ps", ["-eo", "args"], { reject: false })).stdout.split("\n").filter((l) => (l.includes("yt-dlp") || l.includes("ffmpeg")) && l.includes(out))

const kinds = ["ok", "slow", "truncated", "error500", "missing"] as const
type Kind = (typeof kinds)[number]

const routeOf = (kind: Kind, n: number): Route => {
  const file = media[n % media.length]!
  switch (kind) {
    case "ok": return { status: 200, file }
    case "slow": return { status: 200, file, delayMs: 400 }
    case "truncated": return { status: 200, file, truncate: true }
    case "error500": return { status: 500 }
    case "missing": return { status: 404 }
  }
}

describe("concurrent downloads with failures mid-batch (real yt-dlp and ffmpeg on loopback)", () => {
  it.scopedLive.prop(
    "any mix of good, slow, truncated and failing sources, interrupted or not: the bound holds, no temp file, no child process, no half-written WAV, every row legal",
    [fc.array(fc.constantFrom(...kinds), { minLength: 3, maxLength: 8 }), fc.integer({ min: 1, max: 3 }), fc.option(fc.integer({ min: 300, max: 3000 }), { nil: null })],
    ([batch, concurrency, interruptAfterMs]) =>
      Effect.gen(function* () {
        const routes = Object.fromEntries(batch.map((kind, n) => [`/v${n}-${kind}.bin`, routeOf(kind, n)]))
        const server = yield* mediaServer(routes)
        const dir = yield* scopedTempDir("batch")
        const list = join(dir, "urls.txt")
        writeFileSync(list, Object.keys(routes).map((path) => server.url(path)).join("\n"))
        const config = Schema.decodeSync(KidvoiceConfig)({
          ...defaultConfig, out: join(dir, "out"), downloadConcurrency: concurrency, maxAttempts: 2, retryBaseSeconds: 0
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
        expect(yield* Effect.promise(() => childProcessesOf(config.out))).toEqual([])
        const rows = yield* Effect.flatMap(Manifest, (m) => m.page("", 100)).pipe(Effect.provide(layer), Effect.scoped)
        expect(rows.length).toBe(batch.length)
        for (const row of rows) {
          expect(["discovered", "downloaded", "analyzed", "accepted", "rejected", "failed"]).toContain(row.state)
          const kind = new URL(row.sourceUrl).pathname.split("-")[1]!.replace(".bin", "") as Kind
          if (kind === "missing") expect(["discovered", "failed"]).toContain(row.state)
          if (row.state === "failed" && kind === "missing") expect(row.nextRetryAt).toBeNull()
        }
        // Every WAV on disk is whole and belongs to a row that recorded it.
        const recorded = new Set(rows.flatMap((r) => (r.audioPath ? [r.audioPath] : [])))
        for (const file of filesBelow(join(config.out, "audio"))) {
          const path = join(config.out, "audio", file)
          expect(recorded.has(path)).toBe(true)
          const bytes = (yield* Effect.promise(() => import("node:fs/promises").then((fs) => fs.readFile(path))))
          const info = parseWavHeader(bytes, bytes.length)
          expect(typeof info === "string" ? info : info.durationSeconds).toBeGreaterThan(1)
        }
        if (interruptAfterMs === null) {
          for (const row of rows) {
            const kind = new URL(row.sourceUrl).pathname.split("-")[1]!.replace(".bin", "") as Kind
            if (kind === "ok" || kind === "slow") expect(["accepted", "rejected"]).toContain(row.state)
            else expect(row.state).toBe("failed")
          }
        }
      }),
    { timeout: 240_000, fastCheck: { numRuns: 6, seed: 4242 } }
  )
})
