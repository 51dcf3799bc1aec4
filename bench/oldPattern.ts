/**
 * The manifest as the old Python crawler kept it, re-created for comparison: the whole manifest is one JSON file,
 * and every update takes a touch-file lock (create with `wx`; on EEXIST sleep 0.1 s and try again), reads and
 * parses the whole file, changes one record, copies the file to `manifest.json.bak`, writes the whole JSON
 * back and removes the lock. Like the original, nothing is fsynced.
 *
 * As a module: `writeOldManifest` seeds the file. As a process: a writer (argument: WorkerArgs as JSON, with
 * `target` the directory holding manifest.json).
 */
import { closeSync, copyFileSync, openSync, readFileSync, unlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { awaitStart, printReport, rowId, sleepSync, type WorkerArgs } from "./manifestShared.js"

interface OldRecord {
  video_id: string
  url: string
  title: string
  channel: string
  channel_id: string
  duration: number
  query: string
  status: "discovered" | "downloaded" | "analyzed" | "failed"
  discovered_at: string
  downloaded_at: string | null
  audio_path: string | null
  speech_seconds: number | null
  child_speech_seconds: number | null
  child_share: number | null
  language: string | null
  attempts: number
  last_error: string | null
}

const queries = ["kids reading a story aloud", "children singing nursery rhymes", "toddler first words", "kinder lesen vor"]

const oldRecord = (n: number): OldRecord => {
  const id = rowId(n)
  return {
    video_id: id,
    url: `https://www.youtube.com/watch?v=${id}`,
    title: `Bedtime story number ${n} read by a six year old - The Little Red Hen (full story)`,
    channel: `Family Channel ${n % 997}`,
    channel_id: `UC${(n * 7919).toString(36).padStart(22, "x")}`,
    duration: 60 + (n % 900),
    query: queries[n % queries.length]!,
    status: "discovered",
    discovered_at: new Date(1_700_000_000_000 + n * 1000).toISOString(),
    downloaded_at: null,
    audio_path: null,
    speech_seconds: null,
    child_speech_seconds: null,
    child_share: null,
    language: null,
    attempts: 0,
    last_error: null
  }
}

const manifestFile = (dir: string) => join(dir, "manifest.json")

const serialize = (manifest: unknown) => JSON.stringify(manifest, null, 2)

/** Writes an old-style manifest of `rows` records; returns its size in bytes. */
export const writeOldManifest = (dir: string, rows: number): number => {
  const videos: Record<string, OldRecord> = {}
  for (let n = 0; n < rows; n++) videos[rowId(n)] = oldRecord(n)
  const text = serialize({ version: 1, videos })
  writeFileSync(manifestFile(dir), text)
  return Buffer.byteLength(text)
}

/** The lock file: true once held, false when the deadline passed while waiting. */
const acquire = (lock: string, deadline: number): boolean => {
  while (true) {
    try {
      closeSync(openSync(lock, "wx"))
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
      if (Date.now() >= deadline) return false
      sleepSync(100)
    }
  }
}

const runWriter = (args: WorkerArgs) => {
  const file = manifestFile(args.target)
  const lock = join(args.target, "manifest.json.lock")
  awaitStart(args)
  const startedAt = Date.now()
  const deadline = startedAt + args.seconds * 1000
  let updates = 0
  for (let n = args.index; Date.now() < deadline; n = (n + args.processes) % args.rows) {
    if (!acquire(lock, deadline)) break
    try {
      const manifest = JSON.parse(readFileSync(file, "utf8")) as { videos: Record<string, OldRecord> }
      const record = manifest.videos[rowId(n)]!
      record.status = "downloaded"
      record.downloaded_at = new Date().toISOString()
      record.audio_path = `audio/${record.video_id}.wav`
      record.attempts += 1
      copyFileSync(file, `${file}.bak`)
      writeFileSync(file, serialize(manifest))
      updates++
    } finally {
      unlinkSync(lock)
    }
  }
  printReport({ updates, startedAt, endedAt: Date.now(), exhausted: false })
}

if (process.argv[1] === import.meta.filename && process.argv[2]) runWriter(JSON.parse(process.argv[2]) as WorkerArgs)
