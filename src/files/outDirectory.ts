import { Data, Effect } from "effect"
import { constants, promises as fs } from "node:fs"
import { sep } from "node:path"

/** The working directory (`--out`) cannot hold a workspace: named once at start, with what to do. */
export class OutDirectoryUnusable extends Data.TaggedError("OutDirectoryUnusable")<{
  readonly path: string
  readonly reason: string
}> {
  override get message() {
    return `--out ${this.path}: ${this.reason}. Choose a folder you can write to.`
  }
}

/** `status`/`export` (which only read) were pointed at a folder without a manifest; nothing was created. */
export class ManifestMissing extends Data.TaggedError("ManifestMissing")<{
  readonly out: string
  readonly manifest: string
  /** `--out` names a file: a slip of the command line (a manifest or log file instead of its folder), said as such. */
  readonly outIsFile?: boolean
}> {
  override get message() {
    return this.outIsFile
      ? `--out ${this.out} is a file, not the folder a run wrote to (its manifest would be ${this.manifest}); nothing was created`
      : `no manifest at ${this.manifest}: is --out ${this.out} the folder a run wrote to? (nothing was created)`
  }
}

/** Kernel filesystems: a path below them never holds files, and mkdir there can fail in ways that look retryable. */
const kernelFolders = ["/proc", "/sys", "/dev"]

/** Why an absolute path can never be a working directory whatever the permissions, or null. Pure. */
export const kernelFolderProblem = (absolute: string): string | null => {
  const folder = kernelFolders.find((k) => absolute === k || absolute.startsWith(k + sep))
  return folder === undefined ? null : `it is inside ${folder}, a kernel filesystem that cannot hold files`
}

const errnoReason = (cause: unknown): string => {
  const e = cause as NodeJS.ErrnoException
  switch (e?.code) {
    case "ENOENT": return "a folder on its way cannot be created"
    case "ENOTDIR": return "a part of the path is a file, not a folder"
    case "EEXIST": return "it exists and is not a folder"
    case "EACCES": case "EPERM": return `permission denied (${e.code})`
    case "EROFS": return "the filesystem is read-only (EROFS)"
    case "ENOSPC": return "the disk is full (ENOSPC)"
    default: return e instanceof Error ? e.message : String(cause)
  }
}

/**
 * Makes sure `root` (absolute) is a folder this process can write to, creating it if needed: done once, before any
 * work, so a bad `--out` is one clear message instead of every stage failing on it. Never retried: a filesystem
 * that refuses now refuses the same way a moment later.
 */
export const prepareOutDirectory = (root: string) =>
  Effect.gen(function* () {
    const kernel = kernelFolderProblem(root)
    if (kernel !== null) return yield* new OutDirectoryUnusable({ path: root, reason: kernel })
    const fail = (cause: unknown) => new OutDirectoryUnusable({ path: root, reason: errnoReason(cause) })
    yield* Effect.tryPromise({ try: () => fs.mkdir(root, { recursive: true }), catch: fail })
    const stat = yield* Effect.tryPromise({ try: () => fs.stat(root), catch: fail })
    if (!stat.isDirectory()) return yield* new OutDirectoryUnusable({ path: root, reason: "it is a file, not a folder" })
    yield* Effect.tryPromise({ try: () => fs.access(root, constants.W_OK | constants.X_OK), catch: fail })
  })

/** For commands that only read a workspace: its manifest must be there already; nothing is created. */
export const requireManifest = (root: string, manifest: string) =>
  Effect.gen(function* () {
    const found = yield* Effect.tryPromise({ try: () => fs.stat(manifest), catch: (cause) => cause }).pipe(
      Effect.map((stat) => stat.isFile()),
      // Only an absent path is a missing manifest: one that is there but cannot be read (permissions, a link loop,
      // an I/O error) is said as what it is, not as a mistyped --out.
      Effect.catchAll((cause) =>
        ["ENOENT", "ENOTDIR"].includes((cause as NodeJS.ErrnoException)?.code ?? "")
          ? Effect.succeed(false)
          : Effect.fail(new OutDirectoryUnusable({ path: root, reason: `its manifest ${manifest} cannot be read: ${errnoReason(cause)}` })))
    )
    if (found) return
    const outIsFile = yield* Effect.promise(() => fs.stat(root).then((stat) => stat.isFile(), () => false))
    return yield* new ManifestMissing({ out: root, manifest, outIsFile })
  })
