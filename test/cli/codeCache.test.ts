import { describe, expect, it } from "@effect/vitest"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { codeCacheDir, codeCacheFile, codeCacheKey, writeCache } from "../../src/cli/codeCache.js"
import { kidvoice } from "../support/cli.js"

describe("which code cache a command line uses", () => {
  it("one per command; a command line without one, or with a word no command has the shape of, shares `help`", () => {
    expect(codeCacheKey(["status", "--out", "x"])).toBe("status")
    expect(codeCacheKey(["config", "--print"])).toBe("config")
    expect(codeCacheKey(["--help"])).toBe("help")
    expect(codeCacheKey([])).toBe("help")
    expect(codeCacheKey(["../x"])).toBe("help")
    expect(codeCacheKey(["Status"])).toBe("help")
  })

  it("the file names the bundle's size and time and the node version; off, or a folder of one's own, by setting", () => {
    const file = codeCacheFile("/d", "status", { size: 2_000, mtimeMs: 1_234.5 })
    expect(file).toBe(`/d/status-2000-1234-${process.version}.v8`)
    expect(codeCacheFile("/d", "status", { size: 2_001, mtimeMs: 1_234.5 })).not.toBe(file)
    expect(codeCacheDir("/p/dist/cli/main.cjs", undefined)).toBe("/p/dist/.cache")
    expect(codeCacheDir("/p/dist/cli/main.cjs", "off")).toBeNull()
    expect(codeCacheDir("/p/dist/cli/main.cjs", "/tmp/c")).toBe("/tmp/c")
  })
})

// The bundle as it ships (bin/kidvoice.js, rebuilt first if a source is newer), with the caches in a folder of the test's.
describe("the shipped CLI with its code cache", () => {
  it("a cache that cannot be put in place leaves no temp file behind", () => {
    const dir = mkdtempSync(join(tmpdir(), "kidvoice-cache-write-"))
    try {
      // A folder where the cache file should go: the rename fails after the temp file was written.
      const file = join(dir, "run-1-2-v20.0.0.v8")
      mkdirSync(join(file, "in-the-way"), { recursive: true })
      writeCache(file, Buffer.from("cache"))
      expect(readdirSync(dir)).toEqual(["run-1-2-v20.0.0.v8"])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("writes a cache on the first start, uses it on the next, and replaces one V8 rejects; the output never changes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kidvoice-code-cache-"))
    try {
      const start = async (setting = dir) => {
        const result = await kidvoice(["--help"], { KIDVOICE_CODE_CACHE: setting })
        expect(result.exitCode).toBe(0)
        return result.stdout
      }
      const uncached = await start("off")
      expect(readdirSync(dir)).toEqual([])

      expect(await start()).toBe(uncached)
      const [file, ...others] = readdirSync(dir)
      expect(others).toEqual([])
      expect(file).toMatch(/^help-\d+-\d+-v[\d.]+\.v8$/)
      const written = statSync(join(dir, file!))
      expect(written.size).toBeGreaterThan(10_000)

      // Taken as it is: not written again.
      expect(await start()).toBe(uncached)
      expect(statSync(join(dir, file!)).mtimeMs).toBe(written.mtimeMs)

      // Bytes V8 does not accept (a cache of another build under the same name, a torn file): rejected and rewritten.
      writeFileSync(join(dir, file!), Buffer.alloc(4_096, 7))
      expect(await start()).toBe(uncached)
      expect(readdirSync(dir)).toEqual([file])
      expect(readFileSync(join(dir, file!)).equals(Buffer.alloc(4_096, 7))).toBe(false)
      expect(statSync(join(dir, file!)).size).toBeGreaterThan(10_000)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
