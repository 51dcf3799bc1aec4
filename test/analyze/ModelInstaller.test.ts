import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, FastCheck as fc, Layer, Schema } from "effect"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { AgeGenderCard } from "../../src/analyze/AgeGenderClassifier.js"
import { ChildVoiceClassifier } from "../../src/analyze/ChildVoiceClassifier.js"
import { ModelCard } from "../../src/analyze/ModelCard.js"
import { selectedModelsLayer } from "../../src/analyze/installedModels.js"
import { installModel, type InstallOptions, mirroredUrl } from "../../src/analyze/ModelInstaller.js"
import { brokenExpectation, expectationsFor, readLock } from "../../src/analyze/ModelLock.js"
import { lockPathOf, mutableRevisionReason, readRegistry } from "../../src/analyze/ModelRegistry.js"
import { SpokenLanguage } from "../../src/analyze/SpokenLanguage.js"
import { WhisperCard } from "../../src/analyze/WhisperLanguage.js"
import { whisperTokenMismatches } from "../../src/analyze/whisperTokens.js"
import { mediaServer, type Script } from "../support/mediaServer.js"
import { scopedTempDir } from "../support/manifest.js"

const fixtures = join(import.meta.dirname, "..", "fixtures", "models")
const fixture = (name: string) => join(fixtures, name)
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex")
const weights = fixture("tiny-age-gender.onnx")
const other = fixture("tiny-whisper-decoder.onnx")

/** The registry names the hub at a commit, as the shipped one does; the test server answers the same paths as a mirror. */
const revision = "0123456789abcdef0123456789abcdef01234567"
const hubPath = (file: string) => `/test-org/tiny/resolve/${revision}/${file}`
const hubUrl = (file: string) => `https://huggingface.co${hubPath(file)}`

/** A fixture card as the registry ships it: a template without the sha256 the install fills in. */
const template = (name: string) => {
  const card = JSON.parse(readFileSync(fixture(name), "utf8"))
  delete card.sha256
  return JSON.stringify(card)
}

interface Served {
  readonly ageGender?: Script
  readonly encoder?: Script
  readonly decoder?: Script
  /** The language token ids the served tokenizer.json gives (default: those of the tiny-whisper card). */
  readonly languageIds?: Record<string, number>
}

/** A tokenizer.json as Whisper exports carry it: only what the install reads, the special tokens' ids. */
const tokenizerJson = (languageIds: Record<string, number>) =>
  JSON.stringify({
    version: "1.0",
    added_tokens: [{ id: 0, content: "<|startoftranscript|>", special: true }, ...Object.entries(languageIds).map(([code, id]) => ({ id, content: `<|${code}|>`, special: true }))]
  })

/**
 * A registry folder (registry.json, cards/ of templates, the lock beside them) with two models served by a
 * local server standing in for the hub through the mirror setting. `machine()` is a fresh models folder:
 * a second machine that has the same registry and lock.
 */
const setUp = (served: Served = {}, entry: { sha256?: string; size?: number; gated?: boolean } = {}) =>
  Effect.gen(function* () {
    const dir = yield* scopedTempDir("registry")
    writeFileSync(join(dir, "served-tokenizer.json"), tokenizerJson(served.languageIds ?? { en: 1, vi: 2, cs: 3 }))
    const server = yield* mediaServer({
      [hubPath("age-gender.onnx")]: served.ageGender ?? { status: 200, file: weights },
      [hubPath("encoder.onnx")]: served.encoder ?? { status: 200, file: fixture("tiny-whisper-encoder.onnx") },
      [hubPath("decoder.onnx")]: served.decoder ?? { status: 200, file: other },
      [hubPath("tokenizer.json")]: { status: 200, file: join(dir, "served-tokenizer.json"), contentType: "application/json" }
    })
    mkdirSync(join(dir, "cards"))
    for (const card of ["tiny-age-gender.json", "tiny-whisper-encoder.json", "tiny-whisper-decoder.json"]) writeFileSync(join(dir, "cards", card), template(card))
    writeFileSync(join(dir, "cards", "tiny-whisper.json"), readFileSync(fixture("tiny-whisper.json")))
    writeFileSync(join(dir, "registry.json"), JSON.stringify({
      cardsDir: "cards",
      models: [{
        name: "tiny-age-gender",
        task: "child-voice",
        description: "test model",
        files: [{ name: "tiny-age-gender.onnx", url: hubUrl("age-gender.onnx"), ...(entry.sha256 ? { sha256: entry.sha256 } : {}), ...(entry.size ? { size: entry.size } : {}) }],
        cards: ["tiny-age-gender.json"],
        licence: entry.gated ? "CC-BY-NC-SA-4.0" : "MIT (test fixture)",
        licenceUrl: "https://creativecommons.org/licenses/by-nc-sa/4.0/",
        licenceMustBeAccepted: entry.gated ?? false,
        source: "scripts/make-test-models.ts"
      }, {
        name: "tiny-whisper",
        task: "language",
        description: "test model",
        files: [
          { name: "tiny-whisper-encoder.onnx", url: hubUrl("encoder.onnx") },
          { name: "tiny-whisper-decoder.onnx", url: hubUrl("decoder.onnx") },
          { name: "tiny-whisper-tokenizer.json", url: hubUrl("tokenizer.json") }
        ],
        cards: ["tiny-whisper.json", "tiny-whisper-encoder.json", "tiny-whisper-decoder.json"],
        licence: "MIT",
        source: "scripts/make-test-models.ts"
      }]
    }))
    const registry = yield* readRegistry(join(dir, "registry.json"))
    const mirror = server.url("")
    let machines = 0
    const machine = () => join(dir, `machine-${++machines}`)
    const install = (name: string, modelsDir: string, options: Partial<InstallOptions> = {}) =>
      installModel(registry, name, { modelsDir, mirror, ...options })
    return { server, dir, registry, lockPath: lockPathOf(join(dir, "registry.json")), machine, install }
  })

const left = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : [])
const tone = (seconds: number, amplitude: number) =>
  Float32Array.from({ length: Math.round(seconds * 16000) }, (_, n) => amplitude * Math.sin((2 * Math.PI * 300 * n) / 16000))
const frame = { f0: 300, centroid: 1200, rolloff: 3500, band1to3: 0.3, band3to5: 0.1, upperBand: 0.05, mfcc: new Float32Array(12), energy: 1, formants: null, aperiodicity: 0.05 }

describe("installModel: trust on first use", () => {
  it.scoped("a first install records sha256 and size in the lock and fills the cards; the installed models load and run with the analyzer's loader; again, nothing is downloaded", () =>
    Effect.gen(function* () {
      const { server, install, machine, lockPath } = yield* setUp()
      const modelsDir = machine()
      const first = yield* install("tiny-age-gender", modelsDir)
      expect(first.files).toMatchObject([{ name: "tiny-age-gender.onnx", status: "downloaded", trust: "recorded", checkedBy: [], sha256: sha256(weights), size: statSync(weights).size }])
      expect(first.lockPath).toBe(lockPath)
      const lock = yield* readLock(lockPath)
      expect(lock.files[hubUrl("age-gender.onnx")]).toMatchObject({ sha256: sha256(weights), size: statSync(weights).size, model: "tiny-age-gender", name: "tiny-age-gender.onnx" })
      expect(JSON.parse(readFileSync(join(modelsDir, "tiny-age-gender.json"), "utf8")).sha256).toBe(sha256(weights))
      const whisper = yield* install("tiny-whisper", modelsDir)
      expect(whisper.files.map((f) => f.trust)).toEqual(["recorded", "recorded", "recorded"])
      expect(Object.keys((yield* readLock(lockPath)).files)).toHaveLength(4)
      expect(left(modelsDir)).toEqual([
        "tiny-age-gender.json", "tiny-age-gender.onnx", "tiny-whisper-decoder.json", "tiny-whisper-decoder.onnx",
        "tiny-whisper-encoder.json", "tiny-whisper-encoder.onnx", "tiny-whisper-tokenizer.json", "tiny-whisper.json"
      ])

      // The way `kidvoice analyze --models-dir` picks installed models up: checksums from the filled cards, real sessions.
      const used = yield* Effect.gen(function* () {
        const child = yield* ChildVoiceClassifier
        const language = yield* SpokenLanguage
        const scored = yield* child.scoreSegment({ frames: [frame, frame], audio: tone(0.5, 0.5) })
        const guess = yield* language.identify(tone(1, 0.3))
        return { child: child.name, language: language.name, score: scored.childScore, guess: guess.language }
      }).pipe(Effect.provide(Layer.fresh(selectedModelsLayer({ dir: modelsDir, childVoice: "auto", language: "auto" }))))
      expect(used).toMatchObject({ child: "tiny-age-gender", language: "tiny-whisper" })
      expect(used.score).toBeGreaterThan(0)
      expect(used.score).toBeLessThan(1)
      expect(["en", "vi", "cs"]).toContain(used.guess)

      const again = yield* install("tiny-age-gender", modelsDir)
      expect(again.files).toMatchObject([{ status: "present", trust: "verified", checkedBy: ["lock"] }])
      expect(server.requests.get(hubPath("age-gender.onnx"))).toBe(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("a second machine with the same lock verifies its download against it and leaves the lock as it was", () =>
    Effect.gen(function* () {
      const { install, machine, lockPath } = yield* setUp()
      yield* install("tiny-whisper", machine())
      const recorded = readFileSync(lockPath, "utf8")
      const second = yield* install("tiny-whisper", machine())
      expect(second.files.map((f) => [f.status, f.trust, f.checkedBy])).toEqual(Array(3).fill(["downloaded", "verified", ["lock"]]))
      expect(readFileSync(lockPath, "utf8")).toBe(recorded)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("a file changed on the server since the lock was written fails naming the file, the expected and the got sha256, and installs nothing", () =>
    Effect.gen(function* () {
      // The same size, other bytes: only the digest can tell.
      const tampered = join(yield* scopedTempDir("tampered"), "tampered.onnx")
      const bytes = readFileSync(weights)
      bytes[bytes.length - 1] ^= 0xff
      writeFileSync(tampered, bytes)
      const { install, machine, lockPath } = yield* setUp({ ageGender: [{ status: 200, file: weights }, { status: 200, file: tampered }] })
      yield* install("tiny-age-gender", machine())
      const secondMachine = machine()
      const error = yield* Effect.flip(install("tiny-age-gender", secondMachine))
      expect(error).toMatchObject({ _tag: "ModelChecksumMismatch", source: "lock", expected: sha256(weights), actual: sha256(tampered) })
      expect(error.message).toContain(join(secondMachine, "tiny-age-gender.onnx"))
      expect(error.message).toContain(`the lock file ${lockPath}`)
      expect(error.message).toContain("delete its entry from the lock file")
      expect(left(secondMachine)).toEqual([])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("--sha256 pins a file up front: a mismatch fails before anything is recorded; a match is recorded as checked", () =>
    Effect.gen(function* () {
      const { install, machine, lockPath } = yield* setUp()
      const modelsDir = machine()
      const wrong = "ab".repeat(32)
      const error = yield* Effect.flip(install("tiny-age-gender", modelsDir, { pins: { "tiny-age-gender.onnx": wrong } }))
      expect(error).toMatchObject({ _tag: "ModelChecksumMismatch", source: "--sha256", expected: wrong, actual: sha256(weights) })
      expect(error.message).toContain("check the hash you gave with --sha256")
      expect(left(modelsDir)).toEqual([])
      expect(existsSync(lockPath)).toBe(false)
      const pinned = yield* install("tiny-age-gender", modelsDir, { pins: { "tiny-age-gender.onnx": sha256(weights).toUpperCase() } })
      expect(pinned.files).toMatchObject([{ trust: "recorded", checkedBy: ["--sha256"] }])
      expect((yield* readLock(lockPath)).files[hubUrl("age-gender.onnx")]?.sha256).toBe(sha256(weights))
      const unknown = yield* Effect.flip(install("tiny-age-gender", modelsDir, { pins: { "model.onnx": wrong } }))
      expect(unknown.message).toContain("its files are tiny-age-gender.onnx")
      const malformed = yield* Effect.flip(install("tiny-age-gender", modelsDir, { pins: { "tiny-age-gender.onnx": "abc" } }))
      expect(malformed.message).toContain("abc is not a sha256")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("a licence that restricts use must be accepted: without it nothing is requested; with it the model installs", () =>
    Effect.gen(function* () {
      const { server, install, machine } = yield* setUp({}, { gated: true })
      const modelsDir = machine()
      const refused = yield* Effect.flip(install("tiny-age-gender", modelsDir))
      expect(refused._tag).toBe("LicenceNotAccepted")
      expect(refused.message).toContain("CC-BY-NC-SA-4.0")
      expect(refused.message).toContain("https://creativecommons.org/licenses/by-nc-sa/4.0/")
      expect(refused.message).toContain("--accept-licence")
      expect(server.requests.size).toBe(0)
      expect(left(modelsDir)).toEqual([])
      const accepted = yield* install("tiny-age-gender", modelsDir, { acceptLicence: true })
      expect(accepted.files[0]?.status).toBe("downloaded")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})

describe("installModel: Whisper's token ids", () => {
  it.scoped("a card whose language ids the installed tokenizer.json contradicts is not installed, and the message says which", () =>
    Effect.gen(function* () {
      const { install, machine } = yield* setUp({ languageIds: { en: 1, vi: 5, cs: 3 } })
      const modelsDir = machine()
      const error = yield* Effect.flip(install("tiny-whisper", modelsDir))
      expect(error._tag).toBe("WhisperTokensMismatch")
      expect(error.message).toContain("<|vi|>: card 2, tokenizer 5")
      expect(error.message).not.toContain("<|en|>")
      expect(left(modelsDir).filter((f) => f.endsWith(".json") && !f.endsWith("tokenizer.json"))).toEqual([])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it("every card token is looked up by its content", () => {
    const tokens = { startOfTranscript: 50258, languages: { en: 50259, su: 50357 } }
    const tokenizer = { added_tokens: [{ id: 50258, content: "<|startoftranscript|>" }, { id: 50259, content: "<|en|>" }] }
    expect(whisperTokenMismatches(tokens, tokenizer)).toEqual(["<|su|>: card 50357, tokenizer none"])
    expect(whisperTokenMismatches(tokens, { added_tokens: [...tokenizer.added_tokens, { id: 50357, content: "<|su|>" }] })).toEqual([])
    expect(whisperTokenMismatches(tokens, {})).toEqual(["the tokenizer has no added_tokens list"])
  })

  it("a card that transcribes also has its transcribe, no-timestamps and end-of-text ids checked", () => {
    const tokens = { startOfTranscript: 50258, languages: { en: 50259 } }
    const tokenizer = {
      added_tokens: [
        { id: 50257, content: "<|endoftext|>" },
        { id: 50258, content: "<|startoftranscript|>" },
        { id: 50259, content: "<|en|>" },
        { id: 50359, content: "<|transcribe|>" },
        { id: 50363, content: "<|notimestamps|>" }
      ]
    }
    expect(whisperTokenMismatches(tokens, tokenizer, { transcribe: 50359, noTimestamps: 50363, endOfText: 50257 })).toEqual([])
    expect(whisperTokenMismatches(tokens, tokenizer, { transcribe: 50360, noTimestamps: 50363, endOfText: 50257 }))
      .toEqual(["<|transcribe|>: card 50360, tokenizer 50359"])
  })
})

describe("installModel: downloads", () => {
  it.scoped("an unknown name lists the known ones", () =>
    Effect.gen(function* () {
      const { install, machine } = yield* setUp()
      const error = yield* Effect.flip(install("whisper-huge", machine()))
      expect(error._tag).toBe("UnknownModel")
      expect(error.message).toContain("known: tiny-age-gender, tiny-whisper")
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("a registry pin is checked too, and a server sending more than the pinned size is cut off", () =>
    Effect.gen(function* () {
      const pinned = yield* setUp({ ageGender: { status: 200, file: other } }, { sha256: sha256(weights), size: statSync(other).size })
      const modelsDir = pinned.machine()
      const error = yield* Effect.flip(pinned.install("tiny-age-gender", modelsDir))
      expect(error).toMatchObject({ _tag: "ModelChecksumMismatch", source: "registry", expected: sha256(weights), actual: sha256(other) })
      expect(left(modelsDir)).toEqual([])
      const sized = yield* setUp({ ageGender: { status: 200, file: other } }, { sha256: sha256(weights), size: statSync(weights).size })
      const cut = yield* Effect.flip(sized.install("tiny-age-gender", sized.machine()))
      expect(cut._tag).toBe("ModelDownloadFailed")
      expect(cut.message).toContain(`more than the expected ${statSync(weights).size} bytes`)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("an HTTP error names the status and the mirrored URL; a connection cut mid-file fails; neither leaves a file or a lock entry", () =>
    Effect.gen(function* () {
      const missing = yield* setUp({ ageGender: { status: 404 } })
      const dir = missing.machine()
      const notFound = yield* Effect.flip(missing.install("tiny-age-gender", dir))
      expect(notFound).toMatchObject({ _tag: "ModelDownloadFailed", status: 404, url: missing.server.url(hubPath("age-gender.onnx")) })
      expect(notFound.message).toContain("run the same install again")
      expect(left(dir)).toEqual([])
      const cut = yield* setUp({ ageGender: { status: 200, file: weights, truncate: true } })
      const cutDir = cut.machine()
      const truncated = yield* Effect.flip(cut.install("tiny-age-gender", cutDir))
      expect(truncated._tag).toBe("ModelDownloadFailed")
      expect(left(cutDir)).toEqual([])
      expect(existsSync(cut.lockPath)).toBe(false)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.live("an install interrupted while downloading leaves no temp file, and a restart installs it", () =>
    Effect.gen(function* () {
      const { install, machine, lockPath } = yield* setUp({ ageGender: [{ status: 200, file: weights, delayMs: 10_000 }, { status: 200, file: weights }] })
      const modelsDir = machine()
      const fiber = yield* Effect.fork(install("tiny-age-gender", modelsDir))
      // Interrupt only once the temp file exists, so the test sees it cleaned up rather than never made.
      while (left(modelsDir).length === 0) yield* Effect.sleep("10 millis")
      expect(left(modelsDir)[0]).toMatch(/^\.tiny-age-gender\.onnx\.\d+\.\d+\.tmp$/)
      yield* Fiber.interrupt(fiber)
      expect(left(modelsDir)).toEqual([])
      expect(existsSync(lockPath)).toBe(false)
      // A kill -9 leaves its temp file: the next install removes it once its process is gone, not a live one's.
      const killed = ".tiny-age-gender.onnx.999999999.1.tmp"
      const running = `.tiny-age-gender.onnx.${process.pid}.1.tmp`
      writeFileSync(join(modelsDir, killed), "half")
      writeFileSync(join(modelsDir, running), "half")
      const restarted = yield* install("tiny-age-gender", modelsDir)
      expect(restarted.files[0]?.status).toBe("downloaded")
      expect(left(modelsDir)).toEqual([running, "tiny-age-gender.json", "tiny-age-gender.onnx"])
    }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici)))
})

describe("registry rules", () => {
  it("a hub URL must name a 40-hex commit; other hosts are not judged", () => {
    expect(mutableRevisionReason(hubUrl("m.onnx"))).toBeNull()
    expect(mutableRevisionReason("https://huggingface.co/org/m/resolve/main/m.onnx")).toContain("does not pin a hub commit")
    expect(mutableRevisionReason("https://huggingface.co/org/m/resolve/0123abc/m.onnx")).toContain("does not pin a hub commit")
    expect(mutableRevisionReason("https://zenodo.org/records/7761387/files/m.zip")).toBeNull()
  })

  it("a mirror keeps the path and query", () => {
    expect(mirroredUrl(hubUrl("onnx/m.onnx"), "http://127.0.0.1:8080/hf/")).toBe(`http://127.0.0.1:8080/hf${hubPath("onnx/m.onnx")}`)
    expect(mirroredUrl("https://example.org/a/b?x=1", null)).toBe("https://example.org/a/b?x=1")
  })

  it.prop("bytes pass only when they match every expectation", [fc.array(fc.constantFrom("a", "b").map((c) => c.repeat(64)), { maxLength: 3 }), fc.constantFrom("a", "b").map((c) => c.repeat(64))], ([pins, got]) => {
    const [pin, registry, lock] = pins
    const expectations = expectationsFor(
      registry === undefined ? {} : { sha256: registry, size: 10 },
      pin,
      lock === undefined ? undefined : { sha256: lock, size: 10, model: "m", name: "m", recordedAt: "" } as never
    )
    expect(expectations).toHaveLength(pins.length)
    expect(brokenExpectation(expectations, got, 10) === undefined).toBe(pins.every((p) => p === got))
    expect(brokenExpectation(expectations, got, 11) === undefined).toBe(pins.length === 0 || (pin !== undefined && pins.length === 1 && pin === got))
  })
})

describe("readRegistry", () => {
  const attempt = (registry: unknown) =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("registry")
      writeFileSync(join(dir, "registry.json"), JSON.stringify(registry))
      return yield* Effect.flip(readRegistry(join(dir, "registry.json")))
    })
  const entry = { name: "m", task: "language", description: "", files: [{ name: "m.onnx", url: hubUrl("m.onnx") }], cards: ["m.json"], licence: "MIT", source: "" }

  it.scoped("refuses malformed pins, mutable hub revisions, names that would escape the models folder or take the lock's, and duplicates", () =>
    Effect.gen(function* () {
      const malformed = yield* attempt({ models: [{ ...entry, files: [{ ...entry.files[0], sha256: "abc" }] }] })
      expect(malformed.message).toContain("a sha256 is 64 lower-case hex digits")
      const onMain = yield* attempt({ models: [{ ...entry, files: [{ ...entry.files[0], url: "https://huggingface.co/o/m/resolve/main/m.onnx" }] }] })
      expect(onMain.message).toContain("does not pin a hub commit")
      const escaping = yield* attempt({ models: [{ ...entry, files: [{ ...entry.files[0], name: "../m.onnx" }] }] })
      expect(escaping._tag).toBe("RegistryError")
      const lockName = yield* attempt({ models: [{ ...entry, files: [{ ...entry.files[0], name: "registry.lock.json" }] }] })
      expect(lockName.message).toContain("registry.lock.json is reserved")
      expect((yield* attempt({ models: [entry, entry] })).message).toContain("model m is listed twice")
    }))

  it.effect("the shipped registry is valid, every hub file at a commit, its card templates present", () =>
    Effect.gen(function* () {
      const shipped = yield* readRegistry()
      expect(shipped.registry.models.map((m) => m.name)).toEqual(expect.arrayContaining(["whisper-tiny", "wav2vec2-age-gender-6"]))
      for (const model of shipped.registry.models) {
        for (const card of model.cards) expect(existsSync(join(shipped.cardsDir, card)), card).toBe(true)
      }
      const gated = shipped.registry.models.find((m) => m.name === "wav2vec2-age-gender-6")
      expect(gated?.licenceMustBeAccepted).toBe(true)
    }))

  it.effect("each shipped card template, once the install fills in its file's sha256, is what its loader reads, and names only the entry's files and cards", () =>
    Effect.gen(function* () {
      const shipped = yield* readRegistry()
      for (const model of shipped.registry.models) {
        const files = model.files.map((f) => f.name)
        for (const name of model.cards) {
          const card = JSON.parse(readFileSync(join(shipped.cardsDir, name), "utf8"))
          expect(card.sha256, `${name} must leave sha256 to the install`).toBeUndefined()
          const filled = { ...card, ...(card.file ? { sha256: "0".repeat(64) } : {}) }
          const strict = { onExcessProperty: "error" } as const
          yield* card.kind === "whisper"
            ? Schema.decodeUnknown(WhisperCard, strict)(filled).pipe(Effect.asVoid)
            : card.kind === "wav2vec2-age-gender"
            ? Schema.decodeUnknown(AgeGenderCard, strict)(filled).pipe(Effect.asVoid)
            : Schema.decodeUnknown(ModelCard, strict)(filled).pipe(Effect.asVoid)
          if (card.file) expect(files, name).toContain(card.file)
          if (card.kind === "whisper") expect(model.cards).toEqual(expect.arrayContaining([card.encoder, card.decoder]))
        }
        // The first card selects the model: it must be the task's runnable kind.
        const first = JSON.parse(readFileSync(join(shipped.cardsDir, model.cards[0]), "utf8"))
        expect(first.task).toBe(model.task)
      }
    }))
})
