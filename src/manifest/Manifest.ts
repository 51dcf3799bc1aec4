import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import type { ParseError } from "effect/ParseResult"
import { Clock, Context, Duration, Effect, Either, Layer, Metric, Random, Schema } from "effect"
import { Analysis, type Clip, DatasetClip } from "../domain/Analysis.js"
import type { Candidate } from "../domain/Candidate.js"
import { ManifestRow } from "../domain/ManifestRow.js"
import { nextRetryAt, type RetryPolicy, type StageFailure } from "../domain/RetryPolicy.js"
import {
  ClaimingStage,
  claimingStates,
  IllegalTransition,
  type Position,
  transition,
  Transition,
  VideoState
} from "../domain/VideoState.js"
import type { VideoId } from "../domain/VideoId.js"
import { ClaimLost, ManifestQueryError, VideoNotFound } from "./ManifestErrors.js"
import { isClaimStale, type ClaimOwner } from "./ClaimOwner.js"
import { type CompiledStatement, executeCompiled, makeManifestWriter } from "./ManifestWriter.js"
import { storeSeconds } from "./metrics.js"

export interface ManifestOptions {
  /** Who this process is, written on every claim so a dead owner's claims can be told apart. */
  readonly owner: ClaimOwner
  /** A claim older than this is taken back even when its owner looks alive (hung, or on another machine). */
  readonly staleClaimMs: number
  readonly retry: RetryPolicy
  /** Most writes committed in one transaction (group commit). */
  readonly maxWriteBatch?: number
}

export interface DownloadedAudio {
  readonly audioPath: string
  readonly measuredDurationSeconds: number
  readonly reported?: { readonly title?: string | null; readonly channel?: string | null; readonly licence?: string | null }
}

export interface Decision {
  readonly accepted: boolean
  readonly rule: string
  readonly detail: string
}

/** A candidate the metadata filter turned away before download, with why. */
export interface SkippedCandidate {
  readonly candidate: Candidate
  readonly reason: { readonly tag: string; readonly message: string }
}

export interface DiscoveryRecord {
  readonly added: number
  readonly skipped: number
  readonly known: number
}

export interface QueuedChannel {
  readonly id: string
  readonly title: string | null
}

/** A filtered candidate is a discovered row skipped at once: the rule book must allow that path. */
const skippedOnArrival = Either.getOrThrow(transition({ state: "discovered", failedStage: null }, Transition.Skip())).state

/** Rows per INSERT statement, well under SQLite's bound-variable limit. */
const insertChunk = 500

export interface StateCount {
  readonly state: VideoState
  readonly count: number
}

const allPositions: ReadonlyArray<Position> = [
  ...VideoState.literals.filter((s) => s !== "failed").map((state) => ({ state, failedStage: null })),
  ...ClaimingStage.literals.map((stage) => ({ state: "failed" as const, failedStage: stage }))
]

/**
 * The positions a transition may start from, read off the pure rule book so SQL and rules cannot drift.
 * Remembered per transition: asking the rule book builds an error for every illegal position, which cost
 * a seventh of a write's CPU when done on every write.
 */
export const legalSources = (t: Transition): ReadonlyArray<Position> => {
  const key = JSON.stringify(t)
  let sources = legalSourcesByTransition.get(key)
  if (sources === undefined) {
    sources = allPositions.filter((p) => Either.isRight(transition(p, t)))
    legalSourcesByTransition.set(key, sources)
  }
  return sources
}
const legalSourcesByTransition = new Map<string, ReadonlyArray<Position>>()

const targetOf = (t: Transition): Position => {
  const results = legalSources(t).map((p) => Either.getOrThrow(transition(p, t)))
  return results[0]!
}

/** Fields cleared when a worker lets go of a row. */
const droppedClaim = { claimedBy: null, claimedAt: null } as const
/** ...and when it finished the work: an earlier failure no longer describes the row. */
const finishedClaim = { ...droppedClaim, lastErrorTag: null, lastErrorMessage: null, nextRetryAt: null } as const

const decodeRows = Schema.decodeUnknown(Schema.Array(ManifestRow))
const decodeDatasetClips = Schema.decodeUnknown(Schema.Array(DatasetClip))
const encodeAnalysis = Schema.encode(Schema.parseJson(Analysis))

export const makeManifest = (options: ManifestOptions) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const ownerId = options.owner.id
    const writer = yield* makeManifestWriter({ maxBatch: options.maxWriteBatch ?? 256 })

    /** Times an operation, from asking to answer, into `storeSeconds`. */
    const timed = (operation: string) =>
      <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.timed(effect).pipe(
          Effect.tap(([elapsed]) => Metric.update(Metric.tagged(storeSeconds, "operation", operation), Duration.toSeconds(elapsed))),
          Effect.map(([, result]) => result)
        )

    /** Names a statement for its errors. */
    const named = (operation: string, videoId?: string) =>
      <A, R>(effect: Effect.Effect<A, SqlError | ParseError, R>) =>
        Effect.mapError(effect, (cause) => new ManifestQueryError({ operation, videoId, cause }))

    /** A read: named for its errors and timed. */
    const query = (operation: string, videoId?: string) =>
      <A, R>(effect: Effect.Effect<A, SqlError | ParseError, R>) => effect.pipe(named(operation, videoId), timed(operation))

    /**
     * A write: its statements go to the writer and commit with others; timed from asking to the commit.
     * `oneChange`: at most one of them changes anything, so a failure cannot leave half of the write behind.
     */
    const write = <A, E>(
      operation: string,
      statements: Effect.Effect<A, E, SqlClient.TransactionConnection>,
      options?: { readonly oneChange?: boolean }
    ) =>
      writer.write(operation, statements, options).pipe(timed(operation))

    const positionClause = (positions: ReadonlyArray<Position>) =>
      sql.or(positions.map((p) =>
        p.failedStage === null
          ? sql`(state = ${p.state})`
          : sql`(state = ${p.state} AND failed_stage = ${p.failedStage})`
      ))

    const get = (id: VideoId) =>
      sql`SELECT * FROM videos WHERE id = ${id}`.pipe(
        Effect.flatMap(decodeRows),
        query("read", id),
        Effect.flatMap((rows) => rows[0] ? Effect.succeed(rows[0]) : Effect.fail(new VideoNotFound({ videoId: id })))
      )

    /**
     * One transition as one guarded UPDATE: it only matches a row in a legal source position
     * (and, for in-flight work, still held by this owner), so concurrent writers cannot both win.
     * Compiled before the write is queued (see `executeCompiled`).
     */
    const compileTransition = (id: VideoId, t: Transition, fields: Record<string, unknown>, heldBy: "owner" | "anyone", now: number) => {
      const to = targetOf(t)
      return sql`
        UPDATE videos SET ${sql.update({ ...fields, state: to.state, failedStage: to.failedStage, updatedAt: now })}
        WHERE id = ${id} AND ${positionClause(legalSources(t))}
        ${heldBy === "owner" ? sql`AND claimed_by = ${ownerId}` : sql``}
        RETURNING id`.compile()
    }

    /** Runs a compiled transition in the writer's transaction; when it matched no row, fails with the reason. */
    const runTransition = (id: VideoId, t: Transition, update: CompiledStatement) =>
      Effect.gen(function* () {
        const changed = yield* executeCompiled(update).pipe(named(`transition ${t._tag}`, id))
        if (changed.length === 1) return
        const row = yield* get(id)
        if ("stage" in t && row.state === claimingStates[t.stage].inFlight) {
          return yield* new ClaimLost({ videoId: id, stage: t.stage })
        }
        return yield* new IllegalTransition({ from: { state: row.state, failedStage: row.failedStage }, transition: t })
      })

    /** A transition as part of a larger write. */
    const transitionStatements = (
      id: VideoId,
      t: Transition,
      fields: Record<string, unknown> = {},
      heldBy: "owner" | "anyone" = "anyone"
    ) => Effect.flatMap(Clock.currentTimeMillis, (now) => runTransition(id, t, compileTransition(id, t, fields, heldBy, now)))

    /** A transition as a write of its own. */
    const apply = (id: VideoId, t: Transition, fields: Record<string, unknown> = {}, heldBy: "owner" | "anyone" = "anyone") =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        write(`transition ${t._tag}`, runTransition(id, t, compileTransition(id, t, fields, heldBy, now)), { oneChange: true }))

    /**
     * One batch of discovery's findings in one transaction: candidates as `discovered`, filtered ones as `skipped`
     * with their reason (so they are known and not rediscovered). Ids already in the manifest are left as they are.
     */
    const recordDiscovery = (candidates: ReadonlyArray<Candidate>, skipped: ReadonlyArray<SkippedCandidate>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const row = (c: Candidate, state: VideoState, reason: SkippedCandidate["reason"] | null) => ({
          id: c.id,
          kind: c.kind,
          sourceUrl: c.sourceUrl,
          title: c.title,
          channel: c.channel,
          declaredDurationSeconds: c.declaredDurationSeconds,
          description: c.description ?? null,
          declaredLanguage: c.declaredLanguage ?? null,
          channelId: c.channelId ?? null,
          state,
          lastErrorTag: reason?.tag ?? null,
          lastErrorMessage: reason?.message ?? null,
          createdAt: now,
          updatedAt: now
        })
        const rows = [
          ...candidates.map((c) => row(c, "discovered", null)),
          ...skipped.map((s) => row(s.candidate, skippedOnArrival, s.reason))
        ]
        const record: DiscoveryRecord = { added: 0, skipped: 0, known: 0 }
        if (rows.length === 0) return record
        const inserted = yield* write("record discovery", Effect.forEach(
          Array.from({ length: Math.ceil(rows.length / insertChunk) }, (_, i) => rows.slice(i * insertChunk, (i + 1) * insertChunk)),
          (chunk) => sql<{ state: VideoState }>`INSERT INTO videos ${sql.insert(chunk)} ON CONFLICT (id) DO NOTHING RETURNING state`
        ).pipe(named("record discovery")))
        const states = inserted.flat()
        const added = states.filter((r) => r.state === "discovered").length
        return { added, skipped: states.length - added, known: rows.length - states.length }
      })

    /** New candidates, none filtered out (local files, URL lists): `recordDiscovery` with nothing skipped. */
    const addCandidates = (candidates: ReadonlyArray<Candidate>) =>
      recordDiscovery(candidates, []).pipe(Effect.map(({ added, known }) => ({ added, known })))

    /**
     * Queues the channel of every accepted (or uploaded) video that was never queued. Derived from the rows rather
     * than written beside each verdict, so a crash between a verdict and its queueing loses no channel.
     */
    const queueChannelsOfAccepted = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const queued = yield* write("queue channels", sql`
        INSERT INTO channels (id, title, state, queued_at)
        SELECT channel_id, MAX(channel), 'queued', ${now} FROM videos
        WHERE state IN ('accepted', 'uploaded') AND channel_id IS NOT NULL GROUP BY channel_id
        ON CONFLICT (id) DO NOTHING RETURNING id`.pipe(named("queue channels")), { oneChange: true })
      return queued.length
    })

    /** Channels waiting to be explored, oldest first: few (one per accepted channel), so read at once. */
    const queuedChannels =
      sql<QueuedChannel>`SELECT id, title FROM channels WHERE state = 'queued' ORDER BY queued_at, id`.pipe(
        query("read queued channels")
      )

    /** A channel was mined: it is not explored again; `found` is how many videos its listing held. */
    const markChannelExplored = (id: string, found: number) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        yield* write("mark channel explored",
          sql`UPDATE channels SET state = 'explored', explored_at = ${now}, found = ${found} WHERE id = ${id}`.pipe(named("mark channel explored")), { oneChange: true })
      })

    const claim = (stage: ClaimingStage, limit: number) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const t = Transition.Claim({ stage })
        const to = targetOf(t)
        const fresh = positionClause(legalSources(t).filter((p) => p.state !== "failed"))
        // Two index walks merged, rather than one OR that makes SQLite sort every waiting row under the write lock:
        // fresh rows oldest first (videos_claim), due retries earliest due first (videos_state). A claim then costs
        // the same at ten thousand rows and at a million.
        const update = sql`
          UPDATE videos SET state = ${to.state}, failed_stage = NULL, claimed_by = ${ownerId}, claimed_at = ${now}, updated_at = ${now}
          WHERE id IN (
            SELECT id FROM (
              SELECT * FROM (SELECT id, created_at FROM videos WHERE ${fresh} ORDER BY created_at, id LIMIT ${limit})
              UNION ALL
              SELECT * FROM (
                SELECT id, created_at FROM videos
                WHERE state = 'failed' AND next_retry_at IS NOT NULL AND next_retry_at <= ${now} AND failed_stage = ${stage}
                ORDER BY next_retry_at LIMIT ${limit})
            ) ORDER BY created_at, id LIMIT ${limit})
          RETURNING *`.compile()
        // Rows are checked against the schema after the commit, not while holding the write lock.
        const claimed = yield* write(`claim ${stage}`, executeCompiled(update).pipe(named(`claim ${stage}`)), { oneChange: true })
        return yield* decodeRows(claimed).pipe(named(`claim ${stage}`))
      })

    const release = (stage: ClaimingStage, id: VideoId) => apply(id, Transition.Release({ stage }), droppedClaim, "owner")

    /** The audio is in place; what the host said about the video (title, channel, licence) is kept when it said it. */
    const completeDownload = (id: VideoId, result: DownloadedAudio) =>
      apply(id, Transition.Complete({ stage: "download" }), {
        audioPath: result.audioPath,
        measuredDurationSeconds: result.measuredDurationSeconds,
        ...Object.fromEntries(Object.entries(result.reported ?? {}).filter(([, v]) => v !== null && v !== undefined)),
        ...finishedClaim
      }, "owner")

    const completeAnalysis = (id: VideoId, analysis: Analysis) =>
      Effect.gen(function* () {
        const analysisJson = yield* encodeAnalysis(analysis).pipe(query("encode analysis", id))
        yield* apply(id, Transition.Complete({ stage: "analyze" }), {
          analysis: analysisJson,
          speechSeconds: analysis.speechSeconds,
          childSpeechSeconds: analysis.childSpeechSeconds,
          childShare: analysis.childShare,
          language: analysis.language,
          languageConfidence: analysis.languageConfidence,
          ...finishedClaim
        }, "owner")
      })

    /** Records a failure once: attempts counted, cause kept, and a retry time only for retryable failures with attempts left. */
    const fail = (stage: ClaimingStage, id: VideoId, failure: StageFailure) =>
      write(`transition Fail`, Effect.gen(function* () {
        const row = yield* get(id)
        const now = yield* Clock.currentTimeMillis
        const jitter = yield* Random.next
        const attempts = row.attempts + 1
        const retryAt = nextRetryAt(options.retry, failure, attempts, now, jitter)
        yield* transitionStatements(id, Transition.Fail({ stage }), {
          attempts,
          lastErrorTag: failure._tag,
          lastErrorMessage: failure.message,
          nextRetryAt: retryAt,
          ...droppedClaim
        }, "owner")
        return { attempts, nextRetryAt: retryAt }
      }), { oneChange: true })

    /** Curate's verdict and its clips in one transaction: a crash leaves either both or neither. */
    const decide = (id: VideoId, decision: Decision, clips: ReadonlyArray<Clip>) =>
      write("decide", Effect.gen(function* () {
        yield* transitionStatements(id, Transition.Decide({ accepted: decision.accepted }), {
          decisionRule: decision.rule,
          decisionDetail: decision.detail
        })
        yield* sql`DELETE FROM clips WHERE video_id = ${id}`
        if (clips.length > 0) {
          yield* sql`INSERT INTO clips ${sql.insert(clips.map((c) => ({
            videoId: id,
            fileName: c.fileName,
            startSeconds: c.start,
            endSeconds: c.end,
            childScore: c.childScore,
            language: c.language
          })))}`
        }
      }).pipe(Effect.catchTag("SqlError", (cause) => new ManifestQueryError({ operation: "decide", videoId: id, cause }))))

    const skip = (id: VideoId, reason: { tag: string; message: string }) =>
      apply(id, Transition.Skip(), { lastErrorTag: reason.tag, lastErrorMessage: reason.message, nextRetryAt: null, ...droppedClaim })

    /** Gives back claims whose owner died (same host, process gone) or that are older than the lease. */
    const reclaimStale = write("reclaim stale claims", Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const inFlight = yield* sql`SELECT id, state, claimed_by, claimed_at FROM videos WHERE state IN ${sql.in(
        ClaimingStage.literals.map((s) => claimingStates[s].inFlight)
      )}`.pipe(named("find in-flight claims"))
      let reclaimed = 0
      for (const row of inFlight as ReadonlyArray<{ id: VideoId; state: VideoState; claimedBy: string | null; claimedAt: number | null }>) {
        if (row.claimedBy === ownerId) continue
        if (!isClaimStale(options.owner, row.claimedBy, row.claimedAt, now, options.staleClaimMs)) continue
        const stage = ClaimingStage.literals.find((s) => claimingStates[s].inFlight === row.state)!
        const released = yield* sql`
          UPDATE videos SET state = ${claimingStates[stage].input}, claimed_by = NULL, claimed_at = NULL, updated_at = ${now}
          WHERE id = ${row.id} AND state = ${row.state} AND claimed_by IS ${row.claimedBy}
          RETURNING id`.pipe(named("reclaim stale claim", row.id))
        reclaimed += released.length
      }
      return reclaimed
    }))

    /** When the earliest retryable failure of a stage becomes due, or null when none waits. */
    const nextRetryDue = (stage: ClaimingStage) =>
      sql<{ due: number | null }>`SELECT MIN(next_retry_at) AS due FROM videos WHERE state = 'failed' AND failed_stage = ${stage}`.pipe(
        Effect.map((rows) => rows[0]?.due ?? null),
        query("find pending retries")
      )

    /** Failed rows whose retry is still ahead: not final, a later run will take them. */
    const countRetryPending =
      sql<{ count: number }>`SELECT COUNT(*) AS count FROM videos WHERE state = 'failed' AND next_retry_at IS NOT NULL`.pipe(
        Effect.map((rows) => rows[0]?.count ?? 0),
        query("count pending retries")
      )

    /** Rows per position: state, and for failed rows the stage they failed in. */
    const counts = sql<{ state: VideoState; failedStage: ClaimingStage | null; count: number }>`
      SELECT state, failed_stage, COUNT(*) AS count FROM videos GROUP BY state, failed_stage ORDER BY state, failed_stage`.pipe(
      query("count states")
    )

    /** Rows in id order after `afterId`, for exports that must not hold the whole manifest in memory. */
    const page = (afterId: string, limit: number, states?: ReadonlyArray<VideoState>) =>
      sql`SELECT * FROM videos WHERE id > ${afterId} ${states ? sql`AND state IN ${sql.in(states)}` : sql``}
          ORDER BY id LIMIT ${limit}`.pipe(Effect.flatMap(decodeRows), query("read page"))

    /** The dataset's clips (of accepted or uploaded videos) after `afterFileName`, in file name order. */
    /** Source URLs in id order after `afterId`: the URL export reads only these, not whole rows. */
    const sourceUrlsPage = (afterId: string, limit: number) =>
      sql<{ id: VideoId; kind: string; sourceUrl: string }>`
        SELECT id, kind, source_url FROM videos WHERE id > ${afterId} ORDER BY id LIMIT ${limit}`.pipe(query("read source URLs"))

    /**
     * Rows as stored (camelCase keys, analysis as JSON text), in id order after `afterId`: for the JSONL export,
     * which copies rows out and so skips decoding them (ten times faster on a large manifest).
     */
    const storedRowsPage = (afterId: string, limit: number) =>
      sql<Record<string, unknown> & { id: VideoId }>`SELECT * FROM videos WHERE id > ${afterId} ORDER BY id LIMIT ${limit}`.pipe(
        query("read stored rows")
      )

    const clipsPage = (afterFileName: string, limit: number) =>
      sql`
        SELECT c.file_name, c.start_seconds AS start, c.end_seconds AS end, c.child_score, c.language,
               c.video_id, v.source_url, v.title, v.licence
        FROM clips c JOIN videos v ON v.id = c.video_id
        WHERE v.state IN ('accepted', 'uploaded') AND c.file_name > ${afterFileName}
        ORDER BY c.file_name LIMIT ${limit}`.pipe(Effect.flatMap(decodeDatasetClips), query("read clips"))

    /**
     * Clips of the dataset (accepted or uploaded videos: another target may already hold them) that `target`
     * does not hold yet, after `afterFileName`, in file name order.
     */
    const clipsToUpload = (target: string, limit: number, afterFileName = "") =>
      sql<{ fileName: string; videoId: VideoId; language: string }>`
        SELECT c.file_name, c.video_id, c.language FROM clips c JOIN videos v ON v.id = c.video_id
        WHERE v.state IN ('accepted', 'uploaded') AND c.file_name > ${afterFileName}
          AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.file_name = c.file_name AND u.target = ${target})
        ORDER BY c.file_name LIMIT ${limit}`.pipe(query("find clips to upload"))

    /**
     * Records that `target` holds a clip; when it holds every clip of the video, the video becomes `uploaded`.
     * One transaction, so a crash leaves the record and the state change together or not at all.
     */
    const recordUpload = (upload: { fileName: string; videoId: VideoId; target: string; sha256: string; remote: string }) =>
      write("record upload", Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        yield* sql`INSERT INTO uploads ${sql.insert({
          fileName: upload.fileName,
          target: upload.target,
          sha256: upload.sha256,
          remote: upload.remote,
          uploadedAt: now
        })} ON CONFLICT (file_name, target) DO NOTHING`
        const [left] = yield* sql<{ missing: number }>`
          SELECT COUNT(*) AS missing FROM clips c WHERE c.video_id = ${upload.videoId}
            AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.file_name = c.file_name AND u.target = ${upload.target})`
        if (left?.missing === 0) {
          yield* transitionStatements(upload.videoId, Transition.Upload(), {}).pipe(Effect.catchTag("IllegalTransition", () => Effect.void))
        }
      }).pipe(Effect.catchTag("SqlError", (cause) => new ManifestQueryError({ operation: "record upload", videoId: upload.videoId, cause }))))

    const uploadsFor = (target: string) =>
      sql<{ fileName: string; sha256: string; remote: string }>`SELECT file_name, sha256, remote FROM uploads WHERE target = ${target} ORDER BY file_name`.pipe(
        query("read uploads")
      )

    const failuresByTag = sql<{ lastErrorTag: string; count: number }>`
      SELECT last_error_tag, COUNT(*) AS count FROM videos WHERE state IN ('failed', 'skipped') GROUP BY last_error_tag`.pipe(
      query("count failures")
    )

    const totals = sql<{ speechSeconds: number | null; childSpeechSeconds: number | null; audioSeconds: number | null; clips: number; clipSeconds: number | null }>`
      SELECT (SELECT SUM(speech_seconds) FROM videos) AS speech_seconds,
             (SELECT SUM(child_speech_seconds) FROM videos) AS child_speech_seconds,
             (SELECT SUM(measured_duration_seconds) FROM videos) AS audio_seconds,
             (SELECT COUNT(*) FROM clips) AS clips,
             (SELECT SUM(end_seconds - start_seconds) FROM clips) AS clip_seconds`.pipe(
      Effect.map((rows) => rows[0]!),
      query("sum totals")
    )

    return {
      owner: options.owner,
      addCandidates,
      recordDiscovery,
      queueChannelsOfAccepted,
      queuedChannels,
      markChannelExplored,
      claim,
      release,
      completeDownload,
      completeAnalysis,
      fail,
      decide,
      skip,
      reclaimStale,
      nextRetryDue,
      countRetryPending,
      get,
      counts,
      page,
      clipsPage,
      sourceUrlsPage,
      storedRowsPage,
      clipsToUpload,
      recordUpload,
      uploadsFor,
      failuresByTag,
      totals
    } as const
  })

export class Manifest extends Context.Tag("kidvoice/Manifest")<
  Manifest,
  Effect.Effect.Success<ReturnType<typeof makeManifest>>
>() {
  static readonly layer = (options: ManifestOptions) => Layer.scoped(Manifest, makeManifest(options))
}
