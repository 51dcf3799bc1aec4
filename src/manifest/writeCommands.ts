import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import type { ParseError } from "effect/ParseResult"
import { Effect, Either, Schema } from "effect"
import { afterFailure } from "../domain/RetryPolicy.js"
import {
  ClaimingStage,
  claimingStates,
  IllegalTransition,
  type Position,
  transition,
  Transition,
  VideoState
} from "../domain/VideoState.js"
import { VideoId } from "../domain/VideoId.js"
import { ClaimLost, ManifestQueryError, VideoNotFound } from "./ManifestErrors.js"
import { isPostgres } from "./dialect.js"
import { type CompiledStatement, executeCompiled } from "./ManifestWriter.js"

/*
 * Every change to the manifest as data: a command says what to write, and `prepareWrite` turns it into the
 * statements the manifest writer runs. The time, the owner and any randomness are fixed by whoever asks, so
 * running a command's statements again (a batch retried after a deadlock) writes the same thing.
 */

const Owner = Schema.String
const Now = Schema.Number
const FieldValue = Schema.Union(Schema.String, Schema.Number, Schema.Null)
/** Column values by field name (camelCase), as `sql.update`/`sql.insert` take them. */
const Fields = Schema.Record({ key: Schema.String, value: FieldValue })

const TransitionData = Schema.Union(
  Schema.TaggedStruct("Claim", { stage: ClaimingStage }),
  Schema.TaggedStruct("Complete", { stage: ClaimingStage }),
  Schema.TaggedStruct("Release", { stage: ClaimingStage }),
  Schema.TaggedStruct("Fail", { stage: ClaimingStage }),
  Schema.TaggedStruct("Decide", { accepted: Schema.Boolean }),
  Schema.TaggedStruct("Skip", {}),
  Schema.TaggedStruct("Upload", {})
)

/** A transition read back from data, as the rule book's own value. */
export const transitionFromData = (t: typeof TransitionData.Type): Transition => {
  switch (t._tag) {
    case "Claim": return Transition.Claim({ stage: t.stage })
    case "Complete": return Transition.Complete({ stage: t.stage })
    case "Release": return Transition.Release({ stage: t.stage })
    case "Fail": return Transition.Fail({ stage: t.stage })
    case "Decide": return Transition.Decide({ accepted: t.accepted })
    case "Skip": return Transition.Skip()
    case "Upload": return Transition.Upload()
  }
}

export const ManifestCommand = Schema.Union(
  /** Takes up to `limit` rows waiting for `stage` for `owner`, each with a lease that runs out at `leaseExpiresAt`. */
  Schema.TaggedStruct("Claim", {
    owner: Owner,
    stage: ClaimingStage,
    limit: Schema.Int,
    now: Now,
    leaseExpiresAt: Now,
    /** Only rows whose audio is on this machine (or on none in particular); absent: any row. Ignored for download. */
    audioHost: Schema.optional(Schema.NullOr(Schema.String))
  }),
  /** The heartbeat of a claim `owner` still works on: its lease is pushed out to `leaseExpiresAt`. */
  Schema.TaggedStruct("RenewLease", { owner: Owner, id: VideoId, stage: ClaimingStage, now: Now, leaseExpiresAt: Now }),
  /** One state transition of one row, with the fields it sets; `heldBy: "owner"` only while `owner` holds its claim. */
  Schema.TaggedStruct("Move", {
    owner: Owner,
    id: VideoId,
    transition: TransitionData,
    fields: Fields,
    heldBy: Schema.Literal("owner", "anyone"),
    now: Now
  }),
  /** A stage failed on a claimed row: attempts counted and the retry time set from the row's count. */
  Schema.TaggedStruct("RecordFailure", {
    owner: Owner,
    id: VideoId,
    stage: ClaimingStage,
    failure: Schema.Struct({ _tag: Schema.String, message: Schema.String, retryable: Schema.Boolean, notBefore: Schema.optional(Schema.Number) }),
    /** The asker's retry policy: processes on one manifest may run with different `--max-attempts`. */
    retry: Schema.Struct({ maxAttempts: Schema.Number, baseDelayMs: Schema.Number, maxDelayMs: Schema.Number }),
    jitter: Schema.Number,
    now: Now
  }),
  /** Curate's verdict and the clips cut, together. */
  Schema.TaggedStruct("Decide", {
    id: VideoId,
    accepted: Schema.Boolean,
    rule: Schema.String,
    detail: Schema.String,
    /** The rules an accepted video met (JSON); optional so a request from an older process still decodes. */
    acceptedUnder: Schema.optional(Schema.NullOr(Schema.String)),
    clips: Schema.Array(Fields),
    now: Now
  }),
  /** Discovered (or filtered) rows, complete; ids already known are left alone. */
  Schema.TaggedStruct("InsertVideos", { rows: Schema.Array(Fields) }),
  Schema.TaggedStruct("QueueChannels", { now: Now }),
  Schema.TaggedStruct("MarkChannelExplored", { id: Schema.String, found: Schema.Int, now: Now }),
  /** Gives back claims the asker judged stale, each only if it is still exactly the claim that was judged. */
  Schema.TaggedStruct("ReleaseClaims", {
    claims: Schema.Array(Schema.Struct({
      id: VideoId,
      stage: ClaimingStage,
      claimedBy: Schema.NullOr(Schema.String),
      claimedAt: Schema.NullOr(Schema.Number),
      /** The lease as judged: a holder that renewed it since is alive, and keeps its claim. */
      leaseExpiresAt: Schema.optional(Schema.NullOr(Schema.Number))
    })),
    now: Now
  }),
  /**
   * Puts chosen failed or skipped rows back in the queue (`kidvoice retry`, or a missing source file named again):
   * a failed row becomes due now with its attempts reset (it stays `failed` until a worker claims it, so the rule
   * book is unchanged); a skipped row returns to `discovered`. `ids` empty: every row in the state (and tag).
   */
  Schema.TaggedStruct("Requeue", {
    state: Schema.Literal("failed", "skipped"),
    tag: Schema.NullOr(Schema.String),
    ids: Schema.Array(VideoId),
    now: Now
  }),
  Schema.TaggedStruct("RecordUpload", {
    fileName: Schema.String,
    videoId: VideoId,
    target: Schema.String,
    sha256: Schema.String,
    remote: Schema.String,
    now: Now
  })
)
export type ManifestCommand = typeof ManifestCommand.Type
type CommandOf<Tag extends ManifestCommand["_tag"]> = Extract<ManifestCommand, { _tag: Tag }>

/** What each command answers once committed. */
export interface CommandResults {
  readonly Claim: ReadonlyArray<unknown>
  /** Whether the owner still held the claim (false: it was taken back, and the lease was not renewed). */
  readonly RenewLease: boolean
  readonly Move: null
  readonly RecordFailure: { readonly attempts: number; readonly nextRetryAt: number | null }
  readonly Decide: null
  readonly InsertVideos: ReadonlyArray<{ readonly state: VideoState }>
  readonly QueueChannels: number
  readonly MarkChannelExplored: null
  readonly ReleaseClaims: number
  readonly Requeue: number
  readonly RecordUpload: null
}
export type CommandResult<C extends ManifestCommand> = CommandResults[C["_tag"]]

export type WriteError = ManifestQueryError | VideoNotFound | IllegalTransition | ClaimLost

/** A command ready for the writer: statements compiled where they can be, so the write lock is held for SQLite's work. */
export interface PreparedWrite {
  readonly statements: Effect.Effect<unknown, WriteError, SqlClient.TransactionConnection>
  /** At most one statement changes anything, so the writer needs no savepoint for it. */
  readonly oneChange: boolean
  /** A single statement (any read after it only explains a failure): PostgreSQL may commit it on its own. */
  readonly standalone?: boolean
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
const legalSources = (t: Transition): ReadonlyArray<Position> => {
  const key = JSON.stringify(t)
  let sources = legalSourcesByTransition.get(key)
  if (sources === undefined) {
    sources = allPositions.filter((p) => Either.isRight(transition(p, t)))
    legalSourcesByTransition.set(key, sources)
  }
  return sources
}
const legalSourcesByTransition = new Map<string, ReadonlyArray<Position>>()

const targetOf = (t: Transition): Position => Either.getOrThrow(transition(legalSources(t)[0]!, t))

/** Fields cleared when a worker lets go of a row. */
export const droppedClaim = { claimedBy: null, claimedAt: null, leaseExpiresAt: null } as const

/** Rows per INSERT statement, well under SQLite's bound-variable limit. */
const insertChunk = 500

/** The name a command's write goes by in errors and metrics. */
export const operationOf = (command: ManifestCommand): string => {
  switch (command._tag) {
    case "Claim": return `claim ${command.stage}`
    case "RenewLease": return "renew lease"
    case "Move": return `transition ${command.transition._tag}`
    case "RecordFailure": return "transition Fail"
    case "Decide": return "decide"
    case "InsertVideos": return "record discovery"
    case "QueueChannels": return "queue channels"
    case "MarkChannelExplored": return "mark channel explored"
    case "ReleaseClaims": return "reclaim stale claims"
    case "Requeue": return "requeue"
    case "RecordUpload": return "record upload"
  }
}

/** Names a statement for its errors. */
export const named = (operation: string, videoId?: string) =>
  <A, R>(effect: Effect.Effect<A, SqlError | ParseError, R>) =>
    Effect.mapError(effect, (cause) => new ManifestQueryError({ operation, videoId, cause }))

/** The manifest's statements for each command, on the manifest's SQL client. */
export const makeWriteCommands =
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // PostgreSQL: a claim skips rows another transaction is claiming right now instead of waiting for them and then
    // finding them taken. SQLite has one writer at a time, so there is nothing to skip.
    const skipLocked = sql.literal(isPostgres(sql) ? "FOR UPDATE SKIP LOCKED" : "")

    const positionClause = (positions: ReadonlyArray<Position>) =>
      sql.or(positions.map((p) =>
        p.failedStage === null
          ? sql`(state = ${p.state})`
          : sql`(state = ${p.state} AND failed_stage = ${p.failedStage})`
      ))

    const readRow = (id: VideoId) =>
      sql<{ state: VideoState; failedStage: ClaimingStage | null; attempts: number }>`
        SELECT state, failed_stage, attempts FROM videos WHERE id = ${id}`.pipe(
        named("read", id),
        Effect.flatMap((rows) => rows[0] ? Effect.succeed(rows[0]) : Effect.fail(new VideoNotFound({ videoId: id })))
      )

    /**
     * One transition as one guarded UPDATE: it only matches a row in a legal source position
     * (and, for in-flight work, still held by the owner), so concurrent writers cannot both win.
     */
    const compileMove = (owner: string, id: VideoId, t: Transition, fields: Record<string, unknown>, heldBy: "owner" | "anyone", now: number) => {
      const to = targetOf(t)
      return sql`
        UPDATE videos SET ${sql.update({ ...fields, state: to.state, failedStage: to.failedStage, updatedAt: now })}
        WHERE id = ${id} AND ${positionClause(legalSources(t))}
        ${heldBy === "owner" ? sql`AND claimed_by = ${owner}` : sql``}
        RETURNING id`.compile()
    }

    /** Runs a compiled transition; when it matched no row, fails with the reason. */
    const runMove = (id: VideoId, t: Transition, update: CompiledStatement) =>
      Effect.gen(function* () {
        const changed = yield* executeCompiled(update).pipe(named(`transition ${t._tag}`, id))
        if (changed.length === 1) return null
        const row = yield* readRow(id)
        if ("stage" in t && row.state === claimingStates[t.stage].inFlight) {
          return yield* new ClaimLost({ videoId: id, stage: t.stage })
        }
        return yield* new IllegalTransition({ from: { state: row.state, failedStage: row.failedStage }, transition: t })
      })

    const move = (c: CommandOf<"Move">): PreparedWrite => {
      const t = transitionFromData(c.transition)
      return {
        statements: runMove(c.id, t, compileMove(c.owner, c.id, t, c.fields, c.heldBy, c.now)),
        oneChange: true,
        standalone: true
      }
    }

    const claim = (c: CommandOf<"Claim">): PreparedWrite => {
      const t = Transition.Claim({ stage: c.stage })
      const to = targetOf(t)
      const fresh = positionClause(legalSources(t).filter((p) => p.state !== "failed"))
      // A cluster runner analyzes only the audio its own --out holds.
      const here = c.audioHost === undefined || c.audioHost === null || c.stage === "download"
        ? sql``
        : sql`AND (audio_host IS NULL OR audio_host = ${c.audioHost})`
      // Two index walks merged, rather than one OR that makes SQLite sort every waiting row under the write lock:
      // fresh rows oldest first (videos_claim), due retries earliest due first (videos_state). A claim then costs
      // the same at ten thousand rows and at a million. In PostgreSQL each walk locks what it picks, skipping rows
      // other processes are claiming at the same moment, so two claims never get one row and neither waits.
      const update = sql`
        UPDATE videos SET state = ${to.state}, failed_stage = NULL, claimed_by = ${c.owner}, claimed_at = ${c.now},
          lease_expires_at = ${c.leaseExpiresAt}, updated_at = ${c.now}
        WHERE id IN (
          SELECT id FROM (
            SELECT * FROM (SELECT id, created_at FROM videos WHERE ${fresh} ${here} ORDER BY created_at, id LIMIT ${c.limit} ${skipLocked}) AS fresh
            UNION ALL
            SELECT * FROM (
              SELECT id, created_at FROM videos
              WHERE state = 'failed' AND next_retry_at IS NOT NULL AND next_retry_at <= ${c.now} AND failed_stage = ${c.stage} ${here}
              ORDER BY next_retry_at LIMIT ${c.limit} ${skipLocked}) AS due
          ) AS waiting ORDER BY created_at, id LIMIT ${c.limit})
        RETURNING *`.compile()
      return { statements: executeCompiled(update).pipe(named(`claim ${c.stage}`)), oneChange: true, standalone: true }
    }

    const renewLease = (c: CommandOf<"RenewLease">): PreparedWrite => ({
      statements: sql`
        UPDATE videos SET lease_expires_at = ${c.leaseExpiresAt}
        WHERE id = ${c.id} AND state = ${claimingStates[c.stage].inFlight} AND claimed_by = ${c.owner}
        RETURNING id`.pipe(Effect.map((rows) => rows.length === 1), named("renew lease", c.id)),
      oneChange: true,
      standalone: true
    })

    /** Counts the attempt (unless the failure names its own retry time) and sets the retry from the row's own count, read in the same transaction. */
    const recordFailure = (c: CommandOf<"RecordFailure">): PreparedWrite => ({
      statements: Effect.gen(function* () {
        const row = yield* readRow(c.id)
        const { attempts, nextRetryAt: retryAt } = afterFailure(c.retry, c.failure, row.attempts, c.now, c.jitter)
        const t = Transition.Fail({ stage: c.stage })
        yield* runMove(c.id, t, compileMove(c.owner, c.id, t, {
          attempts,
          lastErrorTag: c.failure._tag,
          lastErrorMessage: c.failure.message,
          nextRetryAt: retryAt,
          ...droppedClaim
        }, "owner", c.now))
        return { attempts, nextRetryAt: retryAt }
      }),
      oneChange: true
    })

    /** The verdict and its clips in one transaction: a crash leaves either both or neither. */
    const decide = (c: CommandOf<"Decide">): PreparedWrite => ({
      statements: Effect.gen(function* () {
        const t = Transition.Decide({ accepted: c.accepted })
        yield* runMove(c.id, t, compileMove("", c.id, t, { decisionRule: c.rule, decisionDetail: c.detail, acceptedUnder: c.acceptedUnder ?? null }, "anyone", c.now))
        yield* sql`DELETE FROM clips WHERE video_id = ${c.id}`
        if (c.clips.length > 0) yield* sql`INSERT INTO clips ${sql.insert(c.clips.map((clip) => ({ videoId: c.id, ...clip })))}`
        return null
      }).pipe(Effect.catchTag("SqlError", (cause) => new ManifestQueryError({ operation: "decide", videoId: c.id, cause }))),
      oneChange: false
    })

    const insertVideos = (c: CommandOf<"InsertVideos">): PreparedWrite => ({
      statements: Effect.forEach(
        Array.from({ length: Math.ceil(c.rows.length / insertChunk) }, (_, i) => c.rows.slice(i * insertChunk, (i + 1) * insertChunk)),
        (chunk) => sql<{ state: VideoState }>`INSERT INTO videos ${sql.insert(chunk)} ON CONFLICT (id) DO NOTHING RETURNING state`
      ).pipe(Effect.map((chunks) => chunks.flat()), named("record discovery")),
      oneChange: false
    })

    /**
     * Queues the channel of every accepted (or uploaded) video that was never queued. Derived from the rows rather
     * than written beside each verdict, so a crash between a verdict and its queueing loses no channel.
     */
    const queueChannels = (c: CommandOf<"QueueChannels">): PreparedWrite => ({
      statements: sql`
        INSERT INTO channels (id, title, state, queued_at)
        SELECT channel_id, MAX(channel), 'queued', ${c.now} FROM videos
        WHERE state IN ('accepted', 'uploaded') AND channel_id IS NOT NULL GROUP BY channel_id
        ON CONFLICT (id) DO NOTHING RETURNING id`.pipe(Effect.map((rows) => rows.length), named("queue channels")),
      oneChange: true
    })

    const markChannelExplored = (c: CommandOf<"MarkChannelExplored">): PreparedWrite => ({
      statements: sql`UPDATE channels SET state = 'explored', explored_at = ${c.now}, found = ${c.found} WHERE id = ${c.id}`.pipe(
        Effect.as(null),
        named("mark channel explored")
      ),
      oneChange: true
    })

    const releaseClaims = (c: CommandOf<"ReleaseClaims">): PreparedWrite => ({
      statements: Effect.reduce(c.claims, 0, (released, claim) =>
        sql`
          UPDATE videos SET state = ${claimingStates[claim.stage].input}, claimed_by = NULL, claimed_at = NULL, lease_expires_at = NULL,
            updated_at = ${c.now}
          WHERE id = ${claim.id} AND state = ${claimingStates[claim.stage].inFlight}
            AND claimed_by IS NOT DISTINCT FROM ${claim.claimedBy} AND claimed_at IS NOT DISTINCT FROM ${claim.claimedAt}
            ${claim.leaseExpiresAt === undefined ? sql`` : sql`AND lease_expires_at IS NOT DISTINCT FROM ${claim.leaseExpiresAt}`}
          RETURNING id`.pipe(
          Effect.map((rows) => released + rows.length),
          named("reclaim stale claim", claim.id)
        )),
      oneChange: false
    })

    const requeue = (c: CommandOf<"Requeue">): PreparedWrite => {
      const chosen = sql.and([
        sql`state = ${c.state}`,
        ...(c.tag === null ? [] : [sql`last_error_tag = ${c.tag}`]),
        ...(c.ids.length === 0 ? [] : [sql.in("id", c.ids)])
      ])
      const update = c.state === "failed"
        ? sql`UPDATE videos SET attempts = 0, next_retry_at = ${c.now}, updated_at = ${c.now} WHERE ${chosen} RETURNING id`
        : sql`UPDATE videos SET state = 'discovered', failed_stage = NULL, attempts = 0, next_retry_at = NULL, updated_at = ${c.now}
              WHERE ${chosen} RETURNING id`
      return { statements: update.pipe(Effect.map((rows) => rows.length), named("requeue")), oneChange: true }
    }

    /**
     * Records that a target holds a clip; when it holds every clip of the video, the video becomes `uploaded`.
     * One transaction, so a crash leaves the record and the state change together or not at all.
     */
    const recordUpload = (c: CommandOf<"RecordUpload">): PreparedWrite => ({
      statements: Effect.gen(function* () {
        yield* sql`INSERT INTO uploads ${sql.insert({
          fileName: c.fileName,
          target: c.target,
          sha256: c.sha256,
          remote: c.remote,
          uploadedAt: c.now
        })} ON CONFLICT (file_name, target) DO NOTHING`
        const [left] = yield* sql<{ missing: number }>`
          SELECT COUNT(*) AS missing FROM clips c WHERE c.video_id = ${c.videoId}
            AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.file_name = c.file_name AND u.target = ${c.target})`
        if (left?.missing === 0) {
          const t = Transition.Upload()
          yield* runMove(c.videoId, t, compileMove("", c.videoId, t, {}, "anyone", c.now)).pipe(
            Effect.catchTag("IllegalTransition", () => Effect.void)
          )
        }
        return null
      }).pipe(Effect.catchTag("SqlError", (cause) => new ManifestQueryError({ operation: "record upload", videoId: c.videoId, cause }))),
      oneChange: false
    })

    /** The statements for a command. Compiles what it can now, outside the write lock. */
    const prepareWrite = (command: ManifestCommand): PreparedWrite => {
      switch (command._tag) {
        case "Claim": return claim(command)
        case "RenewLease": return renewLease(command)
        case "Move": return move(command)
        case "RecordFailure": return recordFailure(command)
        case "Decide": return decide(command)
        case "InsertVideos": return insertVideos(command)
        case "QueueChannels": return queueChannels(command)
        case "MarkChannelExplored": return markChannelExplored(command)
        case "ReleaseClaims": return releaseClaims(command)
        case "Requeue": return requeue(command)
        case "RecordUpload": return recordUpload(command)
      }
    }

    return prepareWrite
  })
