import { describe, expect, it } from "@effect/vitest"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { kidvoice, samplesDir } from "../support/cli.js"

/** The F0 rule's cut eval takes from the shipped card (chosen by the training script, so not fixed here). */
const f0CutHz = JSON.parse(readFileSync(new URL("../../models/child-voice-acoustic.json", import.meta.url), "utf8")).training.heldout.f0Rule.cutHz as number

const withTempDir = async (use: (dir: string) => Promise<void>) => {
  const dir = mkdtempSync(join(tmpdir(), "kidvoice-eval-test-"))
  try {
    await use(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe("kidvoice eval", () => {
  it("scores the labelled demo media with the shipped model beside the F0 rule: both child files found, no adult, per group, scores as CSV", () =>
    withTempDir(async (dir) => {
      const html = join(dir, "eval.html")
      const result = await kidvoice(["eval", "--labels", join(samplesDir, "labels.csv"), "--out", dir, "--html", html])
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.stdout).toContain("7 files scored (2 child, 5 not), 1 failed")
      expect(result.stdout).toMatch(/failed {2}.*broken-upload\.mp3/)
      // The shipped model at its own threshold, a file called child as a run accepts a video (curate's child seconds
      // and share): both child files found, no other (as `npm run demo` accepts them); every child file ranks above
      // every other file (ROC AUC 1). Then the F0-only rule at the cut its card names.
      expect(result.stdout).toContain("files: a model calls a file child as a run accepts a video, by curate's child-speech rule (>= 1 s of child speech and >= 25 % of the speech")
      expect(result.stdout).toMatch(/^child-voice-acoustic +0\.\d\d +1\.000 +1\.000 +1\.000 +1\.000 +1\.000 \(0\.\d\d\)$/m)
      expect(result.stdout).toMatch(new RegExp(`^f0-rule \\(median F0 >= ${f0CutHz} Hz\\) +${f0CutHz} Hz +0\\.667 +1\\.000 +0\\.800 +0\\.800`, "m"))
      // Segment-level figures beside the files' (each segment labelled as its file): no segment of another file reaches the threshold.
      expect(result.stdout).toMatch(/^child-voice-acoustic +0\.\d\d +\d+ +1\.000 +0\.\d{3} +0\.\d{3} +0\.\d{3}$/m)
      // The espeak-ng voice pushed to top pitch: the F0 rule calls it a child, the model does not.
      expect(result.stdout).toMatch(/synthetic high-pitched woman +1 \(0\) +child-voice-acoustic 0 +f0-rule 1/)
      expect(result.stdout.match(/^ {5}0\.\d\d {2}/gm)?.length).toBe(19)
      const page = readFileSync(html, "utf8")
      expect(page).toContain("<svg")
      expect(page.match(/<rect /g)?.length).toBe(40)
      expect(page).toContain("child-cs-story.ogg")
      expect(page).toContain("Back-ends side by side")
      const csv = readFileSync(join(dir, "eval.csv"), "utf8").trim().split("\n")
      expect(csv[0]).toBe("file,child,group,speech_seconds,median_f0_hz,upper_band_share,child-voice-acoustic,child-voice-acoustic verdict")
      expect(csv).toHaveLength(8)
      expect(csv.find((line) => line.includes("child-cs-poem.mp3"))).toMatch(/,yes,child \(diphone voice of a boy\),\d+\.\d\d,\d+\.\d,\d\.\d\de-\d,0\.\d{4},accepted$/)
      expect(csv.find((line) => line.includes("adult-en-librivox.flac"))).toMatch(/,no,real adult man,.*,child-speech-seconds$/)
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
