import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { kernelFolderProblem, prepareOutDirectory, requireManifest } from "../../src/files/outDirectory.js"

const inTempDir = <A, E>(use: (dir: string) => Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "kidvoice-out-"))),
    use,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

describe("kernelFolderProblem", () => {
  it("names /proc, /sys and /dev and what is below them, nothing else", () => {
    expect(kernelFolderProblem("/proc/x")).toContain("/proc")
    expect(kernelFolderProblem("/sys")).toContain("/sys")
    expect(kernelFolderProblem("/dev/shm/x")).toContain("/dev")
    expect(kernelFolderProblem("/process/x")).toBeNull()
    expect(kernelFolderProblem("/tmp/sys/x")).toBeNull()
  })
})

describe("prepareOutDirectory", () => {
  it.effect("creates a missing folder, and accepts an existing one", () =>
    inTempDir((dir) => Effect.gen(function* () {
      const out = join(dir, "a", "b")
      yield* prepareOutDirectory(out)
      expect(existsSync(out)).toBe(true)
      yield* prepareOutDirectory(out)
    })))

  it.effect("refuses a file, and a path through a file, with the reason", () =>
    inTempDir((dir) => Effect.gen(function* () {
      const file = join(dir, "file")
      writeFileSync(file, "x")
      const onFile = yield* Effect.flip(prepareOutDirectory(file))
      expect(onFile.message).toContain(`--out ${file}: it exists and is not a folder`)
      const below = yield* Effect.flip(prepareOutDirectory(join(file, "sub")))
      expect(below.message).toContain("a part of the path is a file")
    })))

  it.effect("refuses a kernel folder without touching it", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(prepareOutDirectory("/proc/kidvoice-test"))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(existsSync("/proc/kidvoice-test")).toBe(false)
    }))
})

describe("requireManifest", () => {
  it.effect("fails with the manifest's path and creates nothing", () =>
    inTempDir((dir) => Effect.gen(function* () {
      const out = join(dir, "typo")
      const error = yield* Effect.flip(requireManifest(out, join(out, "manifest.sqlite")))
      expect(error.message).toContain(join(out, "manifest.sqlite"))
      expect(existsSync(out)).toBe(false)
    })))

  it.effect("says so when --out is a file", () =>
    inTempDir((dir) => Effect.gen(function* () {
      const out = join(dir, "manifest.sqlite")
      writeFileSync(out, "")
      const error = yield* Effect.flip(requireManifest(out, join(out, "manifest.sqlite")))
      expect(error).toMatchObject({ _tag: "ManifestMissing", outIsFile: true })
      expect(error.message).toContain(`--out ${out} is a file, not the folder a run wrote to`)
    })))

  it.effect("a manifest that is there but cannot be read is said as such, not as a missing one", () =>
    inTempDir((dir) => Effect.gen(function* () {
      const out = join(dir, "work")
      mkdirSync(out)
      // A link to itself: stat fails with ELOOP (root reads through any permission, so no EACCES here).
      symlinkSync("manifest.sqlite", join(out, "manifest.sqlite"))
      const error = yield* Effect.flip(requireManifest(out, join(out, "manifest.sqlite")))
      expect(error._tag).toBe("OutDirectoryUnusable")
      expect(error.message).toContain(`its manifest ${join(out, "manifest.sqlite")} cannot be read`)
    })))
})
