import { describe, expect, it } from "@effect/vitest"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { kidvoice, samplesDir } from "../support/cli.js"

const withTempDir = async (use: (dir: string) => Promise<void>) => {
  const dir = mkdtempSync(join(tmpdir(), "kidvoice-eval-test-"))
  try {
    await use(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe("kidvoice eval", () => {
  it("scores the labelled demo media with the shipped model: both child files found, no adult, the broken file listed as failed", () =>
    withTempDir(async (dir) => {
      const html = join(dir, "eval.html")
      const result = await kidvoice(["eval", "--labels", join(samplesDir, "labels.csv"), "--out", dir, "--html", html])
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.stdout).toContain("7 files scored (2 child, 5 not), 1 failed")
      expect(result.stdout).toMatch(/failed {2}.*broken-upload\.mp3/)
      expect(result.stdout).toContain("threshold 0.50: precision 1.000, recall 1.000, F1 1.000")
      expect(result.stdout).toMatch(/best F1 {3}1\.000 at threshold 0\.\d\d/)
      expect(result.stdout.match(/^ {5}0\.\d\d {2}/gm)?.length).toBe(19)
      const page = readFileSync(html, "utf8")
      expect(page).toContain("<svg")
      expect(page.match(/<rect /g)?.length).toBe(40)
      expect(page).toContain("child-cs-story.ogg")
    }), 120_000)

  it("refuses a bad labels file, naming the file and the line, and writes no report", () =>
    withTempDir(async (dir) => {
      const labels = join(dir, "labels.csv")
      writeFileSync(labels, `file,child\n${join(samplesDir, "child-cs-poem.mp3")},yes\n${join(samplesDir, "silence.wav")},perhaps\n`)
      const result = await kidvoice(["eval", "--labels", labels, "--out", dir])
      expect(result.exitCode).toBe(1)
      expect(result.stderr).toContain(`labels file ${labels}, line 3`)
      expect(result.stderr).toContain("perhaps")
      expect(existsSync(join(dir, "reports", "eval.html"))).toBe(false)
    }), 60_000)
})
