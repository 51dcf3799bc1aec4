import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { copyFileSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { kidvoice } from "../support/cli.js"
import { scopedTempDir } from "../support/manifest.js"
import { mediaServer } from "../support/mediaServer.js"

const fixtures = join(import.meta.dirname, "..", "fixtures", "models")
const weights = join(fixtures, "tiny-age-gender.onnx")

describe("kidvoice models", () => {
  it.scoped("install downloads from the registry and prints the licence; list shows it installed", () =>
    Effect.gen(function* () {
      const server = yield* mediaServer({ "/m.onnx": { status: 200, file: weights } })
      const dir = yield* scopedTempDir("models-cli")
      copyFileSync(join(fixtures, "tiny-age-gender.json"), join(dir, "tiny-age-gender.json"))
      const registry = join(dir, "registry.json")
      writeFileSync(registry, JSON.stringify({
        models: [{
          name: "tiny-age-gender",
          task: "child-voice",
          description: "a test model",
          files: [{ name: "tiny-age-gender.onnx", url: server.url("/m.onnx"), sha256: createHash("sha256").update(readFileSync(weights)).digest("hex"), size: statSync(weights).size }],
          cards: ["tiny-age-gender.json"],
          licence: "CC-BY-NC-SA-4.0 (non-commercial use only)",
          source: "https://example.invalid/model-page"
        }]
      }))
      const where = ["--registry", registry, "--models-dir", join(dir, "installed")]
      const installed = yield* Effect.promise(() => kidvoice(["models", "install", "tiny-age-gender", ...where]))
      expect(installed.exitCode, installed.stderr).toBe(0)
      expect(installed.stdout).toContain("licence     CC-BY-NC-SA-4.0 (non-commercial use only)")
      expect(installed.stdout).toContain(join(dir, "installed", "tiny-age-gender.onnx"))
      const listed = yield* Effect.promise(() => kidvoice(["models", "list", ...where]))
      expect(listed.stdout).toMatch(/tiny-age-gender {2}child-voice {2}0\.0 MB {2}installed/)
      expect(listed.stdout).toContain("tiny-age-gender  child-voice (wav2vec2-age-gender)")
    }), 60_000)
})
