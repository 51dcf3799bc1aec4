import { Data, Effect } from "effect"
import { promises as fs } from "node:fs"

/** Not enough room to write what a stage must write. The video is not at fault: its claim goes back, the stage stops. */
export class OutOfDiskSpace extends Data.TaggedError("OutOfDiskSpace")<{
  readonly path: string
  readonly bytesNeeded: number
  /** What the filesystem reported free, when known. */
  readonly bytesFree: number | null
}> {
  readonly retryable = true
  override get message() {
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`
    return `not enough disk space under ${this.path}: ${mb(this.bytesNeeded)} needed (the file and a reserve for the manifest)` +
      (this.bytesFree === null ? "" : `, ${mb(this.bytesFree)} free`) +
      `. Partial files were removed and the video stays queued; free some space (or use another --out) and run again.`
  }
}

/**
 * Room kept free beyond any file a stage writes, for the manifest (its WAL grows to a few MB between
 * checkpoints) and the dataset files: a stage stops before the disk is so full that the manifest cannot record it.
 */
export const reserveBytes = 16 * 1024 * 1024

/** Fails with OutOfDiskSpace unless `dir`'s filesystem has `bytesNeeded` plus the reserve free for an unprivileged writer. */
export const ensureFreeSpace = (dir: string, bytesNeeded: number) =>
  Effect.promise(() => fs.statfs(dir).then((s) => s.bavail * s.bsize, () => null)).pipe(
    Effect.flatMap((bytesFree) =>
      bytesFree !== null && bytesFree < bytesNeeded + reserveBytes
        ? Effect.fail(new OutOfDiskSpace({ path: dir, bytesNeeded: bytesNeeded + reserveBytes, bytesFree }))
        : Effect.void
    )
  )

/** An error a tool reported that means the disk is full. */
export const isDiskFullText = (text: string) => /No space left on device|ENOSPC|Disk quota exceeded|EDQUOT/i.test(text)
