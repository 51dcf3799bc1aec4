import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { execa } from "execa"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { filesBelow, kidvoice, samplesDir } from "../support/cli.js"

// A real small filesystem needs mount(2): root, as in CI. Elsewhere the test says why it did not run.
const canMount = process.getuid?.() === 0

describe("out of disk space", () => {
  it.skipIf(!canMount)("stops the stage with the path and the bytes needed, keeps the video queued, leaves no partial files; more space lets it finish", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kidvoice-full-"))
    const mountPoint = join(dir, "small")
    mkdirSync(mountPoint)
    // The reserve kept for the manifest is 16 MiB; the demo's audio is about 4.7 MB: some of it fits, not all.
    await execa("mount", ["-t", "tmpfs", "-o", "size=19m", "tmpfs", mountPoint])
    try {
      const out = join(mountPoint, "out")
      const full = await kidvoice(["run", "--input", samplesDir, "--out", out, "--download-concurrency", "1"])
      expect(full.exitCode).toBe(1)
      expect(full.stderr).toMatch(new RegExp(`not enough disk space under ${join(out, "tmp")}: [\\d.]+ MB needed`))
      const db = new Database(join(out, "manifest.sqlite"), { readonly: true })
      const rows = db.prepare("SELECT state, attempts, audio_path FROM videos").all() as Array<{ state: string; attempts: number; audio_path: string | null }>
      db.close()
      expect(rows.filter((r) => r.state === "downloading" || r.state === "analyzing")).toEqual([])
      const queued = rows.filter((r) => r.state === "discovered")
      expect(queued.length).toBeGreaterThan(0)
      expect(queued.every((r) => r.attempts === 0 && r.audio_path === null)).toBe(true)
      expect(filesBelow(join(out, "tmp"))).toEqual([])
      expect(filesBelow(join(out, "audio")).length).toBe(rows.filter((r) => r.audio_path !== null).length)

      await execa("mount", ["-o", "remount,size=40m", mountPoint])
      const resumed = await kidvoice(["run", "--input", samplesDir, "--out", out])
      expect(resumed.exitCode, resumed.stderr).toBe(2) // finished; the broken file failed
      const status = JSON.parse((await kidvoice(["status", "--out", out, "--json"])).stdout) as { unfinished: number; byState: Record<string, number> }
      expect(status.unfinished).toBe(0)
      expect(status.byState).toMatchObject({ accepted: 2, rejected: 5, failed: 1 })
    } finally {
      await execa("umount", ["-l", mountPoint], { reject: false })
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
