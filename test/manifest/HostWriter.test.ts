import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { Context, Deferred, Effect, Exit, Layer, Metric, Queue, Schedule } from "effect"
import { execa } from "execa"
import { existsSync, readFileSync } from "node:fs"
import { connect, type Socket } from "node:net"
import { join } from "node:path"
import { bundleWorker } from "../../scripts/bundleWorker.js"
import { IllegalTransition, Transition } from "../../src/domain/VideoState.js"
import { errorFromWire, errorToWire, type HostWriterRole, socketNameFor, type WireError } from "../../src/manifest/HostWriter.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { ClaimLost, ManifestQueryError, VideoNotFound } from "../../src/manifest/ManifestErrors.js"
import { WriteExpired } from "../../src/manifest/ManifestWriter.js"
import { writesSentToLeader } from "../../src/manifest/metrics.js"
import type { RetryPolicy } from "../../src/domain/RetryPolicy.js"
import { sqliteManifestLayer } from "../../src/manifest/ManifestStore.js"
import { candidate, owner, scopedTempDir, testRetry } from "../support/manifest.js"
import { VideoId } from "../../src/domain/VideoId.js"

/** A manifest on `path` for owner `id`, open in the current scope. */
const openManifest = (path: string, id: string, retry: RetryPolicy = testRetry) =>
  Layer.build(sqliteManifestLayer(path, { owner: owner(id, new Set([Number(id.split(":")[1])])), staleClaimMs: 3_600_000, retry })).pipe(
    Effect.map(Context.get(Manifest))
  )

const roleBecomes = (manifest: Context.Tag.Service<Manifest>, role: HostWriterRole) =>
  manifest.writerRole.pipe(
    Effect.filterOrFail((current) => current === role, (current) => new Error(`role is ${current}, not ${role}`)),
    Effect.retry(Schedule.spaced("10 millis").pipe(Schedule.upTo("10 seconds")))
  )

const rowsIn = (path: string, sql: string) => {
  const db = new Database(path, { readonly: true })
  try {
    return db.prepare(sql).all() as Array<Record<string, unknown>>
  } finally {
    db.close()
  }
}

/** A raw connection to the leader's socket, speaking its JSON lines: what another (or a hostile) process sees. */
const rawClient = (path: string) =>
  Effect.gen(function* () {
    const socket = yield* Effect.acquireRelease(
      Effect.async<Socket>((resume) => {
        const s = connect({ path: socketNameFor(path) })
        s.once("connect", () => resume(Effect.succeed(s)))
        s.once("error", (error) => resume(Effect.die(error)))
      }),
      (s) => Effect.sync(() => s.destroy())
    )
    const lines = yield* Queue.unbounded<string>()
    const closed = yield* Deferred.make<void>()
    let buffered = ""
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => {
      buffered += chunk
      for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
        Queue.unsafeOffer(lines, buffered.slice(0, end))
        buffered = buffered.slice(end + 1)
      }
    })
    socket.on("error", () => undefined)
    socket.on("close", () => Deferred.unsafeDone(closed, Exit.void))
    return {
      sendText: (text: string) => Effect.sync(() => void socket.write(text + "\n")),
      /** Bytes with no newline after them. */
      sendUnended: (text: string) => Effect.sync(() => void socket.write(text)),
      reply: Queue.take(lines).pipe(Effect.map((line) => JSON.parse(line) as { id: string; ok?: unknown; error?: { _tag: string } }), Effect.timeout("10 seconds")),
      closed: Deferred.await(closed).pipe(Effect.timeout("10 seconds")),
      hasReply: Queue.size(lines).pipe(Effect.map((n) => n > 0))
    }
  })

const keyOf = (path: string) => rowsIn(path, "SELECT key FROM host_writer_key")[0]!.key as string

describe("one manifest writer per host (HostWriter)", () => {
  it.scopedLive("a second manifest on the file follows the first: its writes are committed there, as its own, and errors come back typed", () =>
    Effect.gen(function* () {
      const path = join(yield* scopedTempDir("host-writer"), "manifest.sqlite")
      const leader = yield* openManifest(path, "host:1")
      yield* roleBecomes(leader, "leader")
      // The follower allows one attempt where the leader allows three: its own policy must decide its failures.
      const follower = yield* openManifest(path, "host:2", { ...testRetry, maxAttempts: 1 })
      yield* roleBecomes(follower, "follower")
      const sentBefore = (yield* Metric.value(writesSentToLeader)).count

      expect(yield* follower.addCandidates([1, 2, 3].map(candidate))).toEqual({ added: 3, known: 0 })
      const claimed = yield* follower.claim("download", 2)
      expect(claimed.map((row) => row.claimedBy)).toEqual(["host:2", "host:2"])
      const [first, second] = claimed.map((row) => row.id) as [VideoId, VideoId]

      // The claim is the follower's: the leader's own process cannot complete it.
      const byLeader = yield* leader.completeDownload(first, { audioPath: "/a.wav", measuredDurationSeconds: 1 }).pipe(Effect.flip)
      expect(byLeader).toBeInstanceOf(ClaimLost)
      yield* follower.completeDownload(first, { audioPath: "/a.wav", measuredDurationSeconds: 1 })
      const again = yield* follower.completeDownload(first, { audioPath: "/a.wav", measuredDurationSeconds: 1 }).pipe(Effect.flip)
      expect(again).toBeInstanceOf(IllegalTransition)
      expect(again.message).toBe("a video in state downloaded cannot take transition Complete(download)")
      const missing = yield* follower.fail("download", VideoId.make("local-00000000000000ff"), {
        _tag: "Boom", message: "boom", retryable: true
      }).pipe(Effect.flip)
      expect(missing).toBeInstanceOf(VideoNotFound)
      expect(yield* follower.fail("download", second, { _tag: "Timeout", message: "slow host", retryable: true })).toEqual({
        attempts: 1,
        nextRetryAt: null
      })

      // Six writes asked, six sent to the leader (whatever their outcome).
      expect((yield* Metric.value(writesSentToLeader)).count - sentBefore).toBe(6)
      expect(rowsIn(path, "SELECT id, state, claimed_by AS claimedBy, attempts FROM videos ORDER BY id")).toEqual([
        { id: first, state: "downloaded", claimedBy: null, attempts: 0 },
        { id: second, state: "failed", claimedBy: null, attempts: 1 },
        { id: "local-0000000000000003", state: "discovered", claimedBy: null, attempts: 0 }
      ])
    }))

  it.scopedLive("a write sent again under its request id is answered from its receipt and applied once; a stale one is refused", () =>
    Effect.gen(function* () {
      const path = join(yield* scopedTempDir("host-writer"), "manifest.sqlite")
      const leader = yield* openManifest(path, "host:1")
      yield* roleBecomes(leader, "leader")
      yield* leader.addCandidates([1, 2, 3, 4, 5].map(candidate))
      const client = yield* rawClient(path)
      yield* client.sendText(JSON.stringify({ key: keyOf(path) }))
      const claim = { _tag: "Claim", owner: "host:7", stage: "download", limit: 2, now: 1_000 }

      yield* client.sendText(JSON.stringify({ id: "host:7/a/1", sentAt: Date.now(), command: claim }))
      const first = yield* client.reply
      yield* client.sendText(JSON.stringify({ id: "host:7/a/1", sentAt: Date.now(), command: claim }))
      const replayed = yield* client.reply
      expect((first.ok as Array<{ id: string }>).map((row) => row.id)).toEqual(["local-0000000000000001", "local-0000000000000002"])
      expect(replayed).toEqual(first)
      expect(rowsIn(path, "SELECT COUNT(*) AS n FROM videos WHERE state = 'downloading'")).toEqual([{ n: 2 }])

      // Sent 31 s ago and never run: the sender has run it itself by now, so the leader must not.
      yield* client.sendText(JSON.stringify({ id: "host:7/a/2", sentAt: Date.now() - 31_000, command: claim }))
      expect((yield* client.reply).error?._tag).toBe("WriteExpired")
      expect(rowsIn(path, "SELECT COUNT(*) AS n FROM videos WHERE state = 'downloading'")).toEqual([{ n: 2 }])
      expect(rowsIn(path, "SELECT request_id AS id FROM write_receipts")).toEqual([{ id: "host:7/a/1" }])
    }))

  it.scopedLive("a connection without the manifest's key, or sending what is not a request or an endless line, is cut off and writes nothing", () =>
    Effect.gen(function* () {
      const path = join(yield* scopedTempDir("host-writer"), "manifest.sqlite")
      const leader = yield* openManifest(path, "host:1")
      yield* roleBecomes(leader, "leader")
      yield* leader.addCandidates([1, 2].map(candidate))
      const claim = JSON.stringify({ id: "x/1", sentAt: Date.now(), command: { _tag: "Claim", owner: "x:1", stage: "download", limit: 2, now: 1 } })

      const stranger = yield* rawClient(path)
      yield* stranger.sendText(JSON.stringify({ key: "0".repeat(32) }))
      yield* stranger.sendText(claim)
      yield* stranger.closed
      expect(yield* stranger.hasReply).toBe(false)

      const garbled = yield* rawClient(path)
      yield* garbled.sendText(JSON.stringify({ key: keyOf(path) }))
      yield* garbled.sendText(JSON.stringify({ id: "x/2", sentAt: Date.now(), command: { _tag: "Claim", owner: "x:1", stage: "upload; DROP TABLE videos", limit: 2, now: 1 } }))
      yield* garbled.closed
      expect(yield* garbled.hasReply).toBe(false)

      // Nor may it hold the leader's memory with a line that never ends before it has shown the key.
      const flooder = yield* rawClient(path)
      yield* flooder.sendUnended(`{"key":"${"x".repeat(10_000)}`)
      yield* flooder.closed

      expect(rowsIn(path, "SELECT state, COUNT(*) AS n FROM videos GROUP BY state")).toEqual([{ state: "discovered", n: 2 }])
    }))

  it.scopedLive("when the leader process is killed mid-run, its follower takes over: every write answered, none applied twice or lost", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("host-writer")
      const path = join(dir, "manifest.sqlite")
      const rows = 300
      yield* Effect.scoped(Effect.flatMap(openManifest(path, "host:1"), (m) => m.addCandidates(Array.from({ length: rows }, (_, n) => candidate(n)))))
      const holder = yield* Effect.promise(() => bundleWorker(join(import.meta.dirname, "..", "support", "manifestHolder.ts"), join(dir, "holder.mjs")))
      const readyFile = join(dir, "ready")
      const leaderProcess = execa(process.execPath, [holder, path, readyFile], { stdin: "ignore", reject: false })
      yield* Effect.addFinalizer(() => Effect.sync(() => leaderProcess.kill("SIGKILL")))
      yield* Effect.sync(() => existsSync(readyFile) && readFileSync(readyFile, "utf8") === "leader").pipe(
        Effect.filterOrFail((ready) => ready),
        Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("30 seconds")))
      )

      const follower = yield* openManifest(path, `host:${process.pid}`)
      yield* roleBecomes(follower, "follower")
      const claimed: Array<string> = []
      const work = Effect.gen(function* () {
        while (true) {
          const [row] = yield* follower.claim("download", 1)
          if (!row) return
          claimed.push(row.id)
          yield* follower.completeDownload(row.id, { audioPath: `/audio/${row.id}.wav`, measuredDurationSeconds: 3 })
        }
      })
      // Killed just after one of its commits, before it could send the answers out: the writes in that commit
      // are recorded but unanswered, and the follower must not apply them again.
      const killJustAfterACommit = Effect.sync(() => {
        const watcher = new Database(path, { readonly: true })
        const version = () => watcher.pragma("data_version", { simple: true })
        const before = version()
        const until = Date.now() + 500
        while (version() === before && Date.now() < until) { /* a commit is a few milliseconds away */ }
        leaderProcess.kill("SIGKILL")
        watcher.close()
      })
      yield* Effect.all([
        Effect.all(Array.from({ length: 8 }, () => work), { concurrency: "unbounded" }),
        Effect.sleep(`${50 + Math.floor(Math.random() * 100)} millis`).pipe(Effect.zipRight(killJustAfterACommit))
      ], { concurrency: "unbounded" })

      expect(new Set(claimed).size).toBe(claimed.length)
      expect(claimed.length).toBe(rows)
      expect(rowsIn(path, "SELECT state, COUNT(*) AS n, COUNT(DISTINCT claimed_by) AS owners FROM videos GROUP BY state")).toEqual([
        { state: "downloaded", n: rows, owners: 0 }
      ])
      expect(rowsIn(path, "PRAGMA integrity_check")).toEqual([{ integrity_check: "ok" }])
      // Some writes went through the leader before it died, the rest through the follower, which now leads.
      expect((rowsIn(path, "SELECT COUNT(*) AS n FROM write_receipts")[0]!.n as number)).toBeGreaterThan(0)
      yield* roleBecomes(follower, "leader")
    }), { timeout: 60_000 })
})

describe("a write's error crossing the socket", () => {
  const crossed = (error: unknown) => errorFromWire(JSON.parse(JSON.stringify(errorToWire(error))) as WireError)

  it("comes back as the same class with the same words", () => {
    const errors = [
      new ClaimLost({ videoId: "local-0000000000000001", stage: "analyze" }),
      new VideoNotFound({ videoId: "local-0000000000000002" }),
      new IllegalTransition({ from: { state: "failed", failedStage: "download" }, transition: Transition.Decide({ accepted: true }) }),
      new WriteExpired({ operation: "claim download", ageMs: 31_000 })
    ]
    for (const error of errors) {
      const back = crossed(error)
      expect(back.constructor).toBe(error.constructor)
      expect(back.message).toBe(error.message)
    }
  })

  it("a failed statement keeps its operation, video and the driver's words, and says where it failed", () => {
    const full = new ManifestQueryError({
      operation: "decide",
      videoId: "local-0000000000000003",
      cause: Object.assign(new Error("SqliteError"), { cause: new Error("database or disk is full") })
    })
    const back = crossed(full)
    expect(back).toBeInstanceOf(ManifestQueryError)
    expect(back.message).toBe(
      "manifest decide for local-0000000000000003 failed: database or disk is full (in the process committing this host's manifest writes). " +
        "The row was not changed. Free space on the disk holding the manifest and run again; claims left behind are reclaimed by the next run."
    )
    // Anything else thrown in the leader still arrives as a ManifestQueryError with its words.
    expect(crossed(new Error("boom")).message).toContain("boom (in the process committing this host's manifest writes)")
  })
})
