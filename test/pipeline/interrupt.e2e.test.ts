import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { filesBelow, kidvoice, samplesDir } from "../support/cli.js"

const inFlight = (out: string): number => {
  const path = join(out, "manifest.sqlite")
  if (!existsSync(path)) return 0
  try {
    const db = new Database(path, { readonly: true, timeout: 5000 })
    try {
      const row = db.prepare("SELECT COUNT(*) AS n FROM videos WHERE state IN ('downloading', 'analyzing')").get() as { n: number }
      return row.n
    } finally {
      db.close()
    }
  } catch {
    return 0 // created but not migrated yet
  }
}

const rows = (out: string) => {
  const db = new Database(join(out, "manifest.sqlite"), { readonly: true })
  try {
    return db.prepare("SELECT id, state, claimed_by FROM videos ORDER BY id").all() as Array<{ id: string; state: string; claimed_by: string | null }>
  } finally {
    db.close()
  }
}

/** Starts a run and stops it with `signal` once it holds claims, as a user's Ctrl-C or a crash would. */
const interruptedRun = async (out: string, signal: "SIGINT" | "SIGKILL") => {
  const child = kidvoice(["run", "--input", samplesDir, "--out", out])
  const deadline = Date.now() + 60_000
  while (inFlight(out) === 0 && Date.now() < deadline) await sleep(20)
  expect(inFlight(out)).toBeGreaterThan(0)
  child.kill(signal)
  return await child
}

/** After a finishing run: all eight videos once, all final, and the dataset exactly as the manifest says. */
const expectCompleteAndConsistent = (out: string) => {
  const all = rows(out)
  expect(all.length).toBe(8)
  expect(all.filter((r) => !["accepted", "rejected", "failed"].includes(r.state))).toEqual([])
  expect(all.filter((r) => r.claimed_by !== null)).toEqual([])
  const metadata = readFileSync(join(out, "dataset", "metadata.jsonl"), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { file_name: string }).file_name)
  expect(new Set(metadata).size).toBe(metadata.length)
  expect(filesBelow(join(out, "dataset")).filter((f) => f.endsWith(".wav"))).toEqual(metadata.sort())
  expect(filesBelow(join(out, "audio")).length).toBe(7)
  expect(filesBelow(join(out, "tmp"))).toEqual([])
}

describe("interrupting kidvoice run", () => {
  it("Ctrl-C hands back every claim and removes temp files; the next run finishes with no duplicates", async () => {
    const out = mkdtempSync(join(tmpdir(), "kidvoice-sigint-"))
    try {
      const stopped = await interruptedRun(out, "SIGINT")
      expect(stopped.exitCode).toBe(130)
      expect(stopped.stderr).toContain("Run again to resume")
      expect(rows(out).filter((r) => r.state === "downloading" || r.state === "analyzing")).toEqual([])
      expect(filesBelow(join(out, "tmp"))).toEqual([])
      const resumed = await kidvoice(["run", "--input", samplesDir, "--out", out])
      expect(resumed.exitCode, resumed.stderr).toBe(2) // finished; the broken file failed
      expectCompleteAndConsistent(out)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })

  it("after kill -9, the next run reclaims the dead process's claims and temp files and finishes", async () => {
    const out = mkdtempSync(join(tmpdir(), "kidvoice-sigkill-"))
    try {
      const killed = await interruptedRun(out, "SIGKILL")
      expect(killed.signal).toBe("SIGKILL")
      const stale = rows(out).filter((r) => r.state === "downloading" || r.state === "analyzing")
      expect(stale.length).toBeGreaterThan(0)
      const resumed = await kidvoice(["run", "--input", samplesDir, "--out", out])
      expect(resumed.exitCode, resumed.stderr).toBe(2) // finished; the broken file failed
      expect(resumed.stderr).toMatch(/stale claims reclaimed/)
      expectCompleteAndConsistent(out)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })
})
