import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { Effect, FastCheck as fc, Fiber, Schema } from "effect"
import { join } from "node:path"
import { defaultConfig, KidvoiceConfig } from "../../src/domain/Config.js"
import { pipelineLayer } from "../../src/pipeline/layers.js"
import { runAll } from "../../src/pipeline/Pipeline.js"
import { filesBelow, samplesDir } from "../support/cli.js"
import { scopedTempDir } from "../support/manifest.js"

const inspect = (out: string) => {
  const db = new Database(join(out, "manifest.sqlite"), { readonly: true })
  try {
    return {
      integrity: (db.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check,
      rows: db.prepare("SELECT id, state, claimed_by, audio_path FROM videos").all() as Array<{ id: string; state: string; claimed_by: string | null; audio_path: string | null }>,
      clips: (db.prepare("SELECT file_name FROM clips").all() as Array<{ file_name: string }>).map((c) => c.file_name)
    }
  } finally {
    db.close()
  }
}

/**
 * `runs` runs of the demo interrupted within their first second, each after a delay drawn from `seed` (generated, and
 * the same on every machine), then one run to the end: the default tier runs a few (rapidRestart.e2e.test.ts), the
 * slow tier the full fifty (rapidRestart.slow.test.ts). Each run waits half a second on average, so the count is
 * what the file costs.
 */
export const describeRapidRestart = (runs: number, seed = 20261125) =>
describe("rapid start and stop", () => {
  const delays = fc.sample(fc.integer({ min: 0, max: 1000 }), { seed, numRuns: runs })

  it.scopedLive(`${runs} runs interrupted within their first second leave a consistent manifest and no stray files; the next run finishes`, () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("rapid")
      const config = Schema.decodeSync(KidvoiceConfig)({ ...defaultConfig, out: join(dir, "out") })
      const run = runAll([samplesDir], config, "kidvoice run (test)").pipe(Effect.provide(pipelineLayer(config)), Effect.scoped)
      for (const delay of delays) {
        const fiber = yield* Effect.fork(run)
        yield* Effect.sleep(`${delay} millis`)
        yield* Fiber.interrupt(fiber)
        const state = inspect(config.out)
        expect(state.integrity).toBe("ok")
        expect(state.rows.filter((r) => r.state === "downloading" || r.state === "analyzing")).toEqual([])
        expect(state.rows.filter((r) => r.claimed_by !== null)).toEqual([])
        expect(filesBelow(join(config.out, "tmp"))).toEqual([])
        expect(filesBelow(config.out).filter((f) => f.endsWith(".tmp"))).toEqual([])
        // Audio on disk is exactly the audio the manifest points at (no half-written WAV, no orphan).
        expect(filesBelow(join(config.out, "audio")).map((f) => join(config.out, "audio", f)).sort())
          .toEqual(state.rows.flatMap((r) => (r.audio_path ? [r.audio_path] : [])).sort())
      }
      yield* run
      const final = inspect(config.out)
      expect(final.rows.length).toBe(8)
      expect(final.rows.filter((r) => !["accepted", "rejected", "failed"].includes(r.state))).toEqual([])
      expect(filesBelow(join(config.out, "dataset")).filter((f) => f.endsWith(".wav")).sort()).toEqual([...final.clips].sort())
    }), { timeout: 300_000 })
})
