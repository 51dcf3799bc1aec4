import { Effect } from "effect"
import { SqlClient } from "@effect/sql"
import { isPostgres } from "./dialect.js"

/**
 * The column types that must differ between the two stores, so one migration text serves both: PostgreSQL's INTEGER
 * is 32 bits (milliseconds since 1970 need 64) and its REAL is single precision; SQLite takes the same words as
 * before (its affinity rules would accept the PostgreSQL names too, but a shipped schema's text stays as it was).
 */
const typesFor = (sql: SqlClient.SqlClient) => ({
  /** Milliseconds since 1970. */
  time: sql.literal(sql.onDialectOrElse({ pg: () => "BIGINT", orElse: () => "INTEGER" })),
  real: sql.literal(sql.onDialectOrElse({ pg: () => "DOUBLE PRECISION", orElse: () => "REAL" }))
})

/**
 * Schema history of the manifest, for SQLite and PostgreSQL alike. Append only: a shipped migration is never edited
 * (a dialect variant is added only where the SQL must differ).
 */
export const migrations = {
  "0001_videos": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { time, real } = typesFor(sql)
    yield* sql`
      CREATE TABLE videos (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        source_url TEXT NOT NULL,
        title TEXT,
        channel TEXT,
        declared_duration_seconds ${real},
        measured_duration_seconds ${real},
        state TEXT NOT NULL,
        failed_stage TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error_tag TEXT,
        last_error_message TEXT,
        next_retry_at ${time},
        claimed_by TEXT,
        claimed_at ${time},
        audio_path TEXT,
        analysis TEXT,
        speech_seconds ${real},
        child_speech_seconds ${real},
        child_share ${real},
        language TEXT,
        language_confidence ${real},
        decision_rule TEXT,
        decision_detail TEXT,
        created_at ${time} NOT NULL,
        updated_at ${time} NOT NULL
      )`
    yield* sql`CREATE INDEX videos_state ON videos (state, next_retry_at)`
    yield* sql`
      CREATE TABLE clips (
        video_id TEXT NOT NULL REFERENCES videos (id),
        file_name TEXT NOT NULL PRIMARY KEY,
        start_seconds ${real} NOT NULL,
        end_seconds ${real} NOT NULL,
        child_score ${real} NOT NULL,
        language TEXT NOT NULL
      )`
    yield* sql`CREATE INDEX clips_video ON clips (video_id)`
  }),
  "0002_uploads": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { time } = typesFor(sql)
    // One row per clip and target once the target holds it; what is not here is still to send.
    yield* sql`
      CREATE TABLE uploads (
        file_name TEXT NOT NULL REFERENCES clips (file_name),
        target TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        remote TEXT NOT NULL,
        uploaded_at ${time} NOT NULL,
        PRIMARY KEY (file_name, target)
      )`
  }),
  "0003_licence": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // The licence the video host reports (yt-dlp's `license`), for the dataset card.
    yield* sql`ALTER TABLE videos ADD COLUMN licence TEXT`
  }),
  "0004_claim_index": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // Claims take the oldest rows of a state: this walks them in order instead of sorting them all.
    yield* sql`CREATE INDEX videos_claim ON videos (state, created_at, id)`
  }),
  "0005_discovery": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { time } = typesFor(sql)
    // What discovery learns about a video before downloading it: language detection reads the text fields,
    // channel exploration the channel.
    yield* sql`ALTER TABLE videos ADD COLUMN channel_id TEXT`
    yield* sql`ALTER TABLE videos ADD COLUMN description TEXT`
    yield* sql`ALTER TABLE videos ADD COLUMN declared_language TEXT`
    // Channels of accepted videos, each mined once for more videos.
    yield* sql`
      CREATE TABLE channels (
        id TEXT PRIMARY KEY,
        title TEXT,
        state TEXT NOT NULL CHECK (state IN ('queued', 'explored')),
        queued_at ${time} NOT NULL,
        explored_at ${time},
        found INTEGER
      )`
    yield* sql`CREATE INDEX channels_queued ON channels (state, queued_at)`
  }),
  "0006_host_writer": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // Only for SQLite files shared by processes of one host; PostgreSQL never had them.
    if (isPostgres(sql)) return
    // Results of writes sent from another process, by request id, so a write sent again is not applied twice
    // (HostWriter.ts). Kept minutes, not for ever.
    yield* sql`
      CREATE TABLE write_receipts (
        request_id TEXT PRIMARY KEY,
        result TEXT NOT NULL,
        committed_at INTEGER NOT NULL
      ) WITHOUT ROWID`
    yield* sql`CREATE INDEX write_receipts_committed ON write_receipts (committed_at)`
    // The secret a process shows to send writes to the one committing them: whoever can read the manifest may write
    // it, and nobody else on the host, though the socket itself can be reached by any local user.
    yield* sql`CREATE TABLE host_writer_key (key TEXT NOT NULL)`
    yield* sql`INSERT INTO host_writer_key (key) VALUES (lower(hex(randomblob(16))))`
  }),
  "0007_transcripts": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { real } = typesFor(sql)
    // Caption tracks fetched with the media (or a local file's sidecar), as JSON: curate cuts clips on their cues.
    yield* sql`ALTER TABLE videos ADD COLUMN captions TEXT`
    // The folder a local file was found under: the dataset names local sources relative to it, never absolutely.
    yield* sql`ALTER TABLE videos ADD COLUMN source_root TEXT`
    // The rules a video was accepted under, as JSON: the dataset card states what each clip met, not today's flags.
    yield* sql`ALTER TABLE videos ADD COLUMN accepted_under TEXT`
    yield* sql`ALTER TABLE clips ADD COLUMN text TEXT NOT NULL DEFAULT ''`
    yield* sql`ALTER TABLE clips ADD COLUMN text_source TEXT NOT NULL DEFAULT 'none'`
    yield* sql`ALTER TABLE clips ADD COLUMN cue_start ${real}`
    yield* sql`ALTER TABLE clips ADD COLUMN cue_end ${real}`
  }),
  "0008_decode_warnings": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // What ffmpeg warned about while decoding a kept file (damaged frames, trailing bytes), " | "-joined; NULL when clean.
    yield* sql`ALTER TABLE videos ADD COLUMN decode_warnings TEXT`
  }),
  "0009_state_id_index": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // Pages of one state in id order (curate's sweep over analyzed rows, exports by state) walk this index from the
    // last id instead of sorting every row of the state for each page of 100: measured 27 ms a page with 8k rows
    // analyzed on a 100k-row manifest, so a curate of a large backlog was quadratic.
    yield* sql`CREATE INDEX videos_state_id ON videos (state, id)`
  }),
  "0010_leases": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { time } = typesFor(sql)
    // A claim's lease: its holder renews it while it works (a heartbeat); once it has run out, any host may take the
    // claim back. A pid says whether a holder lives only on its own host; the lease says it everywhere.
    yield* sql`ALTER TABLE videos ADD COLUMN lease_expires_at ${time}`
  }),
  "0011_retire_host_writer": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // The host writer is gone (docs/manifest.md says which measurements retired it): its tables with it.
    yield* sql`DROP TABLE IF EXISTS write_receipts`
    yield* sql`DROP TABLE IF EXISTS host_writer_key`
  }),
  "0012_audio_host": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // The machine whose --out holds a row's audio (a cluster runner's node name): analysis and curation of the row
    // run there. NULL: any process of the one --out (a single machine, or runners sharing one filesystem).
    yield* sql`ALTER TABLE videos ADD COLUMN audio_host TEXT`
  }),
  "0013_asr_text": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // The speech recogniser that wrote a clip's text (text_source 'asr'), and why it could not when it failed
    // (`Tag: message`): the clip is kept without text, the failure stays beside it instead of failing the video.
    yield* sql`ALTER TABLE clips ADD COLUMN text_model TEXT`
    yield* sql`ALTER TABLE clips ADD COLUMN text_error TEXT`
  })
}
