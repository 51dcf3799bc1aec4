import { describe, expect, it } from "@effect/vitest"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, Logger, LogLevel, Option, Redacted, Schedule } from "effect"
import { createHash } from "node:crypto"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { writeDatasetFiles } from "../../src/curate/datasetFiles.js"
import { Workspace } from "../../src/domain/Workspace.js"
import { Uploader } from "../../src/upload/Uploader.js"
import { filesBelow, kidvoice } from "../support/cli.js"
import { manifestAt, scopedTempDir } from "../support/manifest.js"
import { stallingProxy } from "../support/stallingProxy.js"
import { seed } from "../support/uploadFixtures.js"
import { heldFiles, webdavServer } from "../support/webdavServer.js"

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex")
const hashesBelow = (dir: string, names = filesBelow(dir)) => Object.fromEntries(names.map((f) => [f, sha256(readFileSync(join(dir, f)))]))

/** Polls `condition` every 20 ms for up to 60 s. */
const until = (what: string, condition: () => boolean) =>
  Effect.suspend(() => (condition() ? Effect.void : Effect.fail(what))).pipe(
    Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("60 seconds"))),
    Effect.orDieWith((w) => new Error(`timed out waiting: ${w}`))
  )

describe("kidvoice upload killed with SIGKILL in the middle of a PUT", () => {
  it.scopedLive("a rerun leaves every file of the dataset on the server once, whole, sent once; a third run sends nothing", () =>
    Effect.gen(function* () {
      const password = "s3cret-d4v-pw"
      const server = yield* webdavServer({ users: { uploader: password } })
      const out = yield* scopedTempDir("webdav-kill")
      const fixtures = yield* Effect.gen(function* () {
        // 6 clips of 400 KB: nginx buffers a body's first 128 KB or so before its temp file appears.
        const made = yield* seed([{ n: 1, accepted: true, clips: 3, language: "cs" }, { n: 2, accepted: true, clips: 3, language: "en" }], 200_000)
        yield* writeDatasetFiles("kidvoice test")
        return made
      }).pipe(Effect.provide(Layer.mergeAll(manifestAt(join(out, "manifest.sqlite")), Workspace.layer(out))), Effect.scoped)
      const dataset = join(out, "dataset")
      const expected = hashesBelow(dataset)
      expect(Object.keys(expected).length).toBe(fixtures.length + 2)

      // The third PUT is held after 200 KB, so the kill finds it half-way whatever the machine's speed.
      const proxy = yield* stallingProxy(server.port, { stallPut: 3, stallAfterBytes: 200_000 })
      const upload = () =>
        kidvoice(["upload", "--out", out, "--upload-endpoint", `http://127.0.0.1:${proxy.port}/dav`, "--upload-concurrency", "2"], {
          KIDVOICE_UPLOAD_USER: "uploader",
          KIDVOICE_UPLOAD_PASSWORD: password
        })
      const bodiesInProgress = () => readdirSync(server.bodyTemp).filter((f) => statSync(join(server.bodyTemp, f)).size > 0)

      const first = upload()
      // Killed once at least one clip is stored and the held PUT's body is half-way in nginx's temp file.
      yield* until("a stored clip and a PUT half-way", () => heldFiles(server).some((f) => f.endsWith(".wav")) && proxy.stalled() && bodiesInProgress().length > 0)
      first.kill("SIGKILL")
      const killed = yield* Effect.promise(() => first)
      expect(killed.signal).toBe("SIGKILL")
      const heldAfterKill = heldFiles(server)
      expect(heldAfterKill.length).toBeLessThan(Object.keys(expected).length)
      // nginx drops the body of a PUT that broke off; what it holds is whole.
      yield* until("nginx to drop the broken-off body", () => bodiesInProgress().length === 0)
      expect(hashesBelow(server.root)).toEqual(Object.fromEntries(heldAfterKill.map((f) => [f, expected[f]])))
      expect(server.requests().some((r) => r.method === "PUT" && r.status === 400)).toBe(true)

      const second = yield* Effect.promise(() => upload())
      expect(second.exitCode, second.stderr).toBe(0)
      expect(second.stdout).toMatch(/upload\s+\d+ sent, \d+ already there, 0 failed/)
      expect(hashesBelow(server.root)).toEqual(expected)
      const stored = server.requests().filter((r) => r.method === "PUT" && (r.status === 201 || r.status === 204)).map((r) => r.path)
      expect([...stored].sort()).toEqual(Object.keys(expected).map((f) => `/dav/${f}`).sort())

      // A third run (in this process: a CLI start costs seconds on a busy machine) sends nothing.
      const before = server.requests().length
      const third = yield* Effect.gen(function* () {
        const uploader = yield* Uploader
        return yield* uploader.uploadAll({
          endpoint: `http://127.0.0.1:${proxy.port}/dav`,
          layout: "dataset",
          token: Option.none(),
          credentials: Option.some({ user: "uploader", password: Redacted.make(password) }),
          concurrency: 2,
          requestTimeoutMs: 10_000,
          maxAttempts: 3,
          retryBaseMs: 100
        })
      }).pipe(
        Effect.provide(Uploader.layer.pipe(Layer.provide(Layer.mergeAll(manifestAt(join(out, "manifest.sqlite")), Workspace.layer(out), NodeHttpClient.layerUndici)))),
        Logger.withMinimumLogLevel(LogLevel.None)
      )
      expect(third).toEqual({ sent: 0, alreadyThere: 2, failed: [] })
      expect(server.requests().slice(before).filter((r) => r.method !== "HEAD" && r.method !== "GET")).toEqual([])
      for (const output of [killed, second]) expect(`${output.stdout}${output.stderr}`).not.toContain(password)
    }), 180_000)
})
