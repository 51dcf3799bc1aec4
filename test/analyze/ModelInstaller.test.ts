import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { createHash } from "node:crypto"
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { loadModel } from "../../src/analyze/ModelCard.js"
import { installModel } from "../../src/analyze/ModelInstaller.js"
import { readRegistry } from "../../src/analyze/ModelRegistry.js"
import { mediaServer, type Route } from "../support/mediaServer.js"
import { scopedTempDir } from "../support/manifest.js"

const fixtures = join(import.meta.dirname, "..", "fixtures", "models")
const weights = join(fixtures, "tiny-age-gender.onnx")
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex")

/** A registry of one model served by a local server, in a fresh folder, with an empty models folder beside it. */
const setUp = (route: Route, pinned: { sha256?: string; size?: number } = {}) =>
  Effect.gen(function* () {
    const server = yield* mediaServer({ "/tiny-age-gender.onnx": route })
    const dir = yield* scopedTempDir("registry")
    copyFileSync(join(fixtures, "tiny-age-gender.json"), join(dir, "tiny-age-gender.json"))
    writeFileSync(join(dir, "registry.json"), JSON.stringify({
      models: [{
        name: "tiny-age-gender",
        task: "child-voice",
        description: "test model",
        files: [{ name: "tiny-age-gender.onnx", url: server.url("/tiny-age-gender.onnx"), sha256: pinned.sha256 ?? sha256(weights), size: pinned.size ?? statSync(weights).size }],
        cards: ["tiny-age-gender.json"],
        licence: "MIT (test fixture)",
        source: "scripts/make-test-models.ts"
      }]
    }))
    const modelsDir = join(dir, "installed")
    const registry = yield* readRegistry(join(dir, "registry.json"))
    return { server, registry, modelsDir, install: (name = "tiny-age-gender") => installModel(registry, name, { modelsDir }) }
  })

const left = (dir: string) => (existsSync(dir) ? readdirSync(dir) : [])

describe("installModel", () => {
  it.scoped("downloads, verifies and places the files, then the card; the installed model loads; a second install downloads nothing", () =>
    Effect.gen(function* () {
      const { server, modelsDir, install } = yield* setUp({ status: 200, file: weights })
      const first = yield* install()
      expect(first.files.map((f) => f.status)).toEqual(["downloaded"])
      expect(first.entry.licence).toBe("MIT (test fixture)")
      expect(left(modelsDir).sort()).toEqual(["tiny-age-gender.json", "tiny-age-gender.onnx"])
      expect(readFileSync(join(modelsDir, "tiny-age-gender.onnx"))).toEqual(readFileSync(weights))
      const { card } = yield* loadModel(join(modelsDir, "tiny-age-gender.json"))
      expect(card.labels).toEqual(["female", "male", "child"])
      const again = yield* install()
      expect(again.files.map((f) => f.status)).toEqual(["present"])
      expect(server.requests.get("/tiny-age-gender.onnx")).toBe(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("an unknown name lists the known ones", () =>
    Effect.gen(function* () {
      const { install } = yield* setUp({ status: 200, file: weights })
      const error = yield* Effect.flip(install("whisper-huge"))
      expect(error._tag).toBe("UnknownModel")
      expect(error.message).toContain("known: tiny-age-gender")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("a file that is not the pinned one fails with both checksums and leaves nothing behind", () =>
    Effect.gen(function* () {
      const other = join(fixtures, "tiny-whisper-decoder.onnx")
      const { modelsDir, install } = yield* setUp({ status: 200, file: other }, { size: statSync(other).size })
      const error = yield* Effect.flip(install())
      expect(error._tag).toBe("ModelChecksumMismatch")
      expect(error.message).toContain(sha256(weights))
      expect(error.message).toContain(sha256(other))
      expect(left(modelsDir)).toEqual([])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("a server sending more than the pinned size is cut off", () =>
    Effect.gen(function* () {
      const { modelsDir, install } = yield* setUp({ status: 200, file: join(fixtures, "tiny-whisper-decoder.onnx") })
      const error = yield* Effect.flip(install())
      expect(error._tag).toBe("ModelDownloadFailed")
      expect(error.message).toContain(`more than the expected ${statSync(weights).size} bytes`)
      expect(left(modelsDir)).toEqual([])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("an HTTP error names the status; a connection cut mid-file fails; neither leaves a file", () =>
    Effect.gen(function* () {
      const missing = yield* setUp({ status: 404 })
      const notFound = yield* Effect.flip(missing.install())
      expect(notFound).toMatchObject({ _tag: "ModelDownloadFailed", status: 404 })
      expect(notFound.message).toContain("HTTP 404")
      expect(left(missing.modelsDir)).toEqual([])
      const cut = yield* setUp({ status: 200, file: weights, truncate: true })
      const truncated = yield* Effect.flip(cut.install())
      expect(truncated._tag).toBe("ModelDownloadFailed")
      expect(left(cut.modelsDir)).toEqual([])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.live("an install interrupted while downloading leaves no temp file", () =>
    Effect.gen(function* () {
      const { modelsDir, install } = yield* setUp({ status: 200, file: weights, delayMs: 10_000 })
      const fiber = yield* Effect.fork(install())
      // Interrupt only once the temp file exists, so the test sees it cleaned up rather than never made.
      while (left(modelsDir).length === 0) yield* Effect.sleep("10 millis")
      expect(left(modelsDir)[0]).toMatch(/^\.tiny-age-gender\.onnx\.\d+\.\d+\.tmp$/)
      yield* Fiber.interrupt(fiber)
      expect(left(modelsDir)).toEqual([])
    }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici)))
})

describe("readRegistry", () => {
  const attempt = (registry: unknown) =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("registry")
      writeFileSync(join(dir, "registry.json"), JSON.stringify(registry))
      return yield* Effect.flip(readRegistry(join(dir, "registry.json")))
    })
  const entry = { name: "m", task: "language", description: "", files: [{ name: "m.onnx", url: "https://example.org/m.onnx", sha256: "a".repeat(64), size: 1 }], cards: ["m.json"], licence: "MIT", source: "" }

  it.scoped("refuses unpinned files, names that would escape the models folder, and duplicates", () =>
    Effect.gen(function* () {
      const unpinned = yield* attempt({ models: [{ ...entry, files: [{ ...entry.files[0], sha256: null }] }] })
      expect(unpinned.message).toContain("sha256")
      const escaping = yield* attempt({ models: [{ ...entry, files: [{ ...entry.files[0], name: "../m.onnx" }] }] })
      expect(escaping._tag).toBe("RegistryError")
      expect((yield* attempt({ models: [entry, entry] })).message).toContain("model m is listed twice")
    }))

  it.effect("the shipped registry is valid", () => readRegistry().pipe(Effect.asVoid))
})
