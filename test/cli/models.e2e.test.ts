import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { progressLine } from "../../src/cli/models.js"
import { kidvoice } from "../support/cli.js"
import { scopedTempDir } from "../support/manifest.js"
import { mediaServer } from "../support/mediaServer.js"

const fixtures = join(import.meta.dirname, "..", "fixtures", "models")
const weights = join(fixtures, "tiny-age-gender.onnx")
const digest = createHash("sha256").update(readFileSync(weights)).digest("hex")
const revision = "89abcdef0123456789abcdef0123456789abcdef"
const path = `/org/age-gender/resolve/${revision}/model.onnx`

describe("kidvoice models", () => {
  it.scoped("install: the licence gate, a first install that records the lock, a second machine that verifies it, a wrong --sha256; list shows it installed", () =>
    Effect.gen(function* () {
      const server = yield* mediaServer({ [path]: { status: 200, file: weights } })
      const dir = yield* scopedTempDir("models-cli")
      mkdirSync(join(dir, "cards"))
      const card = JSON.parse(readFileSync(join(fixtures, "tiny-age-gender.json"), "utf8"))
      delete card.sha256
      writeFileSync(join(dir, "cards", "tiny-age-gender.json"), JSON.stringify(card))
      const registry = join(dir, "registry.json")
      writeFileSync(registry, JSON.stringify({
        cardsDir: "cards",
        models: [{
          name: "tiny-age-gender",
          task: "child-voice",
          description: "a test model",
          files: [{ name: "tiny-age-gender.onnx", url: `https://huggingface.co${path}` }],
          cards: ["tiny-age-gender.json"],
          licence: "CC-BY-NC-SA-4.0 (non-commercial use only)",
          licenceUrl: "https://creativecommons.org/licenses/by-nc-sa/4.0/",
          licenceMustBeAccepted: true,
          source: "https://example.invalid/model-page"
        }]
      }))
      const lock = join(dir, "registry.lock.json")
      const on = (machine: string) => ["--registry", registry, "--models-dir", join(dir, machine)]
      const mirror = { KIDVOICE_MODEL_MIRROR: server.url("") }
      const run = (args: ReadonlyArray<string>) => Effect.promise(() => kidvoice(["models", ...args], mirror))

      const refused = yield* run(["install", "tiny-age-gender", ...on("a")])
      expect(refused.exitCode).toBe(1)
      expect(refused.stderr).toContain("CC-BY-NC-SA-4.0 (non-commercial use only) (https://creativecommons.org/licenses/by-nc-sa/4.0/)")
      expect(refused.stderr).toContain("--accept-licence")
      expect(server.requests.size).toBe(0)

      const first = yield* run(["install", "tiny-age-gender", "--accept-licence", ...on("a")])
      expect(first.exitCode, first.stderr).toBe(0)
      expect(first.stdout).toContain(`downloaded  ${join(dir, "a", "tiny-age-gender.onnx")}`)
      expect(first.stdout).toContain(`sha256 ${digest}  ${statSync(weights).size} bytes  recorded in ${lock} (first install`)
      expect(first.stdout).toContain("licence     CC-BY-NC-SA-4.0 (non-commercial use only) https://creativecommons.org/licenses/by-nc-sa/4.0/")
      expect(JSON.parse(readFileSync(lock, "utf8")).files[`https://huggingface.co${path}`].sha256).toBe(digest)

      const second = yield* run(["install", "tiny-age-gender", "--accept-licence", ...on("b")])
      expect(second.exitCode, second.stderr).toBe(0)
      expect(second.stdout).toContain(`sha256 ${digest}  ${statSync(weights).size} bytes  verified against lock`)

      const wrong = "0".repeat(64)
      const pinned = yield* run(["install", "tiny-age-gender", "--accept-licence", "--sha256", `tiny-age-gender.onnx=${wrong}`, ...on("c")])
      expect(pinned.exitCode).toBe(1)
      expect(pinned.stderr).toContain(`expected sha256 ${wrong}, got ${digest}`)
      expect(existsSync(join(dir, "c", "tiny-age-gender.onnx"))).toBe(false)

      const listed = yield* run(["list", ...on("a")])
      expect(listed.stdout).toMatch(/tiny-age-gender {2}child-voice {2}0\.0 MB {2}installed/)
      expect(listed.stdout).toContain("(install with --accept-licence)")
      expect(listed.stdout).toContain("tiny-age-gender  child-voice (wav2vec2-age-gender)")
    }), 120_000)

  it("a download's progress line", () => {
    expect(progressLine({ file: "m.onnx", received: 12_300_000, total: 32_900_000 })).toBe("m.onnx  12.3 MB / 32.9 MB  37%")
    expect(progressLine({ file: "m.onnx", received: 5_000_000, total: null })).toBe("m.onnx  5.0 MB")
  })
})
