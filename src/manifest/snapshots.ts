import { SqlClient } from "@effect/sql"
import Database from "better-sqlite3"
import { Clock, Data, Effect, Option } from "effect"
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import type { WorkspacePaths } from "../domain/Workspace.js"

/**
 * Point-in-time copies of the manifest, taken at the start of each run, so a manifest damaged by a disk,
 * a bad copy or a killed machine can be rolled back (`kidvoice doctor --repair`) instead of rebuilt by hand.
 *
 * Layout: `<out>/snapshots/manifest-<UTC time>[-<n>].sqlite`, the time as `2025-01-31T12-00-00.000Z` so names
 * sort in time order and are valid on every filesystem. Only snapshots that passed `PRAGMA integrity_check`
 * ever get their final name; the newest `keep` are kept.
 */

export const defaultSnapshotsToKeep = 3

export const snapshotsDir = (paths: WorkspacePaths) => join(paths.root, "snapshots")

export class SnapshotError extends Data.TaggedError("SnapshotError")<{
  readonly path: string
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message() {
    return `manifest snapshot ${this.path} failed: ${this.reason}. The existing snapshots were kept.`
  }
}

export interface Snapshot {
  readonly path: string
  readonly name: string
  /** When it was taken (from its name), epoch milliseconds. */
  readonly takenAt: number
}

/** `Date.toISOString` with `:` replaced, so the name is valid on every filesystem and still sorts in time order. */
export const snapshotStamp = (ms: number) => new Date(ms).toISOString().replace(/:/g, "-")

export const snapshotFileName = (ms: number, sequence = 0) =>
  `manifest-${snapshotStamp(ms)}${sequence > 0 ? `-${sequence}` : ""}.sqlite`

const snapshotPattern = /^manifest-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z)(?:-(\d+))?\.sqlite$/

/** The time and sequence in a snapshot's name, or null for any other file (temp files, the operator's own). */
export const parseSnapshotName = (name: string): { readonly takenAt: number; readonly sequence: number } | null => {
  const match = snapshotPattern.exec(name)
  if (!match) return null
  const [date, time] = match[1]!.split("T") as [string, string]
  const takenAt = Date.parse(`${date}T${time.replace(/^(\d{2})-(\d{2})-/, "$1:$2:")}`)
  return Number.isNaN(takenAt) ? null : { takenAt, sequence: Number(match[2] ?? 0) }
}

/** Snapshot names among directory entries, newest first. */
export const sortSnapshotNames = (names: ReadonlyArray<string>): ReadonlyArray<string> =>
  names
    .flatMap((name) => {
      const parsed = parseSnapshotName(name)
      return parsed ? [{ name, ...parsed }] : []
    })
    .sort((a, b) => b.takenAt - a.takenAt || b.sequence - a.sequence)
    .map((s) => s.name)

/** Which snapshots to delete so that the newest `keep` remain (never fewer than one). */
export const snapshotsToPrune = (names: ReadonlyArray<string>, keep: number): ReadonlyArray<string> =>
  sortSnapshotNames(names).slice(Math.max(1, Math.floor(keep)))

export type SqliteFileHealth =
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Healthy" }
  | { readonly _tag: "Damaged"; readonly reason: string; readonly problems: ReadonlyArray<string> }

const sqliteHeader = "SQLite format 3\u0000"

const readHeader = (path: string): string => {
  const fd = openSync(path, "r")
  try {
    const header = Buffer.alloc(16)
    const read = readSync(fd, header, 0, 16, 0)
    return header.subarray(0, read).toString("latin1")
  } finally {
    closeSync(fd)
  }
}

/** The most `integrity_check` lines kept in a report: enough to see what is wrong, not a page per broken row. */
const maxProblems = 20

/**
 * Whether a file is a sound kidvoice manifest: an SQLite header, a full `PRAGMA integrity_check` that says ok
 * (the driver's own error when it cannot even read the file: truncated, overwritten, a WAL it rejects), and a
 * `videos` table. `readonly` for copies (snapshots); the live manifest is opened the way the store opens it, so
 * that an interrupted WAL is recovered exactly as a run would.
 */
export const checkSqliteFile = (path: string, options: { readonly readonly: boolean }): SqliteFileHealth => {
  if (!existsSync(path)) return { _tag: "Missing" }
  const damaged = (reason: string, problems: ReadonlyArray<string> = []): SqliteFileHealth => ({ _tag: "Damaged", reason, problems })
  try {
    if (statSync(path).size === 0) return damaged("the file is empty (0 bytes)")
    if (readHeader(path) !== sqliteHeader) return damaged("the file is not an SQLite database (wrong header; truncated or overwritten?)")
  } catch (error) {
    return damaged(`the file cannot be read: ${describe(error)}`)
  }
  let db: Database.Database | undefined
  try {
    db = new Database(path, { readonly: options.readonly, fileMustExist: true })
    const rows = db.prepare(`PRAGMA integrity_check(${maxProblems})`).all() as Array<{ integrity_check: string }>
    const problems = rows.map((r) => r.integrity_check)
    if (problems.length !== 1 || problems[0] !== "ok") return damaged("PRAGMA integrity_check reported problems", problems)
    const videos = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'videos'`).get()
    if (videos === undefined) return damaged("the database has no videos table: it is not a kidvoice manifest")
    return { _tag: "Healthy" }
  } catch (error) {
    return damaged(`SQLite cannot read it: ${describe(error)}`)
  } finally {
    try {
      db?.close()
    } catch {
      // Closing a connection to a file SQLite already refused has nothing left to release.
    }
  }
}

const describe = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code
  const message = error instanceof Error ? error.message : String(error)
  return typeof code === "string" && !message.includes(code) ? `${message} (${code})` : message
}

const fsyncPath = (path: string) =>
  Effect.promise(async () => {
    const handle = await fs.open(path, "r")
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  })

/** Snapshots on disk (whatever their health), newest first. */
export const listSnapshots = (paths: WorkspacePaths) =>
  Effect.promise(() => fs.readdir(snapshotsDir(paths)).catch(() => [] as Array<string>)).pipe(
    Effect.map((names) =>
      sortSnapshotNames(names).map((name): Snapshot => ({
        name,
        path: join(snapshotsDir(paths), name),
        takenAt: parseSnapshotName(name)!.takenAt
      }))
    )
  )

/** The newest snapshot that passes `PRAGMA integrity_check`, and what was wrong with any newer ones. */
export const findGoodSnapshot = (paths: WorkspacePaths) =>
  Effect.gen(function* () {
    const snapshots = yield* listSnapshots(paths)
    const skipped: Array<{ readonly snapshot: Snapshot; readonly reason: string }> = []
    for (const snapshot of snapshots) {
      const health = yield* Effect.sync(() => checkSqliteFile(snapshot.path, { readonly: true }))
      if (health._tag === "Healthy") return { good: Option.some(snapshot), skipped }
      skipped.push({ snapshot, reason: health._tag === "Damaged" ? [health.reason, ...health.problems].join("; ") : "vanished" })
    }
    return { good: Option.none<Snapshot>(), skipped }
  })

/** The newest snapshot that passes `PRAGMA integrity_check`, if any. */
export const latestGoodSnapshot = (paths: WorkspacePaths) =>
  findGoodSnapshot(paths).pipe(Effect.map((found) => found.good))

export interface SnapshotTaken {
  readonly snapshot: Snapshot
  /** Older snapshots deleted to keep the newest `keep`. */
  readonly pruned: ReadonlyArray<string>
}

/**
 * Copies the live manifest into `<out>/snapshots/` while it is in use: `VACUUM INTO` reads one consistent
 * transaction (WAL included) and writes a compact, self-contained copy (rollback journal, no -wal beside it).
 * The copy is written under a temp name, fsynced, checked with `PRAGMA integrity_check`, and only then renamed
 * into place; older snapshots beyond the newest `keep` are deleted after that, never before.
 *
 * Needs the manifest's `SqlClient` (the one `sqliteManifestLayer` provides).
 */
export const takeSnapshot = (paths: WorkspacePaths, options: { readonly keep?: number } = {}) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const dir = snapshotsDir(paths)
    const now = yield* Clock.currentTimeMillis
    yield* Effect.tryPromise({
      try: () => fs.mkdir(dir, { recursive: true }),
      catch: (cause) => new SnapshotError({ path: dir, reason: `cannot create the directory: ${describe(cause)}`, cause })
    })
    const existing = yield* Effect.promise(() => fs.readdir(dir).catch(() => [] as Array<string>))
    let sequence = 0
    while (existing.includes(snapshotFileName(now, sequence))) sequence++
    const name = snapshotFileName(now, sequence)
    const target = join(dir, name)
    const temp = join(dir, `.${name}.${process.pid}.${now}.tmp`)

    const written = Effect.gen(function* () {
      yield* sql`VACUUM INTO ${temp}`.pipe(
        Effect.mapError((cause) => new SnapshotError({ path: target, reason: `VACUUM INTO failed: ${describe(cause.cause ?? cause)}`, cause }))
      )
      yield* fsyncPath(temp)
      const health = checkSqliteFile(temp, { readonly: true })
      if (health._tag !== "Healthy") {
        const reason = health._tag === "Damaged" ? [health.reason, ...health.problems].join("; ") : "the copy vanished"
        return yield* new SnapshotError({
          path: target,
          reason: `the copy failed its integrity check (${reason}); the live manifest may be damaged: run kidvoice doctor`
        })
      }
      yield* Effect.tryPromise({
        try: () => fs.rename(temp, target),
        catch: (cause) => new SnapshotError({ path: target, reason: `cannot move the checked copy into place: ${describe(cause)}`, cause })
      })
      yield* fsyncPath(dir)
    })
    // The temp copy goes whatever happens; after the rename there is nothing left to remove.
    yield* written.pipe(Effect.ensuring(Effect.promise(() => fs.rm(temp, { force: true }))))

    const names = yield* Effect.promise(() => fs.readdir(dir).catch(() => [] as Array<string>))
    const pruned = snapshotsToPrune(names, options.keep ?? defaultSnapshotsToKeep).filter((n) => n !== name)
    yield* Effect.forEach(pruned, (old) =>
      Effect.tryPromise({
        try: () => fs.rm(join(dir, old), { force: true }),
        catch: (cause) => new SnapshotError({ path: join(dir, old), reason: `cannot delete an old snapshot: ${describe(cause)}`, cause })
      }), { discard: true })
    return {
      snapshot: { name, path: target, takenAt: now },
      pruned: pruned.map((old) => join(dir, old))
    } satisfies SnapshotTaken
  })
