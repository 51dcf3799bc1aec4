import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import type { ParseError } from "effect/ParseResult"
import { Clock, Context, Duration, Effect, Either, Layer, Metric, Random, Schema } from "effect"
import { Analysis, type Clip, DatasetClip } from "../domain/Analysis.js"
import { type CaptionTrack, CaptionTracks } from "../domain/Captions.js"
import type { Candidate } from "../domain/Candidate.js"
import { ManifestRow } from "../domain/ManifestRow.js"
import type { RetryPolicy, StageFailure } from "../domain/RetryPolicy.js"
import { ClaimingStage, claimingStates, transition, Transition, type VideoState } from "../domain/VideoState.js"
import type { VideoId } from "../domain/VideoId.js"
import { VideoNotFound } from "./ManifestErrors.js"
import { isClaimStale, type ClaimOwner } from "./ClaimOwner.js"
import { makeManifestWriter } from "./ManifestWriter.js"
import {
  type CommandResult,
  droppedClaim,
  type ManifestCommand,
  makeWriteCommands,
  named,
  operationOf,
  type WriteError
} from "./writeCommands.js"
import { storeSeconds } from "./metrics.js"

/** Which rows `retry` puts back in the queue. */
export interface RetrySelection {
  readonly state: "failed" | "skipped"
  readonly tag?: string | null
  readonly ids?: ReadonlyArray<VideoId>
}

export interface ManifestOptions {
  /** Who this process is, written on every claim so a dead owner's claims can be told apart. */
  readonly owner: ClaimOwner
  /** A claim older than this is taken back even when its owner still renews its lease (a hung worker). */
  readonly staleClaimMs: number
  /**
   * How long a claim's lease lasts (default 60 s). A worker's heartbeat renews it every third of that while it works
   * (`holdingClaim`); a lease that ran out is taken back by any process on any host.
   */
  readonly leaseMs?: number
  readonly retry: RetryPolicy
  /**
   * This machine's name when its --out is its own (a cluster runner): recorded on every row it downloads, and its
   * analyze claims take only rows whose audio is here. Unset: nothing recorded, any row claimed.
   */
  readonly audioHost?: string
  /** Most writes committed in one transaction (group commit). */
  readonly maxWriteBatch?: number
}

export interface DownloadedAudio {
  readonly audioPath: string
  readonly measuredDurationSeconds: number
  readonly reported?: { readonly title?: string | null; readonly channel?: string | null; readonly licence?: string | null }
  /** What the decoder warned about while converting; kept on the row (NULL when none). */
  readonly decodeWarnings?: ReadonlyArray<string>
  /** Caption tracks fetched with the media or found beside a local file; none kept when there were none. */
  readonly captions?: ReadonlyArray<CaptionTrack>
}

export interface Decision {
  readonly accepted: boolean
  readonly rule: string
  readonly detail: string
  /** The rules an accepted video met, as JSON, for the dataset card; null when rejected. */
  readonly acceptedUnder?: string | null
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

export interface StateCount {
  readonly state: VideoState
  readonly count: number
}

/** ...and when it finished the work: an earlier failure no longer describes the row. */
const finishedClaim = { ...droppedClaim, lastErrorTag: null, lastErrorMessage: null, nextRetryAt: null } as const

const decodeRows = Schema.decodeUnknown(Schema.Array(ManifestRow))
const decodeDatasetClips = Schema.decodeUnknown(Schema.Array(DatasetClip))
const encodeAnalysis = Schema.encode(Schema.parseJson(Analysis))
const encodeCaptions = Schema.encode(Schema.parseJson(CaptionTracks))

/** A claim's lease when the options set none: a crashed machine's rows wait this long before another takes them. */
export const defaultLeaseMs = 60_000

export const makeManifest = (options: ManifestOptions) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const ownerId = options.owner.id
    const leaseMs = options.leaseMs ?? defaultLeaseMs
    const writer = yield* makeManifestWriter({ maxBatch: options.maxWriteBatch ?? 256 })
    const prepareWrite = yield* makeWriteCommands

    /** Times an operation, from asking to answer, into `storeSeconds`. */
    const timed = (operation: string) =>
      <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.timed(effect).pipe(
          Effect.tap(([elapsed]) => Metric.update(Metric.tagged(storeSeconds, "operation", operation), Duration.toSeconds(elapsed))),
          Effect.map(([, result]) => result)
        )

    /** A read: named for its errors and timed. */
    const query = (operation: string, videoId?: string) =>
      <A, R>(effect: Effect.Effect<A, SqlError | ParseError, R>) => effect.pipe(named(operation, videoId), timed(operation))

    /**
     * A write, on this process's writer, where it commits with the other writes queued meanwhile; answered once
     * committed, timed from asking to answer.
     */
    const write = <C extends ManifestCommand>(command: C) => {
      const prepared = prepareWrite(command)
      return writer.write(operationOf(command), prepared.statements, { oneChange: prepared.oneChange, standalone: prepared.standalone }).pipe(
        timed(operationOf(command))
      ) as Effect.Effect<CommandResult<C>, WriteError>
    }

    const get = (id: VideoId) =>
      sql`SELECT * FROM videos WHERE id = ${id}`.pipe(
        Effect.flatMap(decodeRows),
        query("read", id),
        Effect.flatMap((rows) => rows[0] ? Effect.succeed(rows[0]) : Effect.fail(new VideoNotFound({ videoId: id })))
      )

    /** A transition as a write of its own. */
    const move = (id: VideoId, transition: Transition, fields: Record<string, string | number | null>, heldBy: "owner" | "anyone") =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        write({ _tag: "Move", owner: ownerId, id, transition, fields, heldBy, now })).pipe(Effect.asVoid)

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
          sourceRoot: c.sourceRoot ?? null,
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
        const states = yield* write({ _tag: "InsertVideos", rows })
        const added = states.filter((r) => r.state === "discovered").length
        return { added, skipped: states.length - added, known: rows.length - states.length }
      })

    /** New candidates, none filtered out (local files, URL lists): `recordDiscovery` with nothing skipped. */
    const addCandidates = (candidates: ReadonlyArray<Candidate>) =>
      recordDiscovery(candidates, []).pipe(Effect.map(({ added, known }) => ({ added, known })))

    /** Queues the channel of every accepted (or uploaded) video that was never queued; answers how many. */
    const queueChannelsOfAccepted = Effect.flatMap(Clock.currentTimeMillis, (now) => write({ _tag: "QueueChannels", now }))

    /** Channels waiting to be explored, oldest first: few (one per accepted channel), so read at once. */
    const queuedChannels =
      sql<QueuedChannel>`SELECT id, title FROM channels WHERE state = 'queued' ORDER BY queued_at, id`.pipe(
        query("read queued channels")
      )

    /** A channel was mined: it is not explored again; `found` is how many videos its listing held. */
    const markChannelExplored = (id: string, found: number) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => write({ _tag: "MarkChannelExplored", id, found, now })).pipe(Effect.asVoid)

    const claim = (stage: ClaimingStage, limit: number) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const claimed = yield* write({ _tag: "Claim", owner: ownerId, stage, limit, now, leaseExpiresAt: now + leaseMs, audioHost: options.audioHost ?? null })
        // Rows are checked against the schema after the commit, not while holding the write lock.
        return yield* decodeRows(claimed).pipe(named(`claim ${stage}`))
      })

    /** Pushes out the lease of a claim this process holds; answers whether it still held it. */
    const renewLease = (stage: ClaimingStage, id: VideoId) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        write({ _tag: "RenewLease", owner: ownerId, id, stage, now, leaseExpiresAt: now + leaseMs }))

    /** Renews a claim's lease every third of its length until the claim is found gone. */
    const heartbeat = (stage: ClaimingStage, id: VideoId) =>
      Effect.sleep(Duration.millis(leaseMs / 3)).pipe(
        Effect.zipRight(renewLease(stage, id).pipe(
          // A failed renewal is not the work's failure: the next beat tries again, and if the lease runs out
          // meanwhile the claim is taken back and the work's result is refused (ClaimLost).
          Effect.catchAll((error) => Effect.logWarning(`could not renew the lease on ${id}: ${error.message}`).pipe(Effect.as(true)))
        )),
        Effect.repeat({ while: (held) => held }),
        Effect.asVoid
      )

    /**
     * Runs `work` on a claim of `id` this process holds, with a heartbeat renewing its lease meanwhile. The heartbeat
     * is scoped to the work: it stops when the work ends, however it ends, and the lease then runs out by itself if
     * the claim was not finished or handed back.
     */
    const holdingClaim = (stage: ClaimingStage, id: VideoId) =>
      <A, E, R>(work: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
        Effect.scoped(Effect.zipRight(Effect.forkScoped(heartbeat(stage, id)), work))

    /** Puts failed or skipped rows back in the queue (all of the state, or of a tag, or the given ids); answers how many. */
    const retry = (selection: RetrySelection) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        write({ _tag: "Requeue", state: selection.state, tag: selection.tag ?? null, ids: [...(selection.ids ?? [])], now }))

    const release = (stage: ClaimingStage, id: VideoId) => move(id, Transition.Release({ stage }), droppedClaim, "owner")

    /** The audio is in place; what the host said about the video (title, channel, licence) is kept when it said it. */
    const completeDownload = (id: VideoId, result: DownloadedAudio) =>
      Effect.gen(function* () {
        const captions = result.captions && result.captions.length > 0
          ? yield* encodeCaptions(result.captions).pipe(query("encode captions", id))
          : null
        yield* move(id, Transition.Complete({ stage: "download" }), {
          audioPath: result.audioPath,
          audioHost: options.audioHost ?? null,
          measuredDurationSeconds: result.measuredDurationSeconds,
          decodeWarnings: result.decodeWarnings !== undefined && result.decodeWarnings.length > 0 ? result.decodeWarnings.join(" | ") : null,
          ...Object.fromEntries(Object.entries(result.reported ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === "string")),
          captions,
          ...finishedClaim
        }, "owner")
      })

    const completeAnalysis = (id: VideoId, analysis: Analysis) =>
      Effect.gen(function* () {
        const analysisJson = yield* encodeAnalysis(analysis).pipe(query("encode analysis", id))
        yield* move(id, Transition.Complete({ stage: "analyze" }), {
          analysis: analysisJson,
          speechSeconds: analysis.speechSeconds,
          childSpeechSeconds: analysis.childSpeechSeconds,
          childShare: analysis.childShare,
          language: analysis.language,
          languageConfidence: analysis.languageConfidence,
          ...finishedClaim
        }, "owner")
      })

    /**
     * Records a failure once: attempts counted, cause kept, and a retry time only for retryable failures with attempts
     * left; a failure that names its own retry time (`notBefore`) gets that time and spends no attempt.
     */
    const fail = (stage: ClaimingStage, id: VideoId, failure: StageFailure) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const jitter = yield* Random.next
        return yield* write({
          _tag: "RecordFailure",
          owner: ownerId,
          id,
          stage,
          failure: { _tag: failure._tag, message: failure.message, retryable: failure.retryable, notBefore: failure.notBefore },
          retry: options.retry,
          jitter,
          now
        })
      })

    /** Curate's verdict and its clips in one transaction: a crash leaves either both or neither. */
    const decide = (id: VideoId, decision: Decision, clips: ReadonlyArray<Clip>) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        write({
          _tag: "Decide",
          id,
          accepted: decision.accepted,
          rule: decision.rule,
          detail: decision.detail,
          acceptedUnder: decision.acceptedUnder ?? null,
          clips: clips.map((c) => ({
            fileName: c.fileName,
            startSeconds: c.start,
            endSeconds: c.end,
            childScore: c.childScore,
            language: c.language,
            text: c.text,
            textSource: c.textSource,
            cueStart: c.cueStart,
            cueEnd: c.cueEnd,
            textModel: c.textModel,
            textError: c.textError
          })),
          now
        })).pipe(Effect.asVoid)

    const skip = (id: VideoId, reason: { tag: string; message: string }) =>
      move(id, Transition.Skip(), { lastErrorTag: reason.tag, lastErrorMessage: reason.message, nextRetryAt: null, ...droppedClaim }, "anyone")

    /**
     * Gives back claims whose owner died (same host, process gone), whose lease ran out, or older than `staleClaimMs`. Judged here,
     * by this process's view of which processes live; the write gives back each claim only if it is unchanged.
     */
    const reclaimStale = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const inFlight = yield* sql<{ id: VideoId; state: VideoState; claimedBy: string | null; claimedAt: number | null; leaseExpiresAt: number | null }>`
        SELECT id, state, claimed_by, claimed_at, lease_expires_at FROM videos WHERE state IN ${sql.in(
          ClaimingStage.literals.map((s) => claimingStates[s].inFlight)
        )}`.pipe(query("find in-flight claims"))
      const stale = inFlight.filter((row) =>
        row.claimedBy !== ownerId && isClaimStale(options.owner, row, now, options.staleClaimMs))
      if (stale.length === 0) return 0
      return yield* write({
        _tag: "ReleaseClaims",
        claims: stale.map((row) => ({
          id: row.id,
          stage: ClaimingStage.literals.find((s) => claimingStates[s].inFlight === row.state)!,
          claimedBy: row.claimedBy,
          claimedAt: row.claimedAt,
          leaseExpiresAt: row.leaseExpiresAt
        })),
        now
      })
    })

    /** When the earliest retryable failure of a stage becomes due, or null when none waits. */
    /** The earliest retry of a stage's failed rows, leaving out failures with these tags (the run does not wait for those). */
    const nextRetryDue = (stage: ClaimingStage, exceptTags: ReadonlyArray<string> = []) =>
      sql<{ due: number | null }>`SELECT MIN(next_retry_at) AS due FROM videos WHERE state = 'failed' AND failed_stage = ${stage}
        AND (last_error_tag IS NULL OR last_error_tag NOT IN ${sql.in([...exceptTags, ""])})`.pipe(
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
               c.text, c.text_source, c.cue_start, c.cue_end, c.text_model, c.text_error,
               c.video_id, v.kind, v.source_url, v.source_root, v.title, v.licence, v.channel_id, v.channel, v.accepted_under
        FROM clips c JOIN videos v ON v.id = c.video_id
        WHERE v.state IN ('accepted', 'uploaded') AND c.file_name > ${afterFileName}
        ORDER BY c.file_name LIMIT ${limit}`.pipe(Effect.flatMap(decodeDatasetClips), query("read clips"))

    /**
     * Clips of the dataset (accepted or uploaded videos: another target may already hold them) that `target`
     * does not hold yet, after `afterFileName`, in file name order; with `audioHost`, only those cut on that machine
     * (a cluster runner sends the clips its own --out holds).
     */
    const clipsToUpload = (target: string, limit: number, afterFileName = "", audioHost?: string) =>
      sql<{ fileName: string; videoId: VideoId; language: string }>`
        SELECT c.file_name, c.video_id, c.language FROM clips c JOIN videos v ON v.id = c.video_id
        WHERE v.state IN ('accepted', 'uploaded') AND c.file_name > ${afterFileName}
          ${audioHost === undefined ? sql`` : sql`AND (v.audio_host IS NULL OR v.audio_host = ${audioHost})`}
          AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.file_name = c.file_name AND u.target = ${target})
        ORDER BY c.file_name LIMIT ${limit}`.pipe(query("find clips to upload"))

    /** Records that `target` holds a clip; when it holds every clip of the video, the video becomes `uploaded`. */
    const recordUpload = (upload: { fileName: string; videoId: VideoId; target: string; sha256: string; remote: string }) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => write({ _tag: "RecordUpload", ...upload, now })).pipe(Effect.asVoid)

    const uploadsFor = (target: string) =>
      sql<{ fileName: string; sha256: string; remote: string }>`SELECT file_name, sha256, remote FROM uploads WHERE target = ${target} ORDER BY file_name`.pipe(
        query("read uploads")
      )

    const failuresByTag = sql<{ lastErrorTag: string; count: number }>`
      SELECT last_error_tag, COUNT(*) AS count FROM videos WHERE state IN ('failed', 'skipped') GROUP BY last_error_tag`.pipe(
      query("count failures")
    )

    /** Kept files ffmpeg warned about while decoding them: how many, and the `limit` most recently updated. */
    const decodeWarnings = (limit: number) =>
      Effect.all({
        count: sql<{ count: number | string }>`SELECT COUNT(*) AS count FROM videos WHERE decode_warnings IS NOT NULL`.pipe(
          Effect.map((rows) => Number(rows[0]?.count ?? 0))
        ),
        latest: sql<{ id: VideoId; decodeWarnings: string }>`
          SELECT id, decode_warnings FROM videos WHERE decode_warnings IS NOT NULL ORDER BY updated_at DESC, id LIMIT ${limit}`
      }).pipe(query("read decode warnings"))

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
      holdingClaim,
      renewLease,
      release,
      retry,
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
      decodeWarnings,
      totals
    } as const
  })

export class Manifest extends Context.Tag("kidvoice/Manifest")<
  Manifest,
  Effect.Effect.Success<ReturnType<typeof makeManifest>>
>() {
  static readonly layer = (options: ManifestOptions) => Layer.scoped(Manifest, makeManifest(options))
}
