import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { Effect } from "effect"
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { Manifest } from "../../src/manifest/Manifest.js"
import { judgeManifestFile, type ManifestFileFacts } from "../../src/manifest/manifestFile.js"
import { snapshotFileName } from "../../src/manifest/snapshots.js"
import { kidvoice } from "../support/cli.js"
import { candidate, manifestAt, scopedTempDir } from "../support/manifest.js"

/** Issue 15, point 3: a manifest file that is not a manifest is never replaced without being asked. */

const facts = (extra: Partial<ManifestFileFacts>): ManifestFileFacts => ({
  size: 4096, ageMs: 60_000, headerIsSqlite: true, tables: 7, unreadable: null, snapshotsExist: false, ...extra
})

const tables = (path: string) => {
  const db = new Database(path, { readonly: true })
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n
  } finally {
    db.close()
  }
}

describe("what is at the manifest's path", () => {
  it("no file is a fresh start, unless snapshots say there was a manifest", () => {
    expect(judgeManifestFile(facts({ size: null, tables: null }))._tag).toBe("Fresh")
    expect(judgeManifestFile(facts({ size: null, tables: null, snapshotsExist: true }))._tag).toBe("NotAManifest")
  })

  it("an SQLite file with no tables is refused when snapshots exist or it is not brand new (another run may be creating it)", () => {
    expect(judgeManifestFile(facts({ tables: 0, snapshotsExist: true }))._tag).toBe("NotAManifest")
    expect(judgeManifestFile(facts({ tables: 0 }))._tag).toBe("NotAManifest")
    expect(judgeManifestFile(facts({ tables: 0, ageMs: 200 }))._tag).toBe("Fresh")
    expect(judgeManifestFile(facts({ headerIsSqlite: false, tables: null }))._tag).toBe("NotAManifest")
    expect(judgeManifestFile(facts({}))._tag).toBe("Existing")
  })

  it.scoped("run refuses a manifest whose WAL was lost, names the snapshot and both commands; --new-manifest moves it aside", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("lost-wal")
      const manifest = join(out, "manifest.sqlite")
      const empty = join(out, "empty-input")
      mkdirSync(empty)
      yield* Effect.flatMap(Manifest, (m) => m.addCandidates([1, 2, 3].map(candidate))).pipe(Effect.provide(manifestAt(manifest)), Effect.scoped)
      mkdirSync(join(out, "snapshots"))
      const snapshot = snapshotFileName(Date.parse("2026-01-01T00:00:00Z"))
      copyFileSync(manifest, join(out, "snapshots", snapshot))
      // What a kill followed by a deleted -wal leaves: the file SQLite made at creation, with no tables.
      rmSync(manifest)
      const bare = new Database(manifest)
      bare.pragma("journal_mode = WAL")
      bare.close()
      expect(tables(manifest)).toBe(0)

      const refused = yield* Effect.promise(() => kidvoice(["run", "--input", empty, "--out", out]))
      expect(refused.exitCode).toBe(1)
      expect(refused.stderr).toContain("no tables")
      expect(refused.stderr).toContain(snapshot)
      expect(refused.stderr).toContain("kidvoice doctor --repair")
      expect(refused.stderr).toContain("--new-manifest")
      expect(tables(manifest)).toBe(0)

      const fresh = yield* Effect.promise(() => kidvoice(["run", "--new-manifest", "--input", empty, "--out", out]))
      expect(fresh.exitCode, fresh.stderr).toBe(0)
      expect(fresh.stderr).toContain("moved to")
      expect(readdirSync(out).filter((f) => f.startsWith("manifest.sqlite.replaced-"))).toHaveLength(1)
      expect(tables(manifest)).toBeGreaterThan(0)
    }), 120_000)
})
