import { Data, Effect } from "effect"
import { promises as fs } from "node:fs"
import { basename, dirname, join } from "node:path"

export class FileWriteError extends Data.TaggedError("FileWriteError")<{
  readonly path: string
  readonly operation: string
  readonly cause: unknown
}> {
  /** Out of space or handles is worth another try later; a bad path or permission is not. */
  get retryable() {
    return ["ENOSPC", "EAGAIN", "EBUSY", "EMFILE", "ENFILE"].includes((this.cause as NodeJS.ErrnoException | undefined)?.code ?? "")
  }
  override get message() {
    const code = (this.cause as NodeJS.ErrnoException | undefined)?.code
    const hint = code === "ENOSPC" ? " (the disk is full: free space and run again)" : code === "EACCES" ? " (permission denied)" : ""
    return `could not ${this.operation} ${this.path}: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}${hint}`
  }
}

/** A writer's temp file beside its target: `.<name>.<pid>.<ms>.tmp`, so a later run can tell whose it was. */
const atomicTempName = (name: string) => `.${name}.${process.pid}.${Date.now()}.tmp`

const atomicTempPattern = /^\.(.+)\.(\d+)\.(\d+)\.tmp$/

/** The pid in an atomic write's temp file name, or null for any other name. */
export const atomicTempOwnerPid = (name: string): number | null => {
  const match = atomicTempPattern.exec(name)
  return match ? Number(match[2]) : null
}

const syncDirectoryOnce = async (dir: string) => {
  const handle = await fs.open(dir, "r")
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

interface DirectorySync {
  running: Promise<void>
  next: Promise<void> | undefined
}

const directorySyncs = new Map<string, DirectorySync>()

const ignore = () => undefined

const settled = (dir: string, sync: Promise<void>) => {
  const entry = directorySyncs.get(dir)
  if (entry?.running === sync && entry.next === undefined) directorySyncs.delete(dir)
}

/**
 * fsyncs `dir` so that every rename into it made before the call survives a power cut. A sync already running may
 * have begun before the caller's rename, so the caller waits for the next one, and everyone who asks meanwhile shares
 * that next one: writers finishing together into one folder (clips, downloaded audio) pay one directory fsync per
 * round instead of one each.
 */
export const syncDirectoryShared = (dir: string): Promise<void> => {
  const entry = directorySyncs.get(dir)
  if (entry?.next) return entry.next
  if (entry) {
    const next: Promise<void> = entry.running.then(ignore, ignore).then(() => {
      entry.running = next
      entry.next = undefined
      return syncDirectoryOnce(dir)
    }).finally(() => settled(dir, next))
    entry.next = next
    return next
  }
  const running: Promise<void> = syncDirectoryOnce(dir).finally(() => settled(dir, running))
  directorySyncs.set(dir, { running, next: undefined })
  return running
}

const fsyncDirectory = (dir: string) => Effect.promise(() => syncDirectoryShared(dir))

/**
 * Moves a finished file into place so readers see the old file or the new one, never half of it,
 * and the rename itself survives a power cut (the directory is synced after it).
 */
export const moveIntoPlace = (from: string, to: string) =>
  Effect.tryPromise({
    try: async () => {
      await fs.mkdir(dirname(to), { recursive: true })
      await fs.rename(from, to)
    },
    catch: (cause) => new FileWriteError({ path: to, operation: "move a finished file to", cause })
  }).pipe(Effect.zipRight(fsyncDirectory(dirname(to))))

/**
 * Writes a file atomically from data produced piece by piece (so a large export never sits in memory whole):
 * a temp file in the same directory, fsync, rename, fsync the directory. Readers see the old file or the
 * new one, never half of it; the temp file is removed whatever happens, interruption included.
 */
export const writeAtomic = <E, R>(
  path: string,
  produce: (write: (data: string | Uint8Array) => Effect.Effect<void, FileWriteError>) => Effect.Effect<void, E, R>
) =>
  Effect.gen(function* () {
    const temp = join(dirname(path), atomicTempName(basename(path)))
    const handle = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          await fs.mkdir(dirname(path), { recursive: true })
          return await fs.open(temp, "w")
        },
        catch: (cause) => new FileWriteError({ path: temp, operation: "create", cause })
      }),
      (h) => Effect.promise(async () => {
        await h.close().catch(() => undefined)
        await fs.rm(temp, { force: true })
      })
    )
    const write = (data: string | Uint8Array) =>
      Effect.tryPromise({
        try: () => (typeof data === "string" ? handle.write(data) : handle.write(data)).then(() => undefined),
        catch: (cause) => new FileWriteError({ path, operation: "write", cause })
      })
    yield* produce(write)
    yield* Effect.tryPromise({
      try: async () => {
        await handle.sync()
        await fs.rename(temp, path)
      },
      catch: (cause) => new FileWriteError({ path, operation: "write", cause })
    })
    yield* fsyncDirectory(dirname(path))
  }).pipe(Effect.scoped)

/** Lines produced page by page, each page one write. */
export const writeLinesAtomic = <E, R>(
  path: string,
  pages: (emit: (lines: ReadonlyArray<string>) => Effect.Effect<void, FileWriteError>) => Effect.Effect<void, E, R>
) => writeAtomic(path, (write) => pages((lines) => (lines.length === 0 ? Effect.void : write(lines.map((line) => `${line}\n`).join("")))))

export const writeTextAtomic = (path: string, text: string) => writeAtomic(path, (write) => write(text))
