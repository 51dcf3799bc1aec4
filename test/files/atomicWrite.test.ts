import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { promises as fs } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { vi } from "vitest"
import { syncDirectoryShared, writeTextAtomic } from "../../src/files/atomicWrite.js"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "kidvoice-atomic-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** How many times `dir` itself is opened (a directory fsync opens it) while `run` runs. */
const directoryOpens = <A, E, R>(dir: string, run: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => vi.spyOn(fs, "open")),
    (spy) => Effect.map(run, () => spy.mock.calls.filter(([path]) => path === dir).length),
    (spy) => Effect.sync(() => spy.mockRestore())
  )

describe("syncDirectoryShared", () => {
  it.scoped("a sync asked for while one runs waits for the next one, which all later askers share", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const opens = yield* directoryOpens(dir, Effect.promise(() => {
        const first = syncDirectoryShared(dir)
        const second = syncDirectoryShared(dir)
        const third = syncDirectoryShared(dir)
        expect(third).toBe(second)
        expect(second).not.toBe(first)
        return Promise.all([first, second, third])
      }))
      expect(opens).toBe(2)
      // Once all have settled, a new ask starts a sync of its own.
      expect(yield* directoryOpens(dir, Effect.promise(() => syncDirectoryShared(dir)))).toBe(1)
    }))

  it.scoped("writers finishing together into one folder share directory syncs, and every file is whole", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const names = Array.from({ length: 24 }, (_, i) => `clip-${i}.txt`)
      const opens = yield* directoryOpens(dir,
        Effect.forEach(names, (name) => writeTextAtomic(join(dir, name), `${name}\n`.repeat(1000)), { concurrency: 8, discard: true }))
      expect(opens).toBeLessThan(names.length)
      expect(readdirSync(dir).sort()).toEqual([...names].sort())
      for (const name of names) expect(readFileSync(join(dir, name), "utf8")).toBe(`${name}\n`.repeat(1000))
    }))
})
