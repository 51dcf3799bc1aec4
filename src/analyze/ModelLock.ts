import { Data, Effect, Schema } from "effect"
import { promises as fs } from "node:fs"
import { writeTextAtomic } from "../files/atomicWrite.js"
import { Sha256Hex } from "./ModelRegistry.js"

/**
 * Trust on first use for registry files nobody could pin by hand: the first install records each file's
 * sha256 and size here, and every later install (another machine, a fresh models folder) must get the same
 * bytes. Entries are keyed by the registry's URL, which names an immutable revision: a registry that moves
 * to a new revision starts a new record instead of failing against the old one. The lock lives beside the
 * registry (models/registry.lock.json), so committing it pins every clone, like package-lock.json.
 */
export class LockedFile extends Schema.Class<LockedFile>("LockedFile")({
  sha256: Sha256Hex,
  size: Schema.Int.pipe(Schema.nonNegative()),
  /** Which model and file name it was recorded for: for people reading the lock. */
  model: Schema.String,
  name: Schema.String,
  recordedAt: Schema.String
}) {}

export class ModelLock extends Schema.Class<ModelLock>("ModelLock")({
  about: Schema.optional(Schema.String),
  files: Schema.Record({ key: Schema.String, value: LockedFile })
}) {}

const about = "sha256 and size of each model file as first installed (trust on first use). Commit this file: " +
  "installs elsewhere verify against it. Delete an entry only if you know why its bytes changed."

export class ModelLockError extends Data.TaggedError("ModelLockError")<{ readonly path: string; readonly reason: string }> {
  override get message() {
    return `cannot use the model lock file ${this.path}: ${this.reason}; fix or remove it (removing it trusts the next download again)`
  }
}

export const emptyLock = new ModelLock({ about, files: {} })

/** The lock at `path`, or an empty one when there is none yet. */
export const readLock = (path: string) =>
  Effect.gen(function* () {
    const text = yield* Effect.tryPromise({
      try: () => fs.readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? null : Promise.reject(e))),
      catch: (e) => new ModelLockError({ path, reason: String(e) })
    })
    if (text === null) return emptyLock
    return yield* Schema.decodeUnknown(Schema.parseJson(ModelLock))(text).pipe(
      Effect.mapError((e) => new ModelLockError({ path, reason: e.message }))
    )
  })

export const withLockedFile = (lock: ModelLock, url: string, file: LockedFile) =>
  new ModelLock({ about: lock.about ?? about, files: { ...lock.files, [url]: file } })

/** Written atomically, keys sorted, so a diff of a committed lock shows only what changed. */
export const writeLock = (path: string, lock: ModelLock) => {
  const files = Object.fromEntries(Object.keys(lock.files).sort().map((url) => [url, lock.files[url]]))
  return writeTextAtomic(path, `${JSON.stringify(Schema.encodeSync(ModelLock)(new ModelLock({ about: lock.about ?? about, files })), null, 2)}\n`)
}

/** Who said what a file's bytes must be. */
export interface Expectation {
  readonly source: "--sha256" | "registry" | "lock"
  readonly sha256: string
  readonly size: number | null
}

/**
 * Everything a file's download must match: the user's `--sha256` pin, the registry's pin, the lock's record.
 * All must hold; none at all means this is the first install, whose digest the lock will record. Pure.
 */
export const expectationsFor = (
  file: { readonly sha256?: string | undefined; readonly size?: number | undefined },
  pinned: string | undefined,
  locked: LockedFile | undefined
): Array<Expectation> => [
  ...(pinned === undefined ? [] : [{ source: "--sha256" as const, sha256: pinned.toLowerCase(), size: null }]),
  ...(file.sha256 === undefined ? [] : [{ source: "registry" as const, sha256: file.sha256, size: file.size ?? null }]),
  ...(locked === undefined ? [] : [{ source: "lock" as const, sha256: locked.sha256, size: locked.size }])
]

/** The first expectation the bytes break, or undefined when they match every one. Pure. */
export const brokenExpectation = (expectations: ReadonlyArray<Expectation>, sha256: string, size: number) =>
  expectations.find((e) => e.sha256 !== sha256 || (e.size !== null && e.size !== size))

/** The most bytes any expectation allows: a server sending more cannot be sending the expected file. */
export const sizeLimit = (expectations: ReadonlyArray<Expectation>): number | null => {
  const sizes = expectations.flatMap((e) => (e.size === null ? [] : [e.size]))
  return sizes.length === 0 ? null : Math.max(...sizes)
}
