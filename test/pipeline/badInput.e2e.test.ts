import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { defaultConfig, KidvoiceConfig } from "../../src/domain/Config.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { pipelineLayer } from "../../src/pipeline/layers.js"
import { runAll } from "../../src/pipeline/Pipeline.js"
import { filesBelow, samplesDir } from "../support/cli.js"
import { scopedTempDir } from "../support/manifest.js"

describe("odd input", () => {
  it.scopedLive("odd Unicode, quotes and newlines in file names, empty and non-audio files: readable titles, outputs only inside --out, clear failures", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("odd")
      const input = join(dir, "input")
      mkdirSync(input)
      const vietnamese = "Bé đọc thơ 🎵 (1)".normalize("NFC")
      const decomposed = "Trẻ em kể chuyện".normalize("NFD")
      const names = {
        [vietnamese]: "child-cs-poem.mp3",
        ["'; DROP TABLE videos;--"]: "child-cs-story.ogg",
        [decomposed]: "child-like-espeak-vi.ogg",
        ["line\nbreak"]: "adult-en-kal.wav"
      }
      for (const [title, sample] of Object.entries(names)) copyFileSync(join(samplesDir, sample), join(input, `${title}${sample.slice(sample.lastIndexOf("."))}`))
      writeFileSync(join(input, "empty.mp4"), "")
      writeFileSync(join(input, "notes.mp3"), "these are my notes, not audio\n")
      writeFileSync(join(input, "readme.txt"), "not media by name: passed over")
      const out = join(dir, "out")
      const config = Schema.decodeSync(KidvoiceConfig)({ ...defaultConfig, out })
      const rows = yield* Effect.gen(function* () {
        yield* runAll([input], config, "test")
        return yield* Effect.flatMap(Manifest, (m) => m.page("", 100))
      }).pipe(Effect.provide(pipelineLayer(config)))
      const byTitle = Object.fromEntries(rows.map((r) => [r.title, r]))
      expect(rows.length).toBe(6)
      // Titles are kept exactly as the file system gave them, composed or not.
      expect(byTitle[vietnamese]?.state).toBe("accepted")
      // The synthetic child-LIKE voice: analysed under its decomposed title, and rejected (samples/README.md).
      expect(byTitle[decomposed]?.state).toBe("rejected")
      expect(byTitle["'; DROP TABLE videos;--"]?.state).toBe("accepted")
      expect(byTitle["line\nbreak"]?.state).toBe("rejected")
      // A local file's name is no evidence of the language spoken in it (a Czech "story.ogg" is not English), and the
      // shipped models have no audio language model: Vietnamese file names leave the language unknown.
      expect([byTitle[vietnamese]?.language, byTitle[decomposed]?.language, byTitle["'; DROP TABLE videos;--"]?.language]).toEqual(["unknown", "unknown", "unknown"])
      for (const broken of ["empty", "notes"]) {
        expect(byTitle[broken]).toMatchObject({ state: "failed", lastErrorTag: "UndecodableMedia", nextRetryAt: null })
        expect(byTitle[broken]!.lastErrorMessage).toContain(join(input, broken))
      }
      // Every file kidvoice wrote is inside --out, under a name made of the id and times only.
      expect(filesBelow(input).length).toBe(7)
      for (const file of filesBelow(out).filter((f) => f.endsWith(".wav"))) {
        expect(file).toMatch(/^(audio\/local-[0-9a-f]{16}\.wav|dataset\/(unknown|vi)\/local-[0-9a-f]{16}_\d{9}_\d{9}\.wav)$/)
      }
      for (const row of rows) if (row.audioPath) expect(row.audioPath.startsWith(out + "/")).toBe(true)
    }), { timeout: 120_000 })
})
