import { Data } from "effect"
import type { ClaimingStage, IllegalTransition } from "../domain/VideoState.js"

/** The manifest file cannot be opened as a database: say which file and what to do, touch nothing. */
export class ManifestOpenError extends Data.TaggedError("ManifestOpenError")<{
  readonly path: string
  readonly reason: string
  /** What recovers, with the snapshot's name, when it is known. */
  readonly advice?: string
  /** The database could not be reached or said "not now" (postgresOpenFailure.ts): trying again later may work. */
  readonly transient?: boolean
}> {
  override get message() {
    return `cannot open the manifest ${this.path}: ${this.reason}. Nothing was changed; kidvoice does not start a new manifest over it. ` +
      (this.advice ?? "kidvoice doctor --repair moves it aside and restores the last good snapshot; or move it aside yourself to start a new manifest.")
  }
}

/** A query failed. Carries the operation and the video it was for, and the driver's cause. */
export class ManifestQueryError extends Data.TaggedError("ManifestQueryError")<{
  readonly operation: string
  readonly videoId?: string
  readonly cause: unknown
}> {
  /** The driver's own words for what went wrong. */
  get detail() {
    return this.cause instanceof Error ? (this.cause.cause instanceof Error ? this.cause.cause.message : this.cause.message) : String(this.cause)
  }

  override get message() {
    const detail = this.detail
    const hint = /disk is full|SQLITE_FULL|No space left/i.test(detail)
      ? " Free space on the disk holding the manifest and run again; claims left behind are reclaimed by the next run."
      : ""
    return `manifest ${this.operation}${this.videoId ? ` for ${this.videoId}` : ""} failed: ${detail}. The row was not changed.${hint}`
  }
}

export class VideoNotFound extends Data.TaggedError("VideoNotFound")<{ readonly videoId: string }> {
  override get message() {
    return `no video ${this.videoId} in the manifest`
  }
}

/** A claimed row was changed by someone else while this worker held it (e.g. reclaimed after a long stall). */
export class ClaimLost extends Data.TaggedError("ClaimLost")<{
  readonly videoId: string
  readonly stage: ClaimingStage
}> {
  override get message() {
    return `the ${this.stage} claim on ${this.videoId} was taken back before the work finished; its result was not recorded`
  }
}

export type ManifestError = ManifestQueryError | VideoNotFound | IllegalTransition | ClaimLost
