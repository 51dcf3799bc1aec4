/**
 * Raw SQLite writers for the manifest benchmark, at the manifest's durability (WAL, synchronous=FULL,
 * busy_timeout 30 s), one UPDATE per transaction through better-sqlite3, no Effect:
 *   pk     UPDATE by primary key, nothing else: the ceiling of durable updates per second.
 *   claim  the very statements kidvoice's claim + completeDownload run, to tell SQL cost from Effect cost.
 * Arguments: pk|claim, WorkerArgs as JSON.
 */
import Database from "better-sqlite3"
import { hostname } from "node:os"
import { awaitStart, printReport, rowId, type WorkerArgs } from "./manifestShared.js"

const mode = process.argv[2]
const args = JSON.parse(process.argv[3]!) as WorkerArgs
const db = new Database(args.target)
db.pragma("journal_mode = WAL")
db.pragma("busy_timeout = 30000")
db.pragma("synchronous = FULL")

const owner = `${hostname()}:${process.pid}`
const byId = db.prepare("UPDATE videos SET attempts = attempts + 1, updated_at = ? WHERE id = ?")
const claim = db.prepare(`
  UPDATE videos SET state = 'downloading', failed_stage = NULL, claimed_by = ?, claimed_at = ?, updated_at = ?
  WHERE id IN (
    SELECT id FROM (
      SELECT * FROM (SELECT id, created_at FROM videos WHERE ((state = 'discovered')) ORDER BY created_at, id LIMIT 1)
      UNION ALL
      SELECT * FROM (
        SELECT id, created_at FROM videos
        WHERE state = 'failed' AND next_retry_at IS NOT NULL AND next_retry_at <= ? AND failed_stage = 'download'
        ORDER BY next_retry_at LIMIT 1)
    ) ORDER BY created_at, id LIMIT 1)
  RETURNING *`)
const complete = db.prepare(`
  UPDATE videos SET audio_path = ?, measured_duration_seconds = ?, claimed_by = NULL, claimed_at = NULL,
    last_error_tag = NULL, last_error_message = NULL, next_retry_at = NULL, state = 'downloaded', failed_stage = NULL, updated_at = ?
  WHERE id = ? AND ((state = 'downloading')) AND claimed_by = ?
  RETURNING id`)

awaitStart(args)
const startedAt = Date.now()
const deadline = startedAt + args.seconds * 1000
let updates = 0
let exhausted = false
if (mode === "pk") {
  // Each worker walks its own stride of the rows, so they contend for the lock, not for the same row.
  for (let n = args.index; Date.now() < deadline; n = (n + args.processes) % args.rows) {
    byId.run(Date.now(), rowId(n))
    updates++
  }
} else {
  while (Date.now() < deadline) {
    const now = Date.now()
    const row = claim.get(owner, now, now, now) as { id: string } | undefined
    if (!row) {
      exhausted = true
      break
    }
    updates++
    if (complete.all(`/audio/${row.id}.wav`, 312, Date.now(), row.id, owner).length !== 1) throw new Error(`lost the claim on ${row.id}`)
    updates++
  }
}
const endedAt = Date.now()
db.close()
printReport({ updates, startedAt, endedAt, exhausted })
