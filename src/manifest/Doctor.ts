import { SqlClient } from "@effect/sql"
import { Clock, Data, Effect, Option } from "effect"
import { existsSync, promises as fs } from "node:fs"
import { basename, dirname, extname, join, relative, sep } from "node:path"
import type { WorkspacePaths } from "../domain/Workspace.js"
import type { VideoState } from "../domain/VideoState.js"
import { claimingStates, ClaimingStage } from "../domain/VideoState.js"
import { findAbandonedTempDirs, ownerIsGone, removeAbandonedTempDirs, tempDirOwnerPid } from "../download/abandonedTemp.js"
import { atomicTempOwnerPid } from "../files/atomicWrite.js"
import { type ClaimOwner, isClaimStale } from "./ClaimOwner.js"
import { Manifest, type ManifestOptions } from "./Manifest.js"
import { ManifestQueryError } from "./ManifestErrors.js"
import type { ManifestLocation } from "./ManifestLocation.js"
import { manifestStoreLayer, sqliteManifestLayer } from "./ManifestStore.js"
import { checkSqliteFile, findGoodSnapshot, type Snapshot, snapshotStamp } from "./snapshots.js"
import { legacyDecisionRule } from "./legacyImport.js"

/**
 * `kidvoice doctor`: reconciles a working directory with its manifest (DESIGN.md: the manifest is the truth,
 * the filesystem is reconciled against it). `diagnose` only looks; `repair` fixes what can be fixed without
 * losing anything (damaged manifests and files with no row are moved aside, never deleted) and reports every
 * change it made. Pure classification is in plain functions below; the effects are at the end.
 */

export type FindingKind =
  | "ManifestDamaged"
  | "ManifestMissing"
  | "StaleClaim"
  | "AbandonedTempDir"
  | "StaleTempFile"
  | "AudioMoved"
  | "AudioMissing"
  | "ClipMissing"
  | "OrphanAudio"
  | "OrphanClip"

export interface Finding {
  readonly kind: FindingKind
  /** What is wrong, in a sentence. */
  readonly problem: string
  readonly paths: ReadonlyArray<string>
  readonly ids: ReadonlyArray<string>
  /** Whether `--repair` changes anything for it; when false, `repair` says what the operator can do. */
  readonly repairable: boolean
  /** What `--repair` does about it (or, when not repairable, the operator's options). */
  readonly repair: string
}

export interface ManifestCheck {
  readonly path: string
  readonly status: "ok" | "missing" | "damaged"
  /** `PRAGMA integrity_check`'s lines: `["ok"]` when sound; empty when it could not run (missing, not SQLite). */
  readonly integrityCheck: ReadonlyArray<string>
  readonly reason: string | null
}

export interface DoctorReport {
  readonly root: string
  readonly manifest: ManifestCheck
  readonly findings: ReadonlyArray<Finding>
  /** Things the operator should know that are not problems (e.g. checks that could not run, and why). */
  readonly notes: ReadonlyArray<string>
}

export interface RepairAction {
  readonly kind: FindingKind
  /** What was done, in a sentence. */
  readonly did: string
  readonly paths: ReadonlyArray<string>
  readonly ids: ReadonlyArray<string>
}

export interface RepairReport {
  /** The diagnosis repair started from. */
  readonly before: DoctorReport
  /** Every change made, in order. */
  readonly actions: ReadonlyArray<RepairAction>
  /** Why nothing was changed, when repair refused to act (a damaged manifest and no good snapshot). */
  readonly blocked: string | null
  /** A fresh diagnosis after the repair: what is left (report-only findings, or everything when blocked). */
  readonly after: DoctorReport
}

export class DoctorError extends Data.TaggedError("DoctorError")<{
  readonly operation: string
  readonly path: string
  readonly cause: unknown
}> {
  override get message() {
    const detail = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `doctor could not ${this.operation} ${this.path}: ${detail}`
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Pure parts

/** The directory files with no manifest row are moved to, keeping their path relative to the workspace. */
export const orphansDir = (paths: WorkspacePaths) => join(paths.root, "orphans")

/** The name a damaged manifest is moved to: beside it, stamped, so several generations never collide. */
export const damagedName = (manifestPath: string, ms: number, sequence = 0) =>
  `${manifestPath}.damaged-${snapshotStamp(ms)}${sequence > 0 ? `-${sequence}` : ""}`

/** SQLite's files that belong to a database and must travel with it (a -wal beside another database is poison). */
export const companionSuffixes = ["-wal", "-shm", "-journal"] as const

/** Atomic-write temp files (paths relative to the workspace) whose writer is gone. */
export const findStaleTempFiles = (files: ReadonlyArray<string>, isAlive: (pid: number) => boolean) =>
  files.filter((file) => ownerIsGone(atomicTempOwnerPid(basename(file)), isAlive))

export interface WorkspaceFiles {
  /** Downloaded audio, relative to the workspace: `audio/<id>.wav`. */
  readonly audio: ReadonlyArray<string>
  /** Dataset clips, relative to the workspace: `dataset/<lang>/<clip>.wav`. */
  readonly clips: ReadonlyArray<string>
  /** Atomic-write temp files (top level and kidvoice's directories), relative to the workspace. */
  readonly tempFiles: ReadonlyArray<string>
}

/** Sorts a workspace's files (relative, `/`-separated) into the kinds doctor checks. */
export const classifyWorkspaceFiles = (files: ReadonlyArray<string>): WorkspaceFiles => {
  const audio: Array<string> = []
  const clips: Array<string> = []
  const tempFiles: Array<string> = []
  for (const file of files) {
    const name = file.slice(file.lastIndexOf("/") + 1)
    if (atomicTempOwnerPid(name) !== null) tempFiles.push(file)
    else if (name.startsWith(".") || !name.endsWith(".wav")) continue
    else if (/^audio\/[^/]+$/.test(file)) audio.push(file)
    else if (file.startsWith("dataset/")) clips.push(file)
  }
  return { audio, clips, tempFiles }
}

export interface Orphan {
  readonly kind: "OrphanAudio" | "OrphanClip"
  /** Relative to the workspace; also its place under orphans/. */
  readonly relativePath: string
  /** The video id (audio) or clip file name (clip) the manifest does not know. */
  readonly id: string
}

/** Files on disk that no manifest row accounts for: audio of unknown videos, clips not in the clips table. */
export const findOrphans = (
  files: Pick<WorkspaceFiles, "audio" | "clips">,
  manifest: { readonly videoIds: ReadonlySet<string>; readonly clipFiles: ReadonlySet<string> }
): ReadonlyArray<Orphan> => [
  ...files.audio.flatMap((relativePath): Array<Orphan> => {
    const id = basename(relativePath, ".wav")
    return manifest.videoIds.has(id) ? [] : [{ kind: "OrphanAudio", relativePath, id }]
  }),
  ...files.clips.flatMap((relativePath): Array<Orphan> => {
    const id = relativePath.slice("dataset/".length)
    return manifest.clipFiles.has(id) ? [] : [{ kind: "OrphanClip", relativePath, id }]
  })
]

export interface ClaimRow {
  readonly id: string
  readonly state: VideoState
  readonly claimedBy: string | null
  readonly claimedAt: number | null
  readonly leaseExpiresAt?: number | null
}

const inFlightStates: ReadonlyArray<VideoState> = ClaimingStage.literals.map((s) => claimingStates[s].inFlight)

/** In-flight rows `Manifest.reclaimStale` would give back (the same rule: dead owner on this host, or lease out). */
export const findStaleClaims = (rows: ReadonlyArray<ClaimRow>, owner: ClaimOwner, nowMs: number, staleClaimMs: number) =>
  rows.filter((row) =>
    inFlightStates.includes(row.state) && row.claimedBy !== owner.id &&
    isClaimStale(owner, row, nowMs, staleClaimMs)
  )

export interface AudioRow {
  readonly id: string
  readonly state: VideoState
  readonly audioPath: string
  readonly claimedBy: string | null
  /** An in-flight claim held by a live process (not stale). */
  readonly heldLive: boolean
}

export type AudioVerdict =
  /** The file is at the workspace's usual place (the workspace was moved or renamed): point the row at it. */
  | { readonly _tag: "Moved"; readonly row: AudioRow; readonly foundAt: string }
  /** Gone before curate needed it: back to discovered so the pipeline fetches it again. */
  | { readonly _tag: "Rediscover"; readonly row: AudioRow }
  /** Gone, and nothing to do automatically (decided rows: their clips are what matters; a live claim's worker). */
  | { readonly _tag: "Report"; readonly row: AudioRow; readonly why: string }

const refetchable: ReadonlyArray<VideoState> = ["downloaded", "analyzing", "analyzed"]

/** What to do about a row whose audio file is missing; null when the file is where the row says. */
export const classifyAudio = (row: AudioRow, exists: (path: string) => boolean, expectedPath: string): AudioVerdict | null => {
  if (exists(row.audioPath)) return null
  if (expectedPath !== row.audioPath && exists(expectedPath)) return { _tag: "Moved", row, foundAt: expectedPath }
  if (refetchable.includes(row.state)) {
    return row.heldLive
      ? { _tag: "Report", row, why: "a live process is analyzing it; run doctor again once that run has finished" }
      : { _tag: "Rediscover", row }
  }
  return {
    _tag: "Report",
    row,
    why: row.state === "accepted" || row.state === "rejected" || row.state === "uploaded"
      ? "the video is decided; its clips are what the dataset needs, the audio only matters to recut them"
      : `the row is ${row.state}; nothing reads its audio until it is claimed again`
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Findings from verdicts

const tempDirFinding = (path: string): Finding => ({
  kind: "AbandonedTempDir",
  problem: `temp directory of a process that is gone (pid ${tempDirOwnerPid(basename(path))})`,
  paths: [path],
  ids: [],
  repairable: true,
  repair: "remove it"
})

const tempFileFinding = (path: string): Finding => ({
  kind: "StaleTempFile",
  problem: `half-written temp file of a process that is gone (pid ${atomicTempOwnerPid(basename(path))}); the file it was for is untouched`,
  paths: [path],
  ids: [],
  repairable: true,
  repair: "remove it"
})

const staleClaimFinding = (row: ClaimRow): Finding => ({
  kind: "StaleClaim",
  problem: `${row.state} claimed by ${row.claimedBy ?? "nobody"}${row.claimedAt === null ? "" : ` since ${new Date(row.claimedAt).toISOString()}`}, whose process is gone or whose lease ran out`,
  paths: [],
  ids: [row.id],
  repairable: true,
  repair: "give the claim back (Manifest.reclaimStale): the row returns to its stage's input state"
})

const audioFinding = (verdict: AudioVerdict): Finding => {
  switch (verdict._tag) {
    case "Moved":
      return {
        kind: "AudioMoved",
        problem: `the row points at ${verdict.row.audioPath}, which is gone, but the audio is in this workspace (was the directory moved?)`,
        paths: [verdict.row.audioPath, verdict.foundAt],
        ids: [verdict.row.id],
        repairable: true,
        repair: `point the row at ${verdict.foundAt}`
      }
    case "Rediscover":
      return {
        kind: "AudioMissing",
        problem: `the ${verdict.row.state} row's audio file vanished`,
        paths: [verdict.row.audioPath],
        ids: [verdict.row.id],
        repairable: true,
        repair: "set the row back to discovered with no audio path, so the next run downloads it again"
      }
    case "Report":
      return {
        kind: "AudioMissing",
        problem: `the ${verdict.row.state} row's audio file vanished`,
        paths: [verdict.row.audioPath],
        ids: [verdict.row.id],
        repairable: false,
        repair: `nothing: ${verdict.why}`
      }
  }
}

const clipMissingFinding = (videoId: string, state: string, missing: ReadonlyArray<string>): Finding => ({
  kind: "ClipMissing",
  problem: `${missing.length} clip file(s) of the ${state} video are missing from the dataset`,
  paths: missing,
  ids: [videoId],
  repairable: false,
  repair: "nothing: re-running curate cannot recut them, the video is already decided. Options: restore the files from a " +
    "backup or from the upload target (clips are stored there by content hash); or keep the dataset without them " +
    "(metadata.jsonl still lists them until the rows are changed)"
})

const orphanFinding = (paths: WorkspacePaths, orphan: Orphan): Finding => ({
  kind: orphan.kind,
  problem: orphan.kind === "OrphanAudio"
    ? `audio of a video the manifest does not know (${orphan.id})`
    : `dataset clip not in the clips table (${orphan.id})`,
  paths: [join(paths.root, orphan.relativePath)],
  ids: [orphan.id],
  repairable: true,
  repair: `move it to ${join(orphansDir(paths), orphan.relativePath)}`
})

// ---------------------------------------------------------------------------------------------------------------
// Effects

const fsTry = <A>(operation: string, path: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (cause) => new DoctorError({ operation, path, cause }) })

const queryFailed = (operation: string) => (cause: unknown) => new ManifestQueryError({ operation, cause })

/**
 * kidvoice's own directories, walked whole. Other directories under `--out` (it may be shared with other
 * things) are not entered; tmp/ is checked by its owner-named directories, orphans/ holds what doctor moved.
 */
export const walkedDirs: ReadonlyArray<string> = ["audio", "dataset", "exports", "snapshots", "reports"]

/** The workspace's top-level files and every file under `walkedDirs`, relative and `/`-separated. */
const listWorkspaceFiles = (paths: WorkspacePaths) =>
  fsTry("list", paths.root, async () => {
    const found: Array<string> = []
    const walk = async (dir: string, depth: number): Promise<void> => {
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return []
        throw error
      })
      for (const entry of entries) {
        const full = join(dir, entry.name)
        const rel = relative(paths.root, full).split(sep).join("/")
        if (entry.isDirectory()) {
          if (depth > 0 || walkedDirs.includes(entry.name)) await walk(full, depth + 1)
        } else if (entry.isFile()) {
          found.push(rel)
        }
      }
    }
    await walk(paths.root, 0)
    return found.sort()
  })

const listTempDirs = (paths: WorkspacePaths) =>
  Effect.promise(() => fs.readdir(paths.tmp).catch(() => [] as Array<string>))

/** Findings that need no manifest: leftovers of processes that are gone. */
const inspectTemps = (paths: WorkspacePaths, owner: ClaimOwner) =>
  Effect.gen(function* () {
    const tempDirs = findAbandonedTempDirs(yield* listTempDirs(paths), owner.isAlive).map((name) => join(paths.tmp, name))
    const files = classifyWorkspaceFiles(yield* listWorkspaceFiles(paths))
    const tempFiles = findStaleTempFiles(files.tempFiles, owner.isAlive).map((rel) => join(paths.root, rel))
    return { tempDirs, tempFiles, files }
  })

/** The rows doctor checks, read with the manifest's client. */
const readManifestFacts = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const claims = yield* sql<ClaimRow>`SELECT id, state, claimed_by, claimed_at, lease_expires_at FROM videos WHERE state IN ${sql.in(inFlightStates)}`
  const withAudio = yield* sql<{ id: string; state: VideoState; audioPath: string; claimedBy: string | null; claimedAt: number | null }>`
    SELECT id, state, audio_path, claimed_by, claimed_at FROM videos
    WHERE audio_path IS NOT NULL AND decision_rule IS DISTINCT FROM ${legacyDecisionRule} ORDER BY id` // an imported row's path is the old crawler's history
  const ids = yield* sql<{ id: string }>`SELECT id FROM videos`
  const clips = yield* sql<{ fileName: string; videoId: string; state: VideoState }>`
    SELECT c.file_name, c.video_id, v.state FROM clips c JOIN videos v ON v.id = c.video_id ORDER BY c.video_id, c.file_name`
  return { claims, withAudio, ids, clips }
}).pipe(Effect.mapError(queryFailed("read rows for doctor")))

/**
 * Everything the open, sound manifest and the files say; needs the manifest's `SqlClient`. `localFiles`: every row's
 * audio and clips belong to this working directory (an SQLite manifest); with a shared PostgreSQL manifest another
 * machine may hold them, so their absence here says nothing and is not checked.
 */
const inspectOpenManifest = (paths: WorkspacePaths, options: ManifestOptions, localFiles = true) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const facts = yield* readManifestFacts
    const temps = yield* inspectTemps(paths, options.owner)
    const stale = findStaleClaims(facts.claims, options.owner, now, options.staleClaimMs)
    const staleIds = new Set(stale.map((row) => row.id))
    const audio = (localFiles ? facts.withAudio : []).flatMap((row) => {
      const heldLive = inFlightStates.includes(row.state) && !staleIds.has(row.id) && row.claimedBy !== null
      const verdict = classifyAudio({ ...row, heldLive }, existsSync, join(paths.audio, `${row.id}.wav`))
      return verdict ? [verdict] : []
    })
    const missingClips = new Map<string, { state: VideoState; missing: Array<string> }>()
    for (const clip of localFiles ? facts.clips : []) {
      if (clip.state !== "accepted" && clip.state !== "uploaded") continue
      const path = join(paths.dataset, clip.fileName)
      if (existsSync(path)) continue
      const entry = missingClips.get(clip.videoId) ?? { state: clip.state, missing: [] }
      entry.missing.push(path)
      missingClips.set(clip.videoId, entry)
    }
    const orphans = findOrphans(temps.files, {
      videoIds: new Set(facts.ids.map((r) => r.id)),
      clipFiles: new Set(facts.clips.map((c) => c.fileName))
    })
    return { stale, temps, audio, missingClips, orphans }
  })

const findingsOf = (paths: WorkspacePaths, inspected: Effect.Effect.Success<ReturnType<typeof inspectOpenManifest>>): ReadonlyArray<Finding> => [
  ...inspected.stale.map(staleClaimFinding),
  ...inspected.temps.tempDirs.map(tempDirFinding),
  ...inspected.temps.tempFiles.map(tempFileFinding),
  ...inspected.audio.map(audioFinding),
  ...[...inspected.missingClips].map(([videoId, { state, missing }]) => clipMissingFinding(videoId, state, missing)),
  ...inspected.orphans.map((orphan) => orphanFinding(paths, orphan))
]

const existingCompanions = (manifestPath: string) =>
  companionSuffixes.map((suffix) => `${manifestPath}${suffix}`).filter((path) => existsSync(path))

const describeSnapshot = (snapshot: Snapshot) => `${snapshot.path} (taken ${new Date(snapshot.takenAt).toISOString()})`

/** Opens the manifest the way every command does (checked, migrated) for `effect`. */
const withManifest = <A, E, R>(paths: WorkspacePaths, options: ManifestOptions, effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.provide(sqliteManifestLayer(paths.manifest, options)))

type PostgresLocation = Extract<ManifestLocation, { _tag: "Postgres" }>

const sharedManifestNote = "the manifest is a shared PostgreSQL database: audio and clip files are not checked against its rows " +
  "(another machine may hold them); files here with no row at all, temp leftovers and stale claims are"

/** `diagnose` for a PostgreSQL manifest: no file to check or snapshot to restore; the rows and this --out's files. */
const diagnoseShared = (paths: WorkspacePaths, options: ManifestOptions, location: PostgresLocation) =>
  inspectOpenManifest(paths, options, false).pipe(
    Effect.provide(manifestStoreLayer(location, options)),
    Effect.map((inspected): DoctorReport => ({
      root: paths.root,
      manifest: { path: location.shown, status: "ok", integrityCheck: [], reason: null },
      findings: findingsOf(paths, inspected),
      notes: [sharedManifestNote]
    }))
  )

/**
 * Looks at a working directory and says what is wrong and what `repair` would do; changes nothing
 * (beyond what opening a sound manifest always does: WAL recovery, pending migrations).
 *
 * Needs no layer: the manifest is checked as a file first (a damaged one cannot be opened by the normal layer),
 * and only a sound one is opened, with `sqliteManifestLayer(paths.manifest, options)`.
 */
export const diagnose = (paths: WorkspacePaths, options: ManifestOptions, location?: ManifestLocation) =>
  Effect.gen(function* () {
    if (location?._tag === "Postgres") return yield* diagnoseShared(paths, options, location)
    const health = yield* Effect.sync(() => checkSqliteFile(paths.manifest, { readonly: false }))
    if (health._tag !== "Healthy") {
      const temps = yield* inspectTemps(paths, options.owner)
      const tempFindings = [...temps.tempDirs.map(tempDirFinding), ...temps.tempFiles.map(tempFileFinding)]
      const { good, skipped } = yield* findGoodSnapshot(paths)
      const skippedNotes = skipped.map(({ snapshot, reason }) => `snapshot ${snapshot.path} is not usable: ${reason}`)
      const companions = existingCompanions(paths.manifest)
      if (health._tag === "Missing") {
        const manifest: ManifestCheck = { path: paths.manifest, status: "missing", integrityCheck: [], reason: "no manifest file" }
        if (Option.isNone(good)) {
          return {
            root: paths.root,
            manifest,
            findings: tempFindings,
            notes: [...skippedNotes, "no manifest yet and no snapshot: the next run starts a new one; files were not checked against rows"]
          } satisfies DoctorReport
        }
        return {
          root: paths.root,
          manifest,
          findings: [
            {
              kind: "ManifestMissing",
              problem: `the manifest ${paths.manifest} is missing, but a snapshot of it exists`,
              paths: [paths.manifest, ...companions, good.value.path],
              ids: [],
              repairable: true,
              repair: `${companions.length > 0 ? `move ${companions.join(", ")} aside, then ` : ""}restore ${describeSnapshot(good.value)}; ` +
                "then files the restored manifest has no row for are moved to orphans/"
            },
            ...tempFindings
          ],
          notes: [...skippedNotes, "files are checked against rows once the manifest is restored (doctor --repair)"]
        } satisfies DoctorReport
      }
      const problem = `the manifest cannot be used: ${health.reason}${health.problems.length > 0 ? ` (${health.problems.join("; ")})` : ""}`
      return {
        root: paths.root,
        manifest: { path: paths.manifest, status: "damaged", integrityCheck: health.problems, reason: health.reason },
        findings: [
          {
            kind: "ManifestDamaged",
            problem,
            paths: [paths.manifest, ...companions, ...(Option.isSome(good) ? [good.value.path] : [])],
            ids: [],
            repairable: Option.isSome(good),
            repair: Option.isSome(good)
              ? `move ${[paths.manifest, ...companions].join(", ")} aside to ${basename(paths.manifest)}.damaged-<time> (kept, never deleted), ` +
                `restore ${describeSnapshot(good.value)} (what changed since then is lost from the manifest), ` +
                "then move files the restored manifest has no row for to orphans/"
              : "nothing: there is no good snapshot to restore. doctor --repair changes nothing; keep the file for " +
                "recovery (e.g. the sqlite3 CLI's .recover), or move it aside and start a new manifest with the next run"
          },
          ...tempFindings
        ],
        notes: [...skippedNotes, "files were not checked against rows: the manifest could not be read"]
      } satisfies DoctorReport
    }
    const inspected = yield* withManifest(paths, options, inspectOpenManifest(paths, options))
    return {
      root: paths.root,
      manifest: { path: paths.manifest, status: "ok", integrityCheck: ["ok"], reason: null },
      findings: findingsOf(paths, inspected),
      notes: []
    } satisfies DoctorReport
  })

/** A free name for `path`: itself, or `<stem>.<n><ext>` when something is already there (nothing is overwritten). */
const freeName = (path: string) => {
  if (!existsSync(path)) return path
  const ext = extname(path)
  const stem = path.slice(0, path.length - ext.length)
  for (let n = 1; ; n++) {
    const candidate = `${stem}.${n}${ext}`
    if (!existsSync(candidate)) return candidate
  }
}

const moveFile = (from: string, to: string) =>
  fsTry("move", from, async () => {
    await fs.mkdir(dirname(to), { recursive: true })
    await fs.rename(from, to)
  })

/** Moves the manifest and its companions aside, then puts a copy of the snapshot in its place (temp, fsync, rename). */
const restoreSnapshot = (paths: WorkspacePaths, snapshot: Snapshot) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    let sequence = 0
    const taken = (aside: string) => [aside, ...companionSuffixes.map((suffix) => `${aside}${suffix}`)].some((p) => existsSync(p))
    while (taken(damagedName(paths.manifest, now, sequence))) sequence++
    const aside = damagedName(paths.manifest, now, sequence)
    const moved: Array<{ from: string; to: string }> = []
    for (const from of [paths.manifest, ...existingCompanions(paths.manifest)]) {
      if (!existsSync(from)) continue
      const to = from === paths.manifest ? aside : `${aside}${from.slice(paths.manifest.length)}`
      yield* moveFile(from, to)
      moved.push({ from, to })
    }
    const temp = join(paths.root, `.${basename(paths.manifest)}.${process.pid}.${now}.tmp`)
    yield* fsTry("restore the snapshot to", paths.manifest, async () => {
      try {
        await fs.copyFile(snapshot.path, temp)
        const handle = await fs.open(temp, "r+")
        try {
          await handle.sync()
        } finally {
          await handle.close()
        }
        await fs.rename(temp, paths.manifest)
        const dir = await fs.open(paths.root, "r")
        try {
          await dir.sync()
        } finally {
          await dir.close()
        }
      } finally {
        await fs.rm(temp, { force: true })
      }
    })
    return { moved, aside }
  })

/** Sets rows whose audio vanished back to discovered: one guarded UPDATE each (only if nothing changed since), one transaction. */
const rediscover = (rows: ReadonlyArray<AudioRow>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const now = yield* Clock.currentTimeMillis
    return yield* Effect.gen(function* () {
      const changed: Array<string> = []
      for (const row of rows) {
        const updated = yield* sql`
          UPDATE videos SET state = 'discovered', failed_stage = NULL, audio_path = NULL, claimed_by = NULL, claimed_at = NULL, updated_at = ${now}
          WHERE id = ${row.id} AND state = ${row.state} AND audio_path = ${row.audioPath} AND claimed_by IS NOT DISTINCT FROM ${row.claimedBy}
          RETURNING id`
        if (updated.length === 1) changed.push(row.id)
      }
      return changed
    }).pipe(sql.withTransaction)
  }).pipe(Effect.mapError(queryFailed("set rows with vanished audio back to discovered")))

/** Points rows at their audio in this workspace (the directory was moved); guarded like every other write. */
const repoint = (moves: ReadonlyArray<{ readonly id: string; readonly from: string; readonly to: string }>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const now = yield* Clock.currentTimeMillis
    return yield* Effect.gen(function* () {
      const changed: Array<string> = []
      for (const move of moves) {
        const updated = yield* sql`
          UPDATE videos SET audio_path = ${move.to}, updated_at = ${now} WHERE id = ${move.id} AND audio_path = ${move.from} RETURNING id`
        if (updated.length === 1) changed.push(move.id)
      }
      return changed
    }).pipe(sql.withTransaction)
  }).pipe(Effect.mapError(queryFailed("point rows at moved audio")))

/** Fixes what a fresh look at the open manifest finds; every change becomes an action. */
const repairOpenManifest = (paths: WorkspacePaths, options: ManifestOptions, localFiles = true) =>
  Effect.gen(function* () {
    const manifest = yield* Manifest
    const sql = yield* SqlClient.SqlClient
    const actions: Array<RepairAction> = []

    // Claims first: a stale analyzing row goes back to downloaded, and then counts as a row whose audio may be gone.
    const before = yield* inspectOpenManifest(paths, options, localFiles)
    if (before.stale.length > 0) {
      const reclaimed = yield* manifest.reclaimStale
      const stillHeld = yield* sql<ClaimRow>`SELECT id, state, claimed_by, claimed_at FROM videos WHERE id IN ${sql.in(before.stale.map((r) => r.id))}`.pipe(
        Effect.mapError(queryFailed("read reclaimed rows"))
      )
      const released = before.stale.filter((row) => !stillHeld.some((now) => now.id === row.id && now.state === row.state && now.claimedBy === row.claimedBy))
      if (reclaimed > 0) {
        actions.push({
          kind: "StaleClaim",
          did: `gave back ${reclaimed} stale claim(s) (rows returned to their stage's input state)`,
          paths: [],
          ids: released.map((row) => row.id)
        })
      }
    }

    const removedDirs = yield* removeAbandonedTempDirs(paths.tmp, options.owner.isAlive)
    for (const dir of removedDirs) actions.push({ kind: "AbandonedTempDir", did: "removed the temp directory of a process that is gone", paths: [dir], ids: [] })

    const inspected = yield* inspectOpenManifest(paths, options, localFiles)
    for (const file of inspected.temps.tempFiles) {
      // Checked again just before removal: the pid could be reused, never by this process though.
      if (!ownerIsGone(atomicTempOwnerPid(basename(file)), options.owner.isAlive)) continue
      yield* fsTry("remove", file, () => fs.rm(file, { force: true }))
      actions.push({ kind: "StaleTempFile", did: "removed a half-written temp file of a process that is gone", paths: [file], ids: [] })
    }

    const moved = inspected.audio.flatMap((v) => (v._tag === "Moved" ? [{ id: v.row.id, from: v.row.audioPath, to: v.foundAt }] : []))
    if (moved.length > 0) {
      const changed = new Set(yield* repoint(moved))
      for (const move of moved.filter((m) => changed.has(m.id))) {
        actions.push({ kind: "AudioMoved", did: `pointed the row at its audio in this workspace (was ${move.from})`, paths: [move.to], ids: [move.id] })
      }
    }

    const vanished = inspected.audio.flatMap((v) => (v._tag === "Rediscover" ? [v.row] : []))
    if (vanished.length > 0) {
      const changed = new Set(yield* rediscover(vanished))
      for (const row of vanished.filter((r) => changed.has(r.id))) {
        actions.push({
          kind: "AudioMissing",
          did: `set the ${row.state} row back to discovered with no audio path (its audio had vanished); the next run downloads it again`,
          paths: [row.audioPath],
          ids: [row.id]
        })
      }
    }

    for (const orphan of inspected.orphans) {
      const from = join(paths.root, orphan.relativePath)
      const to = freeName(join(orphansDir(paths), orphan.relativePath))
      yield* moveFile(from, to)
      actions.push({
        kind: orphan.kind,
        did: `moved a file with no manifest row to ${to}`,
        paths: [from, to],
        ids: [orphan.id]
      })
    }
    return actions
  })

/**
 * Applies every repairable finding and returns what it did, then what is left (`after`, a fresh diagnosis).
 * A damaged (or missing) manifest is moved aside and the newest good snapshot restored first; with no good
 * snapshot nothing at all is changed and `blocked` says why. Files are moved aside (`orphans/`,
 * `manifest.sqlite.damaged-<time>`), never deleted; only temp leftovers of dead processes are removed.
 *
 * Needs no layer (see `diagnose`). Do not run it while a `kidvoice run` works on the same directory.
 */
export const repair = (paths: WorkspacePaths, options: ManifestOptions, location?: ManifestLocation) =>
  Effect.gen(function* () {
    const before = yield* diagnose(paths, options, location)
    const actions: Array<RepairAction> = []
    if (location?._tag === "Postgres") {
      actions.push(...(yield* repairOpenManifest(paths, options, false).pipe(Effect.provide(manifestStoreLayer(location, options)))))
      return { before, actions, blocked: null, after: yield* diagnose(paths, options, location) } satisfies RepairReport
    }
    if (before.manifest.status !== "ok") {
      const { good } = yield* findGoodSnapshot(paths)
      if (before.manifest.status === "damaged" && Option.isNone(good)) {
        return {
          before,
          actions,
          blocked: `the manifest ${paths.manifest} is damaged (${before.manifest.reason}) and there is no good snapshot in ` +
            `${join(paths.root, "snapshots")} to restore. Nothing was changed.`,
          after: before
        } satisfies RepairReport
      }
      if (Option.isSome(good)) {
        const kind: FindingKind = before.manifest.status === "damaged" ? "ManifestDamaged" : "ManifestMissing"
        const restored = yield* restoreSnapshot(paths, good.value)
        if (restored.moved.length > 0) {
          actions.push({
            kind,
            did: `moved the ${before.manifest.status} manifest aside (kept, not deleted)`,
            paths: restored.moved.flatMap(({ from, to }) => [from, to]),
            ids: []
          })
        }
        actions.push({
          kind,
          did: `restored ${describeSnapshot(good.value)}; rows changed after it are as they were then, ` +
            "files made since that it has no row for are moved to orphans/ below",
          paths: [good.value.path, paths.manifest],
          ids: []
        })
      }
    }
    if (existsSync(paths.manifest)) {
      actions.push(...(yield* withManifest(paths, options, repairOpenManifest(paths, options))))
    } else {
      // No manifest and nothing to restore: only leftovers of dead processes can be cleaned.
      const temps = yield* inspectTemps(paths, options.owner)
      const removedDirs = yield* removeAbandonedTempDirs(paths.tmp, options.owner.isAlive)
      for (const dir of removedDirs) actions.push({ kind: "AbandonedTempDir", did: "removed the temp directory of a process that is gone", paths: [dir], ids: [] })
      for (const file of temps.tempFiles) {
        yield* fsTry("remove", file, () => fs.rm(file, { force: true }))
        actions.push({ kind: "StaleTempFile", did: "removed a half-written temp file of a process that is gone", paths: [file], ids: [] })
      }
    }
    const after = yield* diagnose(paths, options)
    return { before, actions, blocked: null, after } satisfies RepairReport
  })

/** Plain-text lines for a report, for the CLI's printer. */
export const renderDoctorReport = (report: DoctorReport): ReadonlyArray<string> => {
  const lines = [
    `manifest ${report.manifest.path}: ${report.manifest.status}` +
    (report.manifest.status === "ok" ? (report.manifest.integrityCheck.length > 0 ? " (integrity_check ok)" : "") : report.manifest.reason ? ` (${report.manifest.reason})` : "")
  ]
  if (report.manifest.status === "damaged" && report.manifest.integrityCheck.length > 0) {
    lines.push(...report.manifest.integrityCheck.map((line) => `  integrity_check: ${line}`))
  }
  if (report.findings.length === 0) lines.push("nothing to repair")
  for (const finding of report.findings) {
    lines.push(`${finding.kind}: ${finding.problem}`)
    for (const id of finding.ids) lines.push(`  id: ${id}`)
    for (const path of finding.paths) lines.push(`  path: ${path}`)
    lines.push(`  ${finding.repairable ? "--repair will" : "repair"}: ${finding.repair}`)
  }
  lines.push(...report.notes.map((note) => `note: ${note}`))
  return lines
}

export const renderRepairReport = (report: RepairReport): ReadonlyArray<string> => [
  ...(report.blocked ? [`not repaired: ${report.blocked}`] : []),
  ...(report.actions.length === 0 && !report.blocked ? ["nothing was changed"] : []),
  ...report.actions.flatMap((action) => [
    `${action.kind}: ${action.did}`,
    ...action.ids.map((id) => `  id: ${id}`),
    ...action.paths.map((path) => `  path: ${path}`)
  ]),
  ...(report.after.findings.length > 0 ? ["still to look at:", ...renderDoctorReport(report.after).map((line) => `  ${line}`)] : [])
]
