import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Option } from "effect"
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import { dirname, join, relative } from "node:path"
import { workspacePaths, type WorkspacePaths } from "../../src/domain/Workspace.js"
import { currentProcessOwner, type ClaimOwner } from "../../src/manifest/ClaimOwner.js"
import { findAbandonedTempDirs } from "../../src/download/abandonedTemp.js"
import { atomicTempOwnerPid } from "../../src/files/atomicWrite.js"
import {
  classifyAudio,
  classifyWorkspaceFiles,
  damagedName,
  diagnose,
  findOrphans,
  findStaleClaims,
  findStaleTempFiles,
  repair
} from "../../src/manifest/Doctor.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { importLegacyText } from "../../src/manifest/legacyImport.js"
import { takeSnapshot } from "../../src/manifest/snapshots.js"
import { candidate, manifestAt, owner, scopedTempDir, testRetry } from "../support/manifest.js"

/** A pid no process has: a child that already exited (and was reaped). */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!

const doctorOptions = { owner: currentProcessOwner(), staleClaimMs: 3_600_000, retry: testRetry }

const workspace = scopedTempDir("doctor").pipe(Effect.map(workspacePaths))

/** Runs `effect` against the workspace's manifest (opened the normal way, closed afterwards). */
const withManifest = <A, E>(paths: WorkspacePaths, effect: Effect.Effect<A, E, Manifest | SqlClient.SqlClient>, claimOwner?: ClaimOwner) =>
  effect.pipe(Effect.provide(manifestAt(paths.manifest, claimOwner)))

const setRow = (id: string, fields: Record<string, unknown>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`UPDATE videos SET ${sql.update(fields)} WHERE id = ${id}`
  })

const addClip = (videoId: string, fileName: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`INSERT INTO clips ${sql.insert({ videoId, fileName, startSeconds: 0, endSeconds: 1, childScore: 0.9, language: "en" })}`
  })

const writeFile = (path: string, data: string | Buffer = "RIFF....WAVE") => {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, data)
}

const audioOf = (paths: WorkspacePaths, id: string) => join(paths.audio, `${id}.wav`)
const clipName = (id: string) => `en/${id}_000000000_000001000.wav`

/** A downloaded row with its audio, and an accepted row with its audio and one clip: a healthy workspace. */
const seedHealthy = (paths: WorkspacePaths) =>
  withManifest(paths, Effect.gen(function* () {
    const manifest = yield* Manifest
    const [a, b] = [candidate(1), candidate(2)]
    yield* manifest.addCandidates([a, b, candidate(3)])
    yield* setRow(a.id, { state: "downloaded", audioPath: audioOf(paths, a.id) })
    yield* setRow(b.id, { state: "accepted", audioPath: audioOf(paths, b.id) })
    yield* addClip(b.id, clipName(b.id))
    writeFile(audioOf(paths, a.id))
    writeFile(audioOf(paths, b.id))
    writeFile(join(paths.dataset, clipName(b.id)))
    writeFile(join(paths.dataset, "metadata.jsonl"), "{}\n")
    return { downloaded: a.id, accepted: b.id }
  }))

const rowOf = (paths: WorkspacePaths, id: string) => withManifest(paths, Manifest.pipe(Effect.flatMap((m) => m.get(id as never))))

/** Every file under a directory, relative, with its size: to show nothing changed. */
const listing = (dir: string): Array<string> => {
  const out: Array<string> = []
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name)
      if (entry.isDirectory()) walk(full)
      else out.push(`${relative(dir, full)}:${statSync(full).size}`)
    }
  }
  walk(dir)
  return out.sort()
}

describe("doctor: pure classification", () => {
  it("finds audio and clips with no row, and leaves known ones", () => {
    const orphans = findOrphans(
      { audio: ["audio/known.wav", "audio/stranger.wav"], clips: ["dataset/en/known_1.wav", "dataset/vi/lost_2.wav"] },
      { videoIds: new Set(["known"]), clipFiles: new Set(["en/known_1.wav"]) }
    )
    expect(orphans).toEqual([
      { kind: "OrphanAudio", relativePath: "audio/stranger.wav", id: "stranger" },
      { kind: "OrphanClip", relativePath: "dataset/vi/lost_2.wav", id: "vi/lost_2.wav" }
    ])
  })

  it("sorts workspace files into audio, clips and atomic-write temp files", () => {
    expect(classifyWorkspaceFiles([
      "manifest.sqlite",
      "audio/a.wav",
      "audio/nested/b.wav",
      "dataset/en/c.wav",
      "dataset/metadata.jsonl",
      "dataset/.metadata.jsonl.123.1700000000000.tmp",
      "dataset/en/.c.wav.55.1.tmp",
      "exports/urls.txt"
    ])).toEqual({
      audio: ["audio/a.wav"],
      clips: ["dataset/en/c.wav"],
      tempFiles: ["dataset/.metadata.jsonl.123.1700000000000.tmp", "dataset/en/.c.wav.55.1.tmp"]
    })
  })

  it("reads the writer's pid from temp names and keeps live processes' (and this one's) leftovers", () => {
    expect(atomicTempOwnerPid(".metadata.jsonl.4242.1700000000000.tmp")).toBe(4242)
    expect(atomicTempOwnerPid("metadata.jsonl")).toBeNull()
    expect(atomicTempOwnerPid(".x.tmp")).toBeNull()
    const alive = (pid: number) => pid === 7
    expect(findAbandonedTempDirs(["7-abc", "8-def", `${process.pid}-ghi`, "notes"], alive)).toEqual(["8-def"])
    expect(findStaleTempFiles(["a/.f.7.1.tmp", "a/.f.8.1.tmp", `.g.${process.pid}.1.tmp`], alive)).toEqual(["a/.f.8.1.tmp"])
  })

  it("finds the claims reclaimStale would give back, not its own or live ones", () => {
    const self = owner("here:1", new Set([1, 2]))
    const rows = [
      { id: "own", state: "downloading" as const, claimedBy: "here:1", claimedAt: 0 },
      { id: "live", state: "analyzing" as const, claimedBy: "here:2", claimedAt: 0 },
      { id: "dead", state: "downloading" as const, claimedBy: "here:3", claimedAt: 0 },
      { id: "expired", state: "analyzing" as const, claimedBy: "elsewhere:2", claimedAt: -10_000 },
      { id: "remote", state: "analyzing" as const, claimedBy: "elsewhere:3", claimedAt: 0 },
      { id: "leaseRunOut", state: "analyzing" as const, claimedBy: "elsewhere:4", claimedAt: 0, leaseExpiresAt: 0 },
      { id: "leaseRenewed", state: "analyzing" as const, claimedBy: "elsewhere:5", claimedAt: 0, leaseExpiresAt: 1 }
    ]
    expect(findStaleClaims(rows, self, 0, 5_000).map((r) => r.id)).toEqual(["dead", "expired", "leaseRunOut"])
  })

  it("sends rows back to discovered only before curate, and only without a live claim", () => {
    const row = (state: "downloaded" | "analyzing" | "analyzed" | "accepted" | "uploaded", heldLive = false) =>
      ({ id: "v", state, audioPath: "/old/audio/v.wav", claimedBy: null, heldLive })
    const nothing = () => false
    expect(classifyAudio(row("downloaded"), () => true, "/out/audio/v.wav")).toBeNull()
    expect(classifyAudio(row("downloaded"), nothing, "/out/audio/v.wav")?._tag).toBe("Rediscover")
    expect(classifyAudio(row("analyzed"), nothing, "/out/audio/v.wav")?._tag).toBe("Rediscover")
    expect(classifyAudio(row("analyzing", true), nothing, "/out/audio/v.wav")?._tag).toBe("Report")
    expect(classifyAudio(row("accepted"), nothing, "/out/audio/v.wav")?._tag).toBe("Report")
    expect(classifyAudio(row("uploaded"), nothing, "/out/audio/v.wav")?._tag).toBe("Report")
    expect(classifyAudio(row("analyzed"), (p) => p === "/out/audio/v.wav", "/out/audio/v.wav")).toMatchObject({ _tag: "Moved", foundAt: "/out/audio/v.wav" })
  })

  it("names damaged manifests beside the original, by UTC time", () => {
    expect(damagedName("/out/manifest.sqlite", Date.UTC(2025, 0, 31, 12, 0, 0, 5))).toBe("/out/manifest.sqlite.damaged-2025-01-31T12-00-00.005Z")
    expect(damagedName("/out/manifest.sqlite", 0, 2)).toBe("/out/manifest.sqlite.damaged-1970-01-01T00-00-00.000Z-2")
  })
})

describe("doctor on a real workspace", () => {
  it.scoped("reports nothing to do on a healthy workspace, and repair changes nothing", () =>
    Effect.gen(function* () {
      const paths = yield* workspace
      yield* seedHealthy(paths)
      mkdirSync(join(paths.tmp, `${process.pid}-live`), { recursive: true })
      const report = yield* diagnose(paths, doctorOptions)
      expect(report.manifest).toMatchObject({ status: "ok", integrityCheck: ["ok"] })
      expect(report.findings).toEqual([])
      const before = listing(paths.root).filter((f) => !f.startsWith("manifest.sqlite"))
      const repaired = yield* repair(paths, doctorOptions)
      expect(repaired.actions).toEqual([])
      expect(repaired.blocked).toBeNull()
      expect(repaired.after.findings).toEqual([])
      expect(listing(paths.root).filter((f) => !f.startsWith("manifest.sqlite"))).toEqual(before)
    }))

  for (const damage of ["truncated", "garbage"] as const) {
    it.scoped(`detects a ${damage} manifest, moves it aside and restores the last good snapshot`, () =>
      Effect.gen(function* () {
        const paths = yield* workspace
        const seeded = yield* seedHealthy(paths)
        // Enough rows that the file spans many pages, so truncating it loses some.
        yield* withManifest(paths, Effect.gen(function* () {
          const manifest = yield* Manifest
          yield* manifest.addCandidates(Array.from({ length: 300 }, (_, i) => candidate(100 + i)))
          yield* takeSnapshot(paths)
          // After the snapshot: a new video with its audio, which the restored manifest will not know.
          yield* manifest.addCandidates([candidate(5)])
          yield* setRow(candidate(5).id, { state: "downloaded", audioPath: audioOf(paths, candidate(5).id) })
          writeFile(audioOf(paths, candidate(5).id))
        }))
        const original = readFileSync(paths.manifest)
        if (damage === "truncated") truncateSync(paths.manifest, Math.floor(original.length / 2))
        else writeFileSync(paths.manifest, Buffer.from("this is not a database, it was overwritten by something else\n".repeat(200)))
        const damagedBytes = readFileSync(paths.manifest)

        const report = yield* diagnose(paths, doctorOptions)
        expect(report.manifest.status).toBe("damaged")
        expect(report.manifest.reason).toMatch(damage === "garbage" ? /not an SQLite database/ : /malformed|integrity_check|cannot read/)
        expect(report.findings.map((f) => f.kind)).toEqual(["ManifestDamaged"])
        expect(report.findings[0]!.repairable).toBe(true)

        const repaired = yield* repair(paths, doctorOptions)
        expect(repaired.blocked).toBeNull()
        expect(repaired.actions.map((a) => a.kind)).toEqual(["ManifestDamaged", "ManifestDamaged", "OrphanAudio"])
        const aside = readdirSync(paths.root).filter((name) => name.startsWith("manifest.sqlite.damaged-"))
        expect(aside).toHaveLength(1)
        expect(readFileSync(join(paths.root, aside[0]!)).equals(damagedBytes)).toBe(true)
        expect(repaired.actions[0]!.paths).toContain(join(paths.root, aside[0]!))

        // The snapshot's rows are back; the row made after it is not, and its audio is kept under orphans/.
        const counts = yield* withManifest(paths, Manifest.pipe(Effect.flatMap((m) => m.counts)))
        expect(counts.reduce((n, c) => n + c.count, 0)).toBe(303)
        expect((yield* rowOf(paths, seeded.accepted)).state).toBe("accepted")
        expect(existsSync(audioOf(paths, candidate(5).id))).toBe(false)
        expect(existsSync(join(paths.root, "orphans", "audio", `${candidate(5).id}.wav`))).toBe(true)
        expect(repaired.after.manifest.status).toBe("ok")
        expect(repaired.after.findings).toEqual([])
      }))
  }

  it.scoped("with no good snapshot says so and changes nothing", () =>
    Effect.gen(function* () {
      const paths = yield* workspace
      yield* seedHealthy(paths)
      writeFileSync(paths.manifest, "garbage".repeat(1000))
      const dead = deadPid()
      mkdirSync(join(paths.tmp, `${dead}-abandoned`), { recursive: true })
      const before = listing(paths.root)

      const report = yield* diagnose(paths, doctorOptions)
      const damaged = report.findings.find((f) => f.kind === "ManifestDamaged")!
      expect(damaged.repairable).toBe(false)
      expect(damaged.repair).toMatch(/no good snapshot/)

      const repaired = yield* repair(paths, doctorOptions)
      expect(repaired.blocked).toMatch(/no good snapshot.*Nothing was changed/)
      expect(repaired.actions).toEqual([])
      expect(listing(paths.root)).toEqual(before)
      expect(readFileSync(paths.manifest, "utf8")).toBe("garbage".repeat(1000))
    }))

  it.scoped("sends a row whose audio vanished back to discovered; a decided row's missing audio and clips are only reported", () =>
    Effect.gen(function* () {
      const paths = yield* workspace
      const seeded = yield* seedHealthy(paths)
      const analyzed = candidate(3).id
      yield* withManifest(paths, setRow(analyzed, { state: "analyzed", audioPath: audioOf(paths, analyzed) }))
      // analyzed row: audio never written; downloaded row: audio removed; accepted row: audio and clip removed.
      for (const path of [audioOf(paths, seeded.downloaded), audioOf(paths, seeded.accepted), join(paths.dataset, clipName(seeded.accepted))]) {
        writeFileSync(path, "")
        yield* Effect.promise(() => import("node:fs/promises").then((fs) => fs.rm(path)))
      }

      const report = yield* diagnose(paths, doctorOptions)
      const byKind = (kind: string) => report.findings.filter((f) => f.kind === kind)
      expect(byKind("AudioMissing").map((f) => [f.ids[0], f.repairable])).toEqual(
        [[seeded.downloaded, true], [seeded.accepted, false], [analyzed, true]].sort((a, b) => String(a[0]).localeCompare(String(b[0])))
      )
      expect(byKind("ClipMissing")).toHaveLength(1)
      expect(byKind("ClipMissing")[0]).toMatchObject({ ids: [seeded.accepted], repairable: false, paths: [join(paths.dataset, clipName(seeded.accepted))] })
      expect(byKind("ClipMissing")[0]!.repair).toMatch(/cannot recut/)

      const repaired = yield* repair(paths, doctorOptions)
      expect(repaired.actions.map((a) => [a.kind, a.ids[0]]).sort()).toEqual([["AudioMissing", analyzed], ["AudioMissing", seeded.downloaded]].sort())
      for (const id of [seeded.downloaded, analyzed]) {
        expect(yield* rowOf(paths, id)).toMatchObject({ state: "discovered", audioPath: null, claimedBy: null })
      }
      expect(yield* rowOf(paths, seeded.accepted)).toMatchObject({ state: "accepted", audioPath: audioOf(paths, seeded.accepted) })
      expect(repaired.after.findings.map((f) => f.kind).sort()).toEqual(["AudioMissing", "ClipMissing"])
      expect(repaired.after.findings.every((f) => !f.repairable)).toBe(true)
    }))

  it.scoped("points rows at their audio when the workspace was moved", () =>
    Effect.gen(function* () {
      const paths = yield* workspace
      const seeded = yield* seedHealthy(paths)
      const oldPath = join("/nonexistent-old-place", "audio", `${seeded.downloaded}.wav`)
      yield* withManifest(paths, setRow(seeded.downloaded, { audioPath: oldPath }))
      expect((yield* diagnose(paths, doctorOptions)).findings.map((f) => f.kind)).toEqual(["AudioMoved"])
      const repaired = yield* repair(paths, doctorOptions)
      expect(repaired.actions.map((a) => a.kind)).toEqual(["AudioMoved"])
      expect(yield* rowOf(paths, seeded.downloaded)).toMatchObject({ state: "downloaded", audioPath: audioOf(paths, seeded.downloaded) })
    }))

  it.scoped("moves an audio file and a clip with no row into orphans/, keeping their relative paths", () =>
    Effect.gen(function* () {
      const paths = yield* workspace
      yield* seedHealthy(paths)
      const strangerAudio = audioOf(paths, "youtube-stranger0001")
      const strangerClip = join(paths.dataset, "vi", "youtube-stranger0002_000000000_000002000.wav")
      writeFile(strangerAudio, "audio bytes")
      writeFile(strangerClip, "clip bytes")

      const report = yield* diagnose(paths, doctorOptions)
      expect(report.findings.map((f) => [f.kind, f.paths[0]])).toEqual([["OrphanAudio", strangerAudio], ["OrphanClip", strangerClip]])

      const repaired = yield* repair(paths, doctorOptions)
      expect(repaired.actions.map((a) => a.kind)).toEqual(["OrphanAudio", "OrphanClip"])
      expect(existsSync(strangerAudio) || existsSync(strangerClip)).toBe(false)
      expect(readFileSync(join(paths.root, "orphans", "audio", "youtube-stranger0001.wav"), "utf8")).toBe("audio bytes")
      expect(readFileSync(join(paths.root, "orphans", "dataset", "vi", "youtube-stranger0002_000000000_000002000.wav"), "utf8")).toBe("clip bytes")
      expect(repaired.after.findings).toEqual([])
    }))

  it.scoped("removes temp dirs and temp files of a dead pid and keeps a live pid's", () =>
    Effect.gen(function* () {
      const paths = yield* workspace
      yield* seedHealthy(paths)
      const dead = deadPid()
      const deadDir = join(paths.tmp, `${dead}-x1y2z3`)
      const liveDir = join(paths.tmp, `${process.pid}-a1b2c3`)
      const otherLiveDir = join(paths.tmp, `${process.ppid}-d4e5f6`)
      const deadFile = join(paths.dataset, `.metadata.jsonl.${dead}.1700000000000.tmp`)
      const liveFile = join(paths.exports, `.urls.txt.${process.pid}.1700000000000.tmp`)
      writeFile(join(deadDir, "audio.webm"), "partial")
      writeFile(join(liveDir, "audio.webm"), "in progress")
      mkdirSync(otherLiveDir, { recursive: true })
      writeFile(deadFile, "half")
      writeFile(liveFile, "half")
      // Someone else's directory under --out: not kidvoice's to clean.
      const foreignFile = join(paths.root, "notes", `.draft.md.${dead}.1700000000000.tmp`)
      writeFile(foreignFile, "not ours")

      const report = yield* diagnose(paths, doctorOptions)
      expect(report.findings.map((f) => [f.kind, f.paths[0]])).toEqual([["AbandonedTempDir", deadDir], ["StaleTempFile", deadFile]])

      const repaired = yield* repair(paths, doctorOptions)
      expect(repaired.actions.map((a) => [a.kind, a.paths[0]])).toEqual([["AbandonedTempDir", deadDir], ["StaleTempFile", deadFile]])
      expect(existsSync(deadDir) || existsSync(deadFile)).toBe(false)
      expect(existsSync(join(liveDir, "audio.webm")) && existsSync(otherLiveDir) && existsSync(liveFile) && existsSync(foreignFile)).toBe(true)
    }))

  it.scoped("reclaims claims of a dead process on this host, not a live one's", () =>
    Effect.gen(function* () {
      const paths = yield* workspace
      const dead = deadPid()
      const claimer = (pid: number): ClaimOwner => ({ id: `${hostname()}:${pid}`, host: hostname(), isAlive: () => true })
      const [a, b] = [candidate(1), candidate(2)]
      yield* withManifest(paths, Manifest.pipe(Effect.flatMap((m) => m.addCandidates([a, b]))))
      yield* withManifest(paths, Manifest.pipe(Effect.flatMap((m) => m.claim("download", 1))), claimer(dead))
      yield* withManifest(paths, Manifest.pipe(Effect.flatMap((m) => m.claim("download", 1))), claimer(process.ppid))

      const report = yield* diagnose(paths, doctorOptions)
      expect(report.findings.map((f) => [f.kind, f.ids[0]])).toEqual([["StaleClaim", a.id]])

      const repaired = yield* repair(paths, doctorOptions)
      expect(repaired.actions).toMatchObject([{ kind: "StaleClaim", ids: [a.id] }])
      expect(yield* rowOf(paths, a.id)).toMatchObject({ state: "discovered", claimedBy: null })
      expect(yield* rowOf(paths, b.id)).toMatchObject({ state: "downloading", claimedBy: `${hostname()}:${process.ppid}` })
    }))

  it.scoped("a second repair finds nothing left to do", () =>
    Effect.gen(function* () {
      const paths = yield* workspace
      const seeded = yield* seedHealthy(paths)
      yield* withManifest(paths, takeSnapshot(paths))
      const dead = deadPid()
      mkdirSync(join(paths.tmp, `${dead}-old`), { recursive: true })
      writeFile(audioOf(paths, "youtube-stranger0003"))
      yield* Effect.promise(() => import("node:fs/promises").then((fs) => fs.rm(audioOf(paths, seeded.downloaded))))
      truncateSync(paths.manifest, 1000)

      const first = yield* repair(paths, doctorOptions)
      expect(first.actions.map((a) => a.kind)).toEqual(["ManifestDamaged", "ManifestDamaged", "AbandonedTempDir", "AudioMissing", "OrphanAudio"])
      expect(first.after.findings).toEqual([])
      const files = listing(paths.root).filter((f) => !f.startsWith("manifest.sqlite"))
      const second = yield* repair(paths, doctorOptions)
      expect(second.actions).toEqual([])
      expect(second.before.findings).toEqual([])
      expect(listing(paths.root).filter((f) => !f.startsWith("manifest.sqlite"))).toEqual(files)
    }))
})

describe("doctor and imported legacy history (issue 15, point 7)", () => {
  it.scoped("an imported row's old-crawler path that was never on this machine is history, not AudioMissing, before and after --repair", () =>
    Effect.gen(function* () {
      const paths = yield* workspace
      yield* withManifest(paths, Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* importLegacyText({
          name: "manifest.json",
          text: JSON.stringify({ records: [{ video_id: "aB3dE5fG7hJ", output_path: "C:\\data\\vi\\a.wav", classified: true, containing_children_voice: true, file_available: true }] })
        }, Option.none())
        const [row] = yield* sql<{ audioPath: string }>`SELECT audio_path FROM videos`
        expect(row?.audioPath).toBe("C:\\data\\vi\\a.wav")
      }))
      expect((yield* diagnose(paths, doctorOptions)).findings).toEqual([])
      expect((yield* repair(paths, doctorOptions)).after.findings).toEqual([])
    }))
})
