import { Effect } from "effect"
import { promises as fs } from "node:fs"
import { join } from "node:path"

/** The pid a temp directory was made by (`<pid>-<random>`), or null for anything else. */
export const tempDirOwnerPid = (name: string): number | null => {
  const match = /^(\d+)-/.exec(name)
  return match ? Number(match[1]) : null
}

/** Whether a process's leftovers may be removed: it is not this process and it is gone. */
export const ownerIsGone = (pid: number | null, isAlive: (pid: number) => boolean) =>
  pid !== null && pid !== process.pid && !isAlive(pid)

/** Temp directory names (under tmp/) whose owner process is gone. */
export const findAbandonedTempDirs = (entries: ReadonlyArray<string>, isAlive: (pid: number) => boolean) =>
  entries.filter((name) => ownerIsGone(tempDirOwnerPid(name), isAlive))

/**
 * Removes temp directories left by processes that are gone (a kill -9 skips every finalizer).
 * Live processes' directories, this one's included, are left alone. Returns what was removed.
 */
export const removeAbandonedTempDirs = (tmpDir: string, isAlive: (pid: number) => boolean) =>
  Effect.gen(function* () {
    const entries = yield* Effect.promise(() => fs.readdir(tmpDir).catch(() => [] as Array<string>))
    const abandoned = findAbandonedTempDirs(entries, isAlive)
    yield* Effect.forEach(abandoned, (name) => Effect.promise(() => fs.rm(join(tmpDir, name), { recursive: true, force: true })), {
      discard: true
    })
    return abandoned.map((name) => join(tmpDir, name))
  })
