import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { Effect, Option, TestClock } from "effect"
import { readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { workspacePaths, type WorkspacePaths } from "../../src/domain/Workspace.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import {
  checkSqliteFile,
  latestGoodSnapshot,
  parseSnapshotName,
  snapshotFileName,
  snapshotsDir,
  snapshotsToPrune,
  sortSnapshotNames,
  takeSnapshot
} from "../../src/manifest/snapshots.js"
import { candidate, manifestAt, scopedTempDir } from "../support/manifest.js"

const workspace = scopedTempDir("snapshots").pipe(Effect.map(workspacePaths))

const videosIn = (path: string) => {
  const db = new Database(path, { readonly: true, fileMustExist: true })
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM videos").get() as { n: number }).n
  } finally {
    db.close()
  }
}

/** Adds `n` rows and takes a snapshot, `minutes` later each time. */
const snapshotAfter = (paths: WorkspacePaths, first: number, n: number, keep?: number) =>
  Effect.gen(function* () {
    const manifest = yield* Manifest
    yield* manifest.addCandidates(Array.from({ length: n }, (_, i) => candidate(first + i)))
    return yield* takeSnapshot(paths, keep === undefined ? {} : { keep })
  })

describe("snapshot names", () => {
  it("carry the UTC time, sort newest first (sequence breaking ties), and ignore other files", () => {
    const t = Date.UTC(2025, 5, 1, 8, 30, 15, 250)
    expect(snapshotFileName(t)).toBe("manifest-2025-06-01T08-30-15.250Z.sqlite")
    expect(parseSnapshotName(snapshotFileName(t))).toEqual({ takenAt: t, sequence: 0 })
    expect(parseSnapshotName(snapshotFileName(t, 2))).toEqual({ takenAt: t, sequence: 2 })
    expect(parseSnapshotName(".manifest-2025-06-01T08-30-15.250Z.sqlite.12.34.tmp")).toBeNull()
    expect(parseSnapshotName("notes.txt")).toBeNull()
    const names = [snapshotFileName(t), snapshotFileName(t + 1000), snapshotFileName(t, 1), "other.sqlite", snapshotFileName(t - 86_400_000)]
    expect(sortSnapshotNames(names)).toEqual([snapshotFileName(t + 1000), snapshotFileName(t, 1), snapshotFileName(t), snapshotFileName(t - 86_400_000)])
    expect(snapshotsToPrune(names, 2)).toEqual([snapshotFileName(t), snapshotFileName(t - 86_400_000)])
    expect(snapshotsToPrune(names, 0)).toHaveLength(3)
  })
})

describe("takeSnapshot", () => {
  it.scoped("copies the live manifest consistently into snapshots/, checked, with nothing left beside it", () =>
    Effect.gen(function* () {
      const paths = yield* workspace
      yield* TestClock.setTime(Date.UTC(2025, 0, 2, 3, 4, 5, 6))
      const taken = yield* snapshotAfter(paths, 1, 25).pipe(Effect.provide(manifestAt(paths.manifest)))
      expect(taken.snapshot.path).toBe(join(snapshotsDir(paths), "manifest-2025-01-02T03-04-05.006Z.sqlite"))
      expect(taken.pruned).toEqual([])
      expect(readdirSync(snapshotsDir(paths))).toEqual(["manifest-2025-01-02T03-04-05.006Z.sqlite"])
      expect(checkSqliteFile(taken.snapshot.path, { readonly: true })).toEqual({ _tag: "Healthy" })
      expect(videosIn(taken.snapshot.path)).toBe(25)
      // A read-only check must not leave -wal/-shm files behind.
      expect(readdirSync(snapshotsDir(paths))).toHaveLength(1)
    }))

  it.scoped("keeps the newest N and deletes older ones", () =>
    Effect.gen(function* () {
      const paths = yield* workspace
      const taken = yield* Effect.gen(function* () {
        const all = []
        for (let i = 0; i < 5; i++) {
          yield* TestClock.adjust("1 minute")
          all.push(yield* snapshotAfter(paths, i * 10, 1, 3))
        }
        // Two in the same millisecond get distinct names.
        all.push(yield* snapshotAfter(paths, 100, 1, 3))
        return all
      }).pipe(Effect.provide(manifestAt(paths.manifest)))
      const names = sortSnapshotNames(readdirSync(snapshotsDir(paths)))
      expect(names).toEqual([taken[5]!.snapshot.name, taken[4]!.snapshot.name, taken[3]!.snapshot.name])
      expect(taken[5]!.snapshot.name).toMatch(/-1\.sqlite$/)
      expect(taken[5]!.pruned).toEqual([taken[2]!.snapshot.path])
      expect(names.map((n) => videosIn(join(snapshotsDir(paths), n)))).toEqual([6, 5, 4])
    }))
})

describe("latestGoodSnapshot", () => {
  it.scoped("is the newest snapshot that passes integrity_check", () =>
    Effect.gen(function* () {
      const paths = yield* workspace
      expect(yield* latestGoodSnapshot(paths)).toEqual(Option.none())
      const [older, newer] = yield* Effect.gen(function* () {
        yield* TestClock.adjust("1 hour")
        const a = yield* snapshotAfter(paths, 1, 3)
        yield* TestClock.adjust("1 hour")
        const b = yield* snapshotAfter(paths, 10, 3)
        return [a, b] as const
      }).pipe(Effect.provide(manifestAt(paths.manifest)))
      expect(Option.getOrThrow(yield* latestGoodSnapshot(paths)).path).toBe(newer.snapshot.path)
      writeFileSync(newer.snapshot.path, "bit rot".repeat(500))
      expect(Option.getOrThrow(yield* latestGoodSnapshot(paths)).path).toBe(older.snapshot.path)
      writeFileSync(older.snapshot.path, Buffer.alloc(0))
      expect(yield* latestGoodSnapshot(paths)).toEqual(Option.none())
    }))
})
