import { describe, expect, it } from "@effect/vitest"
import { execa } from "execa"
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { kidvoice } from "../support/cli.js"
import { fakeYtDlpDownloads } from "../support/fakeYtDlp.js"
import { descendants, isLive } from "../support/processes.js"

/** Issue 15, point 5: a kill -9 of kidvoice takes its ffmpeg, ffprobe and yt-dlp down with it, within a second. */
/** Polls the run's descendants until one matches, then kills the run with -9 and returns who was alive. */
const killWhenRunning = async (run: ReturnType<typeof kidvoice>, running: RegExp) => {
  const deadline = Date.now() + 60_000
  let seen: Array<{ pid: number; command: string }> = []
  while (Date.now() < deadline) {
    seen = descendants(run.pid!)
    if (seen.some((p) => running.test(p.command))) break
    await sleep(10)
  }
  expect(seen.some((p) => running.test(p.command)), `nothing like ${running} was seen running`).toBe(true)
  process.kill(run.pid!, "SIGKILL")
  await run
  await sleep(1000)
  return seen.filter((p) => isLive(p.pid)).map((p) => `${p.pid} ${p.command.slice(0, 120)}`)
}

describe("children die with a killed run", () => {
  it("kill -9 of kidvoice while yt-dlp is quiet (a stalled download): no yt-dlp is left 1 s later", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kidvoice-orphans-"))
    try {
      const marker = `301.${process.pid}`
      const ytDlp = fakeYtDlpDownloads(dir, "2025.11.20", `echo started; exec sleep ${marker}`)
      writeFileSync(join(dir, "urls.txt"), "http://127.0.0.1:9/a.mp3\nhttp://127.0.0.1:9/b.mp3\n")
      const run = kidvoice(["run", "--input", join(dir, "urls.txt"), "--out", join(dir, "out"), "--yt-dlp", ytDlp])
      expect(await killWhenRunning(run, new RegExp(`sleep ${marker.replace(".", "\\.")}`))).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

  it("kill -9 of kidvoice while ffmpeg converts: no ffmpeg (or watchdog) is left 1 s later", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kidvoice-orphans-"))
    try {
      const input = join(dir, "in")
      mkdirSync(input)
      // Ten minutes of a tone, three times: conversions long enough to be caught running.
      await execa("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=220:duration=600:sample_rate=48000", "-ac", "2", join(input, "a.flac")])
      copyFileSync(join(input, "a.flac"), join(input, "b.flac"))
      copyFileSync(join(input, "a.flac"), join(input, "c.flac"))
      const run = kidvoice(["run", "--input", input, "--out", join(dir, "out")])
      expect(await killWhenRunning(run, /(^|\/)ffmpeg /)).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
