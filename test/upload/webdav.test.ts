import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Logger, LogLevel, Option, Redacted } from "effect"
import { createHash } from "node:crypto"
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { writeDatasetFiles } from "../../src/curate/datasetFiles.js"
import { Workspace } from "../../src/domain/Workspace.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { Uploader, type UploadOptions } from "../../src/upload/Uploader.js"
import { filesBelow } from "../support/cli.js"
import { manifestAt, scopedTempDir } from "../support/manifest.js"
import { type Fixture, seed } from "../support/uploadFixtures.js"
import { uploadServer } from "../support/uploadServer.js"
import { heldFiles, webdavServer } from "../support/webdavServer.js"

/** A manifest, a workspace and the uploader over real HTTP, in a fresh temp directory. */
const uploadEnv = Layer.unwrapScoped(
  scopedTempDir("webdav-upload").pipe(
    Effect.map((dir) =>
      Uploader.layer.pipe(
        Layer.provideMerge(Layer.mergeAll(manifestAt(join(dir, "manifest.sqlite")), Workspace.layer(dir), NodeHttpClient.layerUndici)),
        Layer.provideMerge(Logger.minimumLogLevel(LogLevel.None))
      )
    )
  )
)

const optionsFor = (endpoint: string, overrides: Partial<UploadOptions> = {}): UploadOptions => ({
  endpoint,
  layout: "dataset",
  token: Option.none(),
  credentials: Option.none(),
  concurrency: 3,
  requestTimeoutMs: 5000,
  maxAttempts: 3,
  retryBaseMs: 10,
  ...overrides
})

/** Two accepted videos in two language folders, one rejected; metadata.jsonl and the card written by curate's own code. */
const datasetWithCard = Effect.gen(function* () {
  const fixtures = yield* seed([
    { n: 1, accepted: true, clips: 3, language: "cs" },
    { n: 2, accepted: true, clips: 2, language: "en" },
    { n: 3, accepted: false, clips: 2 }
  ])
  yield* writeDatasetFiles("kidvoice test")
  return fixtures
})

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex")

/** Every file the dataset should put on the server (accepted clips, metadata.jsonl, README.md) → its sha256. */
const expectedOnServer = (datasetDir: string, fixtures: ReadonlyArray<Fixture>) => {
  const rejected = new Set(fixtures.filter((f) => !f.accepted).map((f) => f.fileName))
  return Object.fromEntries(filesBelow(datasetDir).filter((f) => !rejected.has(f)).map((f) => [f, sha256(readFileSync(join(datasetDir, f)))]))
}

const heldOn = (root: string) => Object.fromEntries(filesBelow(root).map((f) => [f, sha256(readFileSync(join(root, f)))]))

const captureLogs = () => {
  const lines: Array<string> = []
  const layer = Logger.replace(Logger.defaultLogger, Logger.map(Logger.logfmtLogger, (line) => { lines.push(line) }))
  const capture = <A, E, R>(effect: Effect.Effect<A, E, R>) => effect.pipe(Logger.withMinimumLogLevel(LogLevel.All), Effect.provide(layer))
  return { lines, capture }
}

describe("upload in the dataset layout to nginx's WebDAV module", () => {
  it.scopedLive("carries the dataset: every file under its dataset path with the same sha256, metadata and card after the clips; a rerun sends nothing", () =>
    Effect.gen(function* () {
      // nginx ends an htpasswd password at ":", so none here; "@", "/", "%" and a space test the URL encoding.
      const password = "pa ss@w/rd%5e1"
      const server = yield* webdavServer({ users: { alice: password } })
      const fixtures = yield* datasetWithCard
      const workspace = yield* Workspace
      const manifest = yield* Manifest
      const uploader = yield* Uploader
      const logs = captureLogs()
      const withCredentials = server.endpoint.replace("http://", `http://alice:${encodeURIComponent(password)}@`)

      const first = yield* logs.capture(uploader.uploadAll(optionsFor(`${withCredentials}/`)))
      expect(first).toEqual({ sent: 7, alreadyThere: 0, failed: [] })
      const expected = expectedOnServer(workspace.dataset, fixtures)
      expect(Object.keys(expected)).toContain("metadata.jsonl")
      expect(Object.keys(expected)).toContain("README.md")
      expect(heldOn(server.root)).toEqual(expected)

      const requests = server.requests()
      const puts = requests.filter((r) => r.method === "PUT")
      expect(puts.every((r) => r.status === 201)).toBe(true)
      const lastClipPut = Math.max(...puts.filter((r) => r.path.endsWith(".wav")).map((r) => requests.indexOf(r)))
      for (const index of ["/dav/metadata.jsonl", "/dav/README.md"]) {
        expect(requests.findIndex((r) => r.method === "PUT" && r.path === index)).toBeGreaterThan(lastClipPut)
      }
      expect(requests.filter((r) => r.method === "MKCOL" && r.status === 201).map((r) => r.path).sort()).toEqual(["/dav/cs/", "/dav/en/"])
      // Recorded under the endpoint without its credentials; the password is nowhere in the logs.
      const recorded = yield* manifest.uploadsFor(`${server.endpoint} (dataset)`)
      expect(recorded.map((u) => u.fileName).sort()).toEqual(fixtures.filter((f) => f.accepted).map((f) => f.fileName).sort())
      expect(recorded.every((u) => u.remote.startsWith(`${server.endpoint}/`))).toBe(true)
      for (const line of logs.lines) {
        expect(line).not.toContain(password)
        expect(line).not.toContain(encodeURIComponent(password))
      }

      const before = server.requests().length
      const second = yield* uploader.uploadAll(optionsFor(withCredentials))
      expect(second.sent).toBe(0)
      expect(second.failed).toEqual([])
      const rerun = server.requests().slice(before)
      expect(rerun.filter((r) => r.method !== "HEAD" && r.method !== "GET")).toEqual([])
      expect(heldOn(server.root)).toEqual(expected)
    }).pipe(Effect.provide(uploadEnv)))

  it.scopedLive("bytes already on the server are recorded without sending; a file of the same size but other bytes is replaced", () =>
    Effect.gen(function* () {
      const server = yield* webdavServer()
      const fixtures = yield* datasetWithCard
      const workspace = yield* Workspace
      const uploader = yield* Uploader
      const [same, other] = fixtures.filter((f) => f.accepted)
      // As after a crash between the server's receipt and the manifest's record, and a stale copy.
      for (const [fixture, bytes] of [[same!, same!.bytes], [other!, Buffer.alloc(other!.bytes.length, 7)]] as const) {
        mkdirSync(dirname(join(server.root, fixture.fileName)), { recursive: true })
        writeFileSync(join(server.root, fixture.fileName), bytes)
      }

      const summary = yield* uploader.uploadAll(optionsFor(server.endpoint))
      expect(summary).toEqual({ sent: 6, alreadyThere: 1, failed: [] })
      const putPaths = server.requests().filter((r) => r.method === "PUT").map((r) => r.path)
      expect(putPaths).not.toContain(`/dav/${same!.fileName}`)
      expect(putPaths).toContain(`/dav/${other!.fileName}`)
      expect(heldOn(server.root)).toEqual(expectedOnServer(workspace.dataset, fixtures))
    }).pipe(Effect.provide(uploadEnv)))

  it.scopedLive("credentials from the environment are sent as Basic auth; wrong ones stop the run on 401 without showing the password", () =>
    Effect.gen(function* () {
      const server = yield* webdavServer({ users: { bob: "right-one" } })
      yield* datasetWithCard
      const uploader = yield* Uploader
      const logs = captureLogs()
      const wrong = "wr0ng-Passw0rd-91c"

      const exit = yield* logs.capture(uploader.uploadAll(optionsFor(server.endpoint, { credentials: Option.some({ user: "bob", password: Redacted.make(wrong) }) })).pipe(Effect.exit))
      const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
      expect(Option.map(error, (e) => e._tag)).toEqual(Option.some("UploadUnauthorized"))
      expect(Option.getOrThrow(error).message).toContain("user name and password were not accepted")
      for (const text of [Option.getOrThrow(error).message, Cause.pretty(Exit.isFailure(exit) ? exit.cause : Cause.empty), ...logs.lines]) {
        expect(text).not.toContain(wrong)
      }
      expect(server.requests().filter((r) => r.method === "PUT")).toEqual([])

      const summary = yield* uploader.uploadAll(optionsFor(server.endpoint, { credentials: Option.some({ user: "bob", password: Redacted.make("right-one") }) }))
      expect(summary).toEqual({ sent: 7, alreadyThere: 0, failed: [] })
    }).pipe(Effect.provide(uploadEnv)))
})

describe("the dataset's index", () => {
  it.scopedLive("metadata.jsonl and the card wait for a run in which every clip reached the server", () =>
    Effect.gen(function* () {
      const server = yield* webdavServer()
      const fixtures = yield* datasetWithCard
      const workspace = yield* Workspace
      const uploader = yield* Uploader
      const missing = fixtures.find((f) => f.accepted)!
      const path = join(workspace.dataset, missing.fileName)
      renameSync(path, `${path}.away`)

      const first = yield* uploader.uploadAll(optionsFor(server.endpoint))
      expect(first.sent).toBe(4)
      expect(first.failed.map((f) => f.fileName).sort()).toEqual([missing.fileName, "README.md", "metadata.jsonl"].sort())
      expect(heldFiles(server).filter((f) => !f.endsWith(".wav"))).toEqual([])

      renameSync(`${path}.away`, path)
      const second = yield* uploader.uploadAll(optionsFor(server.endpoint))
      expect(second).toEqual({ sent: 3, alreadyThere: 0, failed: [] })
      expect(heldOn(server.root)).toEqual(expectedOnServer(workspace.dataset, fixtures))
    }).pipe(Effect.provide(uploadEnv)))
})

describe("a failing server", () => {
  it.scopedLive("answering 500 to everything is given up after maxAttempts + 1 failures in a row, whatever the number of clips", () =>
    Effect.gen(function* () {
      const server = yield* uploadServer({ script: () => ({ status: 500, body: "down for maintenance" }) })
      const fixtures = yield* seed(Array.from({ length: 10 }, (_, i) => ({ n: i + 1, accepted: true, clips: 4 })))
      const uploader = yield* Uploader

      const summary = yield* uploader.uploadAll(optionsFor(server.endpoint, { layout: "content-addressed", concurrency: 1, maxAttempts: 3 }))
      expect(summary.sent).toBe(0)
      expect(summary.failed.length).toBe(fixtures.length)
      // 4 requests in all (one per failure in a row), not 3 attempts for each of the 40 clips.
      expect(server.counts.requests).toBe(4)
      expect(summary.failed.filter((f) => f.reason.includes("given up for this run")).length).toBe(fixtures.length - 2)
      const tried = summary.failed.filter((f) => !f.reason.includes("given up for this run"))
      expect(tried.length).toBe(2)
      expect(tried.every((f) => f.reason.includes("HTTP 500"))).toBe(true)
    }).pipe(Effect.provide(uploadEnv)))

  it.scopedLive("a short outage pauses every clip together and the run then finishes", () =>
    Effect.gen(function* () {
      const server = yield* uploadServer({ script: (r) => (r.n <= 3 ? { status: 503, body: "restarting" } : undefined) })
      yield* seed(Array.from({ length: 3 }, (_, i) => ({ n: i + 1, accepted: true, clips: 3 })))
      const uploader = yield* Uploader
      const summary = yield* uploader.uploadAll(optionsFor(server.endpoint, { layout: "content-addressed", concurrency: 3, maxAttempts: 3 }))
      expect(summary).toEqual({ sent: 9, alreadyThere: 0, failed: [] })
    }).pipe(Effect.provide(uploadEnv)))
})
