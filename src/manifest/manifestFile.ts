import Database from "better-sqlite3"
import { Effect, Option } from "effect"
import { closeSync, existsSync, openSync, promises as fs, readdirSync, readSync, statSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { workspacePaths } from "../domain/Workspace.js"
import { ManifestOpenError } from "./ManifestErrors.js"
import { findGoodSnapshot, parseSnapshotName, snapshotStamp, sortSnapshotNames } from "./snapshots.js"

/**
 * What is at the manifest's path before the store opens it. The store creates a manifest only where there is
 * none to lose: a file that exists but holds no manifest (a 4 KB SQLite file whose data was in a WAL that is
 * gone, a file overwritten by something else) is refused, never replaced, and so is a missing manifest whose
 * snapshots say there was one.
 */
export type ManifestFileState =
  | { readonly _tag: "Fresh" }
  | { readonly _tag: "Existing" }
  | { readonly _tag: "NotAManifest"; readonly reason: string }

/** How long a file with no tables may be a manifest another process is creating right now, not a loss. */
export const creationGraceMs = 10_000

export interface ManifestFileFacts {
  /** null when missing */
  readonly size: number | null
  readonly ageMs: number
  readonly headerIsSqlite: boolean
  /** Tables in the file; null when SQLite cannot read it, with the driver's words in `unreadable`. */
  readonly tables: number | null
  readonly unreadable: string | null
  /** Snapshots newer than the last `--new-manifest`: a manifest was here. */
  readonly snapshotsExist: boolean
}

/** The rule, pure. */
export const judgeManifestFile = (facts: ManifestFileFacts): ManifestFileState => {
  if (facts.size === null || facts.size === 0) {
    return facts.snapshotsExist
      ? { _tag: "NotAManifest", reason: `the file is ${facts.size === null ? "missing" : "empty (0 bytes)"}, but snapshots of an earlier manifest exist` }
      : { _tag: "Fresh" }
  }
  if (!facts.headerIsSqlite) return { _tag: "NotAManifest", reason: "the file is not an SQLite database (wrong header: truncated or overwritten?)" }
  if (facts.tables === null) return { _tag: "NotAManifest", reason: `SQLite cannot read it: ${facts.unreadable ?? "unknown error"}` }
  if (facts.tables > 0) return { _tag: "Existing" }
  if (facts.snapshotsExist || facts.ageMs > creationGraceMs) {
    return {
      _tag: "NotAManifest",
      reason: "the file is an SQLite database with no tables: its data never reached it (a write-ahead log deleted after a crash?)"
    }
  }
  return { _tag: "Fresh" }
}

const sqliteHeader = "SQLite format 3\u0000"

/**
 * Whether snapshots say a manifest existed here that is not accounted for: a snapshot newer than the last
 * `--new-manifest` (which leaves `manifest.sqlite.replaced-<time>`), so that starting over is asked once, not for ever.
 */
const unaccountedSnapshots = (manifestPath: string) => {
  const dir = dirname(manifestPath)
  const list = (at: string) => {
    try {
      return readdirSync(at)
    } catch {
      return []
    }
  }
  const newestSnapshot = sortSnapshotNames(list(join(dir, "snapshots")))[0]
  if (newestSnapshot === undefined) return false
  const replacedPrefix = `${basename(manifestPath)}.replaced-`
  const lastReplaced = list(dir)
    .filter((name) => name.startsWith(replacedPrefix) && !name.endsWith("-wal") && !name.endsWith("-shm"))
    .map((name) => parseSnapshotName(`manifest-${name.slice(replacedPrefix.length)}.sqlite`)?.takenAt ?? 0)
    .reduce((a, b) => Math.max(a, b), -1)
  return parseSnapshotName(newestSnapshot)!.takenAt > lastReplaced
}

const gatherFacts = (path: string, now: number): ManifestFileFacts => {
  const snapshotsExist = unaccountedSnapshots(path)
  const none = { size: null, ageMs: 0, headerIsSqlite: false, tables: null, unreadable: null, snapshotsExist }
  if (!existsSync(path)) return none
  const stat = statSync(path)
  const base = { ...none, size: stat.size, ageMs: now - stat.mtimeMs }
  if (stat.size === 0) return base
  const header = Buffer.alloc(16)
  const handle = openSync(path, "r")
  try {
    readSync(handle, header, 0, 16, 0)
  } finally {
    closeSync(handle)
  }
  if (header.toString("latin1") !== sqliteHeader) return base
  let db: Database.Database | undefined
  try {
    db = new Database(path, { fileMustExist: true, timeout: 30_000 })
    const row = db.prepare(`SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number }
    return { ...base, headerIsSqlite: true, tables: row.n }
  } catch (error) {
    return { ...base, headerIsSqlite: true, unreadable: error instanceof Error ? error.message : String(error) }
  } finally {
    try {
      db?.close()
    } catch {
      // A connection SQLite refused has nothing to release.
    }
  }
}

/** The newest good snapshot beside the manifest and the commands that recover, for a refusal's message. */
const recoveryAdvice = (path: string) =>
  findGoodSnapshot(workspacePaths(dirname(path))).pipe(
    Effect.map(({ good }) => {
      const out = dirname(path)
      const restore = Option.match(good, {
        onNone: () => `there is no good snapshot under ${join(out, "snapshots")} to restore`,
        onSome: (s) => `\`kidvoice doctor --repair --out ${out}\` restores the snapshot ${s.path} (taken ${new Date(s.takenAt).toISOString()})`
      })
      return `${restore}; \`kidvoice run --new-manifest --out ${out} ...\` moves the file aside and starts an empty manifest`
    })
  )

/** Refuses a manifest path that holds something other than a manifest, naming the snapshot and the commands. */
export const checkManifestFile = (path: string) =>
  Effect.gen(function* () {
    const state = judgeManifestFile(gatherFacts(path, Date.now()))
    if (state._tag !== "NotAManifest") return state
    return yield* new ManifestOpenError({ path, reason: state.reason, advice: yield* recoveryAdvice(path) })
  })

/**
 * `run --new-manifest`: moves an unusable manifest (and its -wal/-shm) aside as `<name>.replaced-<time>`, so the
 * store starts an empty one. A sound manifest is never moved. Returns where the file went, or null.
 */
export const moveUnusableManifestAside = (path: string) =>
  Effect.gen(function* () {
    const state = judgeManifestFile(gatherFacts(path, Date.now()))
    if (state._tag !== "NotAManifest" || !existsSync(path)) return null
    const target = join(dirname(path), `${basename(path)}.replaced-${snapshotStamp(Date.now())}`)
    for (const suffix of ["", "-wal", "-shm"]) {
      if (existsSync(path + suffix)) yield* Effect.promise(() => fs.rename(path + suffix, target + suffix))
    }
    return target
  })
