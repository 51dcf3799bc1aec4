import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { execa } from "execa"
import { Context, Effect, Either, Exit, Fiber, Layer, Metric, MetricState, Scope } from "effect"
import { join } from "node:path"
import { Analysis, Clip } from "../../src/domain/Analysis.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { commitBatchSize, lockWaitSeconds } from "../../src/manifest/metrics.js"
import { candidate, manifestAt, scopedTempDir } from "../support/manifest.js"

const commitsSoFar = Metric.value(commitBatchSize).pipe(Effect.map((state: MetricState.MetricState.Histogram) => state.count))

/** A manifest file in its own temp dir, open in the current scope (closing it is the test's to decide). */
const openManifest = Effect.gen(function* () {
  const path = join(yield* scopedTempDir("writer"), "manifest.sqlite")
  const manifest = yield* Layer.build(manifestAt(path)).pipe(Effect.map(Context.get(Manifest)))
  return { path, manifest }
})

describe("the manifest writer (group commit)", () => {
  it.scoped("commits concurrent writes together, each answered only once another connection can read it", () =>
    Effect.gen(function* () {
      const { path, manifest } = yield* openManifest
      yield* manifest.addCandidates(Array.from({ length: 64 }, (_, n) => candidate(n)))
      const before = yield* commitsSoFar
      const reader = new Database(path, { readonly: true })
      yield* Effect.addFinalizer(() => Effect.sync(() => reader.close()))

      const downloaded = yield* Effect.forEach(Array.from({ length: 64 }), () =>
        manifest.claim("download", 1).pipe(
          Effect.flatMap(([row]) => manifest.completeDownload(row!.id, { audioPath: `/audio/${row!.id}.wav`, measuredDurationSeconds: 3 })),
          // Answered means committed: a second connection already sees the row downloaded.
          Effect.map(() => reader.prepare("SELECT COUNT(*) AS n FROM videos WHERE state = 'downloaded'").get() as { n: number })
        ), { concurrency: "unbounded" })

      const commits = (yield* commitsSoFar) - before
      expect(downloaded.every((seen) => seen.n >= 1)).toBe(true)
      expect(reader.prepare("SELECT COUNT(*) AS n FROM videos WHERE state = 'downloaded'").get()).toEqual({ n: 64 })
      // 128 writes (a claim and a completion per row) in far fewer transactions.
      expect(commits).toBeLessThan(64)
    }))

  it.scoped("a write that fails is rolled back alone; the others in its batch commit", () =>
    Effect.gen(function* () {
      const { manifest } = yield* openManifest
      yield* manifest.addCandidates([1, 2, 3].map(candidate))
      const rows = yield* manifest.claim("download", 3)
      yield* Effect.forEach(rows, (row) => manifest.completeDownload(row.id, { audioPath: `/a/${row.id}.wav`, measuredDurationSeconds: 3 }))
      const analyzed = yield* manifest.claim("analyze", 3)
      for (const row of analyzed) {
        yield* manifest.completeAnalysis(row.id, Analysis.make({
          durationSeconds: 3, speechSeconds: 2, childSpeechSeconds: 2, childShare: 1, language: "vi", languageConfidence: 1,
          languageSource: "test", classifier: "test", segments: []
        }))
      }
      const clip = (name: string) => Clip.make({ fileName: name, start: 0, end: 1, childScore: 0.9, language: "vi" })
      const [a, b, c] = analyzed.map((r) => r.id)
      // b's verdict goes in, then its clips clash on the primary key: b must keep neither. a and c share the batch.
      const results = yield* Effect.forEach([
        manifest.decide(a!, { accepted: true, rule: "r", detail: "d" }, [clip("vi/a.wav")]),
        manifest.decide(b!, { accepted: true, rule: "r", detail: "d" }, [clip("vi/b.wav"), clip("vi/b.wav")]),
        manifest.decide(c!, { accepted: false, rule: "r", detail: "d" }, [])
      ], Effect.either, { concurrency: "unbounded" })

      expect(results.map(Either.isRight)).toEqual([true, false, true])
      expect((yield* manifest.get(a!)).state).toBe("accepted")
      expect((yield* manifest.get(b!)).state).toBe("analyzed")
      expect((yield* manifest.get(c!)).state).toBe("rejected")
      const clips = yield* manifest.clipsPage("", 10)
      expect(clips.map((x) => x.fileName)).toEqual(["vi/a.wav"])
    }))

  it.scoped("an illegal transition fails with its reason and does not stop the writer", () =>
    Effect.gen(function* () {
      const { manifest } = yield* openManifest
      yield* manifest.addCandidates([candidate(1)])
      const [row] = yield* manifest.claim("download", 1)
      const twice = yield* Effect.forEach([1, 2], () => manifest.release("download", row!.id).pipe(Effect.either), { concurrency: "unbounded" })
      expect(twice.filter(Either.isRight).length).toBe(1)
      const failure = twice.find(Either.isLeft)!.left
      expect(failure._tag).toBe("IllegalTransition")
      expect((yield* manifest.claim("download", 1)).map((r) => r.id)).toEqual([row!.id])
    }))

  it.live("closing the manifest answers every queued write; none waits forever, and each answer matches the file", () =>
    Effect.gen(function* () {
      const path = join(yield* scopedTempDir("writer"), "manifest.sqlite")
      // The manifest in a scope of its own, so the test can close it while claims wait (the folder outlives it).
      const scope = yield* Scope.make()
      const manifest = yield* Layer.build(manifestAt(path)).pipe(Scope.extend(scope), Effect.map(Context.get(Manifest)))
      yield* manifest.addCandidates(Array.from({ length: 20 }, (_, n) => candidate(n)))
      const claims = yield* Effect.forEach(Array.from({ length: 20 }), () => manifest.claim("download", 1).pipe(Effect.either), {
        concurrency: "unbounded"
      }).pipe(Effect.fork)
      yield* Scope.close(scope, Exit.void)
      const answers = yield* Fiber.join(claims).pipe(Effect.timeout("10 seconds"))
      const granted = answers.filter((a) => Either.isRight(a) && a.right.length === 1).length
      const db = new Database(path, { readonly: true })
      const claimed = (db.prepare("SELECT COUNT(*) AS n FROM videos WHERE state = 'downloading'").get() as { n: number }).n
      db.close()
      expect(claimed).toBe(granted)
    }).pipe(Effect.scoped))
})

/** Another process takes the manifest's write lock, says so, and lets go `holdMs` later. */
const holdWriteLock = (path: string, holdMs: number) =>
  Effect.gen(function* () {
    const holder = execa(process.execPath, ["-e", `
      const db = new (require("better-sqlite3"))(${JSON.stringify(path)})
      db.exec("BEGIN IMMEDIATE"); console.log("locked")
      setTimeout(() => { db.exec("COMMIT"); db.close() }, ${holdMs})`], { stdin: "ignore", cwd: process.cwd() })
    yield* Effect.promise(() => new Promise<void>((resolve) => holder.stdout!.once("data", () => resolve())))
    return holder
  })

describe("waiting for another process's write lock", () => {
  it.live("waits for the lock instead of failing, measures the wait, and then commits", () =>
    Effect.gen(function* () {
      const { path, manifest } = yield* openManifest
      yield* manifest.addCandidates([candidate(1)])
      const holder = yield* holdWriteLock(path, 400)
      const waitsBefore = yield* Metric.value(lockWaitSeconds).pipe(Effect.map((s) => s.sum))
      const [row] = yield* manifest.claim("download", 1)
      yield* Effect.promise(() => holder)
      expect(row?.state).toBe("downloading")
      expect((yield* Metric.value(lockWaitSeconds)).sum - waitsBefore).toBeGreaterThan(0.2)
    }).pipe(Effect.scoped))

  it.live("a busy answer from SQLite before kidvoice's own deadline is waited through, not passed on", () =>
    Effect.gen(function* () {
      const path = join(yield* scopedTempDir("writer-early-busy"), "manifest.sqlite")
      const context = yield* Layer.build(manifestAt(path))
      const manifest = Context.get(context, Manifest)
      yield* manifest.addCandidates([candidate(1)])
      // Under heavy load SQLite was seen to answer SQLITE_BUSY after half a second, not the busy timeout's 30 s.
      // A 50 ms busy timeout on the manifest's connection makes it answer that way every time.
      yield* Effect.provide(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`PRAGMA busy_timeout = 50`), context)
      const holder = yield* holdWriteLock(path, 400)
      const [row] = yield* manifest.claim("download", 1)
      yield* Effect.promise(() => holder)
      expect(row?.state).toBe("downloading")
    }).pipe(Effect.scoped))
})
