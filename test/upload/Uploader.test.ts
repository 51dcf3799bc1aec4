import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Clock, Effect, Exit, FastCheck as fc, Fiber, Layer, Logger, LogLevel, Option, Redacted } from "effect"
import { rmSync } from "node:fs"
import { join } from "node:path"
import { Workspace } from "../../src/domain/Workspace.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { Uploader, type UploadOptions } from "../../src/upload/Uploader.js"
import { candidate, manifestAt, scopedTempDir } from "../support/manifest.js"
import { seed, type VideoSpec } from "../support/uploadFixtures.js"
import { uploadServer } from "../support/uploadServer.js"

/** A manifest, a workspace and the uploader over real HTTP, all in a fresh temp directory. */
const uploadEnv = Layer.unwrapScoped(
  scopedTempDir("upload").pipe(
    Effect.map((dir) =>
      Uploader.layer.pipe(
        Layer.provideMerge(Layer.mergeAll(manifestAt(join(dir, "manifest.sqlite")), Workspace.layer(dir), NodeHttpClient.layerUndici)),
        // Quiet unless a test captures the logs it checks.
        Layer.provideMerge(Logger.minimumLogLevel(LogLevel.None))
      )
    )
  )
)

const twoAcceptedOneRejected: ReadonlyArray<VideoSpec> = [
  { n: 1, accepted: true, clips: 3, language: "en" },
  { n: 2, accepted: true, clips: 3 },
  { n: 3, accepted: false, clips: 2 }
]

const optionsFor = (endpoint: string, overrides: Partial<UploadOptions> = {}): UploadOptions => ({
  endpoint,
  layout: "content-addressed",
  token: Option.none(),
  credentials: Option.none(),
  concurrency: 3,
  requestTimeoutMs: 2000,
  maxAttempts: 3,
  retryBaseMs: 10,
  ...overrides
})

/** Every log line of the wrapped effect, formatted (message, annotations, cause), at every level. */
const captureLogs = () => {
  const lines: Array<string> = []
  const layer = Logger.replace(Logger.defaultLogger, Logger.map(Logger.logfmtLogger, (line) => { lines.push(line) }))
  const capture = <A, E, R>(effect: Effect.Effect<A, E, R>) => effect.pipe(Logger.withMinimumLogLevel(LogLevel.All), Effect.provide(layer))
  return { lines, capture }
}

describe("Uploader", () => {
  it.scopedLive("sends each accepted clip once with its bytes and headers, records it, and marks the videos uploaded", () =>
    Effect.gen(function* () {
      const server = yield* uploadServer()
      const fixtures = yield* seed(twoAcceptedOneRejected)
      const uploader = yield* Uploader
      const manifest = yield* Manifest
      const logs = captureLogs()

      const summary = yield* logs.capture(uploader.uploadAll(optionsFor(server.endpoint)))

      expect(summary).toEqual({ sent: 6, alreadyThere: 0, failed: [] })
      const accepted = fixtures.filter((f) => f.accepted)
      for (const f of accepted) {
        const held = server.stored.get(f.sha256)
        expect(held?.body.equals(f.bytes)).toBe(true)
        expect(held?.headers).toMatchObject({
          "content-type": "audio/wav",
          "x-kidvoice-file-name": f.fileName,
          "x-kidvoice-language": f.language,
          "x-kidvoice-video-id": f.videoId
        })
        expect(held?.headers.authorization).toBeUndefined()
        expect(server.puts.get(f.sha256)).toBe(1)
      }
      expect(server.counts).toMatchObject({ heads: 6, putsStarted: 6, putsCompleted: 6 })
      for (const f of fixtures.filter((f) => !f.accepted)) {
        expect(server.log.some((entry) => entry.hash === f.sha256)).toBe(false)
      }
      const recorded = yield* manifest.uploadsFor(server.endpoint)
      expect(recorded).toEqual(
        [...accepted].sort((a, b) => a.fileName.localeCompare(b.fileName))
          .map((f) => ({ fileName: f.fileName, sha256: f.sha256, remote: `${server.endpoint}/clips/${f.sha256}` }))
      )
      expect((yield* manifest.get(candidate(1).id)).state).toBe("uploaded")
      expect((yield* manifest.get(candidate(2).id)).state).toBe("uploaded")
      expect((yield* manifest.get(candidate(3).id)).state).toBe("rejected")
      const uploadedLines = logs.lines.filter((line) => line.includes("uploaded unknown/") || line.includes("uploaded en/"))
      expect(uploadedLines.length).toBe(6)
      expect(uploadedLines.every((line) => line.includes("stage=upload") && /videoId=local-/.test(line))).toBe(true)
    }).pipe(Effect.provide(uploadEnv)))

  it.scopedLive("a second run sends nothing, and a clip the server already holds is recorded without sending it", () =>
    Effect.gen(function* () {
      const server = yield* uploadServer()
      const fixtures = yield* seed(twoAcceptedOneRejected)
      const uploader = yield* Uploader
      // The crash-after-receipt case: the server has the bytes, the manifest has no record of them.
      const first = fixtures[0]!
      server.stored.set(first.sha256, { body: first.bytes, headers: {} })

      const summary = yield* uploader.uploadAll(optionsFor(server.endpoint))
      expect(summary).toEqual({ sent: 5, alreadyThere: 1, failed: [] })
      expect(server.puts.get(first.sha256)).toBeUndefined()
      const requestsAfterFirst = server.counts.requests

      const again = yield* uploader.uploadAll(optionsFor(server.endpoint))
      expect(again).toEqual({ sent: 0, alreadyThere: 0, failed: [] })
      expect(server.counts.requests).toBe(requestsAfterFirst)
      expect(server.counts.putsCompleted).toBe(5)
      expect((yield* Manifest.pipe(Effect.flatMap((m) => m.uploadsFor(server.endpoint)))).length).toBe(6)
    }).pipe(Effect.provide(uploadEnv)))

  it.scopedLive.prop("killed after k stored clips, a second run leaves every clip on the server exactly once, all recorded", [
    fc.integer({ min: 1, max: 7 }),
    fc.integer({ min: 1, max: 4 })
  ], ([k, concurrency]) =>
    Effect.gen(function* () {
      const server = yield* uploadServer()
      const fixtures = yield* seed([{ n: 1, accepted: true, clips: 4 }, { n: 2, accepted: true, clips: 4 }])
      const uploader = yield* Uploader
      const manifest = yield* Manifest
      const options = optionsFor(server.endpoint, { concurrency })

      const fiber = yield* Effect.fork(uploader.uploadAll(options))
      yield* server.putsCompleted(k)
      yield* Fiber.interrupt(fiber)
      const recordedBefore = (yield* manifest.uploadsFor(server.endpoint)).length
      expect(recordedBefore).toBeLessThanOrEqual(server.counts.putsCompleted)

      const summary = yield* uploader.uploadAll(options)
      expect(summary.failed).toEqual([])
      expect(summary.sent + summary.alreadyThere).toBe(8 - recordedBefore)
      for (const f of fixtures) expect(server.puts.get(f.sha256)).toBe(1)
      expect(server.stored.size).toBe(8)
      expect((yield* manifest.uploadsFor(server.endpoint)).map((u) => u.sha256).sort()).toEqual(fixtures.map((f) => f.sha256).sort())
      expect((yield* manifest.get(candidate(1).id)).state).toBe("uploaded")
      expect((yield* manifest.get(candidate(2).id)).state).toBe("uploaded")
    }).pipe(Effect.provide(uploadEnv), Effect.scoped), { fastCheck: { numRuns: 5 } })

  it.scopedLive("retries 500s and a 429 (waiting for its Retry-After) and then succeeds", () =>
    Effect.gen(function* () {
      const server = yield* uploadServer({
        script: (request) =>
          request.method === "PUT" && request.nOfMethod <= 2
            ? { status: 500, body: "database is restarting" }
            : request.method === "HEAD" && request.nOfMethod === 1
            ? { status: 429, headers: { "retry-after": "1" } }
            : undefined
      })
      const fixtures = yield* seed(twoAcceptedOneRejected)
      const uploader = yield* Uploader
      const started = yield* Clock.currentTimeMillis
      const summary = yield* uploader.uploadAll(optionsFor(server.endpoint, { concurrency: 1, maxAttempts: 5 }))
      const elapsed = (yield* Clock.currentTimeMillis) - started

      expect(summary).toEqual({ sent: 6, alreadyThere: 0, failed: [] })
      expect(server.log.filter((entry) => entry.status === 500).length).toBe(2)
      expect(server.log.filter((entry) => entry.status === 429).length).toBe(1)
      for (const f of fixtures.filter((f) => f.accepted)) expect(server.puts.get(f.sha256)).toBe(1)
      // The 429 asked for a second; the backoff alone (10 ms base) would have been far shorter.
      expect(elapsed).toBeGreaterThanOrEqual(950)
    }).pipe(Effect.provide(uploadEnv)))

  it.scopedLive("a clip the server always answers with 500 fails after maxAttempts with the status in its reason; the rest upload", () =>
    Effect.gen(function* () {
      let broken = true
      const fixtures = yield* seed(twoAcceptedOneRejected)
      const victim = fixtures[0]!
      const server = yield* uploadServer({
        script: (request) => (broken && request.method === "PUT" && request.hash === victim.sha256 ? { status: 500, body: "disk full" } : undefined)
      })
      const uploader = yield* Uploader
      const manifest = yield* Manifest

      const summary = yield* uploader.uploadAll(optionsFor(server.endpoint, { maxAttempts: 3 }))
      expect(summary.sent).toBe(5)
      expect(summary.failed.map((f) => f.fileName)).toEqual([victim.fileName])
      expect(summary.failed[0]!.reason).toContain("HTTP 500")
      expect(summary.failed[0]!.reason).toContain(victim.fileName)
      expect(summary.failed[0]!.reason).toContain(server.endpoint)
      expect(server.log.filter((entry) => entry.method === "PUT" && entry.hash === victim.sha256).length).toBe(3)
      expect((yield* manifest.get(victim.videoId)).state).toBe("accepted")
      expect((yield* manifest.get(candidate(2).id)).state).toBe("uploaded")

      // The failed clip stays unrecorded, so the next run takes it up again.
      broken = false
      expect(yield* uploader.uploadAll(optionsFor(server.endpoint))).toEqual({ sent: 1, alreadyThere: 0, failed: [] })
      expect((yield* manifest.get(victim.videoId)).state).toBe("uploaded")
    }).pipe(Effect.provide(uploadEnv)))

  it.scopedLive("an unreachable server fails every clip and the run still ends; a permanent refusal fails that clip once, without retrying", () =>
    Effect.gen(function* () {
      const fixtures = yield* seed(twoAcceptedOneRejected)
      const victim = fixtures[1]!
      const server = yield* uploadServer({
        script: (request) => (request.method === "PUT" && request.hash === victim.sha256 ? { status: 413, body: "too large" } : undefined)
      })
      const uploader = yield* Uploader
      // Nothing listens on port 9 of localhost: connection refused, retried, then given up per clip.
      const unreachable = yield* uploader.uploadAll(optionsFor("http://127.0.0.1:9/kv", { maxAttempts: 2 }))
      expect(unreachable.sent).toBe(0)
      expect(unreachable.failed.length).toBe(6)
      expect(unreachable.failed.every((f) => f.reason.includes("http://127.0.0.1:9/kv") && f.reason.includes(f.fileName))).toBe(true)

      const summary = yield* uploader.uploadAll(optionsFor(server.endpoint))
      expect(summary.sent).toBe(5)
      expect(summary.failed).toEqual([{ fileName: victim.fileName, reason: expect.stringContaining("HTTP 413 (too large)") }])
      expect(server.log.filter((entry) => entry.method === "PUT" && entry.hash === victim.sha256).length).toBe(1)

    }).pipe(Effect.provide(uploadEnv)))

  it.scopedLive("a stalled request times out and is retried", () =>
    Effect.gen(function* () {
      const server = yield* uploadServer({
        script: (request) => ((request.method === "PUT" && request.nOfMethod === 1) || (request.method === "HEAD" && request.nOfMethod === 3) ? "stall" : undefined)
      })
      const fixtures = yield* seed(twoAcceptedOneRejected)
      const uploader = yield* Uploader
      const logs = captureLogs()
      const started = yield* Clock.currentTimeMillis
      const summary = yield* logs.capture(uploader.uploadAll(optionsFor(server.endpoint, { requestTimeoutMs: 300 })))
      const elapsed = (yield* Clock.currentTimeMillis) - started

      expect(summary).toEqual({ sent: 6, alreadyThere: 0, failed: [] })
      expect(server.log.filter((entry) => entry.status === "stall").length).toBe(2)
      for (const f of fixtures.filter((f) => f.accepted)) expect(server.puts.get(f.sha256)).toBe(1)
      expect(elapsed).toBeGreaterThanOrEqual(300)
      expect(logs.lines.filter((line) => line.includes("got no answer within 300 ms")).length).toBe(2)
    }).pipe(Effect.provide(uploadEnv)))

  it.scopedLive("401 stops the run with UploadUnauthorized naming the endpoint; the token is in no message and no log line", () =>
    Effect.gen(function* () {
      const secret = "s3cr3t-Upl0ad-t0ken-7f3a9c"
      const server = yield* uploadServer({ token: "the-right-one" })
      yield* seed(twoAcceptedOneRejected)
      const uploader = yield* Uploader
      const logs = captureLogs()

      const exit = yield* logs.capture(uploader.uploadAll(optionsFor(server.endpoint, { token: Option.some(Redacted.make(secret)) })).pipe(Effect.exit))
      expect(Exit.isFailure(exit)).toBe(true)
      const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
      expect(Option.map(error, (e) => e._tag)).toEqual(Option.some("UploadUnauthorized"))
      const message = Option.getOrThrow(error).message
      expect(message).toContain(server.endpoint)
      expect(message).toContain("401")
      expect(server.counts.putsStarted).toBe(0)
      expect((yield* Manifest.pipe(Effect.flatMap((m) => m.uploadsFor(server.endpoint)))).length).toBe(0)

      const everything = [message, Cause.pretty(Exit.isFailure(exit) ? exit.cause : Cause.empty), JSON.stringify(Option.getOrThrow(error)), String(Option.getOrThrow(error)), ...logs.lines]
      expect(logs.lines.length).toBeGreaterThan(0)
      for (const text of everything) expect(text).not.toContain(secret)
    }).pipe(Effect.provide(uploadEnv)))

  it.scopedLive("sends the token as a bearer token, and quotes no token from a server's error body", () =>
    Effect.gen(function* () {
      const secret = "the-right-one-9d2e"
      const fixtures = yield* seed(twoAcceptedOneRejected)
      const victim = fixtures[2]!
      const server = yield* uploadServer({
        token: secret,
        script: (request) => (request.method === "PUT" && request.hash === victim.sha256 ? { status: 400, body: `bad request; you sent authorization: Bearer ${secret}` } : undefined)
      })
      const uploader = yield* Uploader
      const logs = captureLogs()
      const summary = yield* logs.capture(uploader.uploadAll(optionsFor(server.endpoint, { token: Option.some(Redacted.make(secret)) })))

      expect(summary.sent).toBe(5)
      for (const held of server.stored.values()) expect(held.headers.authorization).toBe(`Bearer ${secret}`)
      expect(summary.failed).toEqual([{ fileName: victim.fileName, reason: expect.stringContaining("Bearer <redacted>") }])
      for (const text of [...summary.failed.map((f) => f.reason), ...logs.lines]) expect(text).not.toContain(secret)
    }).pipe(Effect.provide(uploadEnv)))

  it.scopedLive("a missing clip file fails that clip with its path; the others still upload", () =>
    Effect.gen(function* () {
      const server = yield* uploadServer()
      const fixtures = yield* seed(twoAcceptedOneRejected)
      const workspace = yield* Workspace
      const gone = fixtures[4]!
      const path = join(workspace.dataset, gone.fileName)
      rmSync(path)
      const uploader = yield* Uploader

      const summary = yield* uploader.uploadAll(optionsFor(server.endpoint))
      expect(summary.sent).toBe(5)
      expect(summary.failed).toEqual([{ fileName: gone.fileName, reason: expect.stringContaining(path) }])
      expect(summary.failed[0]!.reason).toContain("missing")
      expect((yield* Manifest.pipe(Effect.flatMap((m) => m.get(gone.videoId)))).state).toBe("accepted")
    }).pipe(Effect.provide(uploadEnv)))

  it.scopedLive("refuses an endpoint that is not an http(s) URL before touching anything", () =>
    Effect.gen(function* () {
      yield* seed(twoAcceptedOneRejected)
      const uploader = yield* Uploader
      const error = yield* uploader.uploadAll(optionsFor("ftp://example.org/kv")).pipe(Effect.flip)
      expect(error._tag).toBe("UploadEndpointInvalid")
      expect(error.message).toContain("ftp://example.org/kv")
    }).pipe(Effect.provide(uploadEnv)))
})
