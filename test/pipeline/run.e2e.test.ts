import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { Effect } from "effect"
import { parseWavHeader } from "../../src/media/WavFile.js"
import { uploadServer } from "../support/uploadServer.js"
import { filesBelow, kidvoice, mtimes, samplesDir } from "../support/cli.js"

interface StatusJson {
  total: number
  unfinished: number
  byState: Record<string, number>
  clips: number
  failuresByTag: Record<string, number>
  stages: Record<string, { done: number; inFlight: number; waiting: number; failed: number }>
}

const status = async (out: string): Promise<StatusJson> => {
  const result = await kidvoice(["status", "--out", out, "--json"])
  expect(result.exitCode, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as StatusJson
}

const metadataLines = (out: string) =>
  readFileSync(join(out, "dataset", "metadata.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { file_name: string; video_id: string; start: number; end: number })

describe("kidvoice run on the bundled demo media", () => {
  const out = mkdtempSync(join(tmpdir(), "kidvoice-e2e-"))
  let first: Awaited<ReturnType<typeof kidvoice>>

  beforeAll(async () => {
    first = await kidvoice(["run", "--input", samplesDir, "--out", out])
  })
  afterAll(() => rmSync(out, { recursive: true, force: true }))

  it("ends with every video in a final state, the broken file failed with its reason", async () => {
    // 2: finished, with the broken file failed.
    expect(first.exitCode, first.stderr).toBe(2)
    expect(first.stderr).toContain("finished, but 1 video failed")
    const report = await status(out)
    expect(report.total).toBe(8)
    expect(report.unfinished).toBe(0)
    expect(report.byState).toMatchObject({ accepted: 2, rejected: 5, failed: 1 })
    expect(report.failuresByTag).toEqual({ UndecodableMedia: 1 })
    expect(report.stages.download).toEqual({ done: 7, inFlight: 0, waiting: 0, failed: 1 })
    expect(report.stages.curate).toMatchObject({ done: 7, waiting: 0 })
    expect(first.stdout).toContain(join(out, "dataset", "README.md"))
    // The report printed at the end shows this run's own timings: every video passed through download once.
    expect(first.stdout).toMatch(/last run  download 8 × [\d.]+ s/)
    const db = new Database(join(out, "manifest.sqlite"), { readonly: true })
    const broken = db.prepare("SELECT state, last_error_tag, last_error_message, next_retry_at FROM videos WHERE source_url LIKE '%broken-upload.mp3'").get() as Record<string, unknown>
    const verdicts = db.prepare("SELECT title, state, decision_rule FROM videos WHERE state IN ('accepted','rejected') ORDER BY title").all()
    db.close()
    expect(broken).toMatchObject({ state: "failed", last_error_tag: "UndecodableMedia", next_retry_at: null })
    expect(String(broken["last_error_message"])).toContain("broken-upload.mp3")
    expect(verdicts).toEqual([
      { title: "adult-en-kal", state: "rejected", decision_rule: "child-speech-seconds" },
      { title: "adult-en-librivox", state: "rejected", decision_rule: "child-speech-seconds" },
      { title: "child-cs-poem", state: "accepted", decision_rule: "accepted" },
      { title: "child-cs-story", state: "accepted", decision_rule: "accepted" },
      { title: "child-like-espeak-vi", state: "rejected", decision_rule: "child-speech-seconds" },
      { title: "music-no-speech", state: "rejected", decision_rule: "no-speech" },
      { title: "silence", state: "rejected", decision_rule: "no-speech" }
    ])
  })

  it("writes a dataset whose metadata lists exactly the clip files, each a 16 kHz mono WAV of its stated length", async () => {
    const lines = metadataLines(out)
    const report = await status(out)
    expect(lines.length).toBe(report.clips)
    expect(lines.length).toBeGreaterThan(3)
    const clipFiles = filesBelow(join(out, "dataset")).filter((f) => f.endsWith(".wav"))
    expect(clipFiles).toEqual(lines.map((l) => l.file_name).sort())
    for (const line of lines) {
      const bytes = readFileSync(join(out, "dataset", line.file_name))
      const info = parseWavHeader(bytes, bytes.length)
      if (typeof info === "string") throw new Error(info)
      expect(info).toMatchObject({ sampleRate: 16000, channels: 1 })
      expect(info.durationSeconds).toBeCloseTo(line.end - line.start, 2)
    }
  })

  it("writes a dataset card with the counts, languages, selection and the command", () => {
    const card = readFileSync(join(out, "dataset", "README.md"), "utf8")
    expect(card).toMatch(/\d+ clips, [\d.]+ hours, from 2 videos/)
    // Without this machine's folders: the input relative to the working directory, the out folder by its name.
    expect(card).toContain(`kidvoice run --input samples --out ${basename(out)}`)
    expect(card).toContain("| cs |")
    expect(card.split("---")[1]).toContain("language:\n- cs\n")
    expect(card.split("---")[1]).toContain("- automatic-speech-recognition")
  })

  it("labels the Czech child files Czech, never English, and gives the captioned clips their text", () => {
    const lines = metadataLines(out) as unknown as ReadonlyArray<{ file_name: string; language: string; text: string; text_source: string; source_url: string; split: string; licence: string }>
    expect(lines.length).toBeGreaterThan(0)
    for (const line of lines) {
      expect(line.language).toBe("cs")
      expect(line.file_name.startsWith("cs/")).toBe(true)
      expect(line.text_source).toBe("manual")
      expect(line.text).not.toBe("")
      expect(["train", "validation", "test"]).toContain(line.split)
      expect(line.licence).toBe("unknown")
    }
    expect(lines.map((l) => l.text)).toContain("Byl jednou jeden malý ježek, který se jmenoval Bodlinka.")
    expect(new Set(lines.map((l) => l.source_url))).toEqual(new Set(["child-cs-story.ogg", "child-cs-poem.mp3"]))
  })

  it("status --report writes an HTML report with the score histogram and hours by language", async () => {
    const result = await kidvoice(["status", "--out", out, "--report"])
    expect(result.exitCode, result.stderr).toBe(0)
    const html = readFileSync(join(out, "reports", "report.html"), "utf8")
    expect(html).toContain("<svg")
    expect(html).toMatch(/<tr><td>cs<\/td><td>0\.0\d\d<\/td><\/tr>/)
  })

  it("leaves no temp files behind", () => {
    expect(filesBelow(join(out, "tmp"))).toEqual([])
    expect(filesBelow(out).filter((f) => f.endsWith(".tmp"))).toEqual([])
  })

  it("changes nothing when run again", async () => {
    const datasetFiles = () => ({ metadata: readFileSync(join(out, "dataset", "metadata.jsonl"), "utf8"), card: readFileSync(join(out, "dataset", "README.md"), "utf8") })
    const before = { files: mtimes(out + "/dataset"), ...datasetFiles(), report: await status(out) }
    const again = await kidvoice(["run", "--input", samplesDir, "--out", out])
    expect(again.exitCode, again.stderr).toBe(2)
    const after = { files: mtimes(out + "/dataset"), ...datasetFiles(), report: await status(out) }
    // metadata.jsonl and README.md are rewritten from the manifest each run: same content, new mtime; clips are untouched.
    const clipTimes = (files: Record<string, number>) => Object.fromEntries(Object.entries(files).filter(([f]) => f.endsWith(".wav")))
    expect(clipTimes(after.files)).toEqual(clipTimes(before.files))
    expect(Object.keys(clipTimes(after.files)).length).toBe(after.report.clips)
    expect(after.metadata).toBe(before.metadata)
    expect(after.card).toBe(before.card)
    // Everything but the timings of the last run.
    expect({ ...after.report, lastRun: null }).toEqual({ ...before.report, lastRun: null })
  })

  it("curate on its own, run twice, changes nothing", async () => {
    const before = readFileSync(join(out, "dataset", "metadata.jsonl"), "utf8")
    for (let i = 0; i < 2; i++) {
      const curate = await kidvoice(["curate", "--out", out])
      expect(curate.exitCode, curate.stderr).toBe(0)
    }
    expect(readFileSync(join(out, "dataset", "metadata.jsonl"), "utf8")).toBe(before)
  })

  it("exports the clips for NeMo and as CSV, each line naming a clip that exists", async () => {
    const count = metadataLines(out).length
    for (const format of ["nemo", "csv"]) {
      const result = await kidvoice(["export", "--format", format, "--out", out])
      expect(result.exitCode, result.stderr).toBe(0)
    }
    const nemo = readFileSync(join(out, "exports", "nemo_manifest.jsonl"), "utf8").trim().split("\n")
      .map((l) => JSON.parse(l) as { audio_filepath: string; duration: number; text: string; lang: string })
    expect(nemo.length).toBe(count)
    for (const line of nemo) {
      // NeMo resolves a relative audio_filepath against the manifest's folder.
      expect(line.text).not.toBe("")
      expect(line.lang).toBe("cs")
      expect(readFileSync(join(out, "exports", line.audio_filepath)).length).toBe(44 + Math.round(line.duration * 16000) * 2)
    }
    const csv = readFileSync(join(out, "exports", "clips.csv"), "utf8").trim().split("\n")
    expect(csv.length).toBe(count + 1)
  })

  it.scopedLive("upload killed half way and run again leaves every clip on the server exactly once, and the videos uploaded", () =>
    Effect.gen(function* () {
      const token = "s3cret-token-for-test"
      const server = yield* uploadServer({ token })
      const env = { KIDVOICE_UPLOAD_TOKEN: token }
      const args = ["upload", "--out", out, "--upload-endpoint", server.endpoint, "--upload-layout", "content-addressed", "--upload-concurrency", "2"]
      const child = kidvoice(args, env)
      yield* server.putsCompleted(3)
      child.kill("SIGKILL")
      yield* Effect.promise(() => child)
      const clips = metadataLines(out).length
      expect(server.counts.putsCompleted).toBeLessThan(clips)
      const resumed = yield* Effect.promise(() => kidvoice(args, env))
      expect(resumed.exitCode, resumed.stderr).toBe(0)
      expect(resumed.stdout + resumed.stderr).not.toContain(token)
      expect(server.stored.size).toBe(clips)
      expect([...server.puts.values()].every((n) => n === 1)).toBe(true)
      const report = yield* Effect.promise(() => status(out))
      expect(report.byState).toMatchObject({ uploaded: 2, accepted: 0 })
      const again = yield* Effect.promise(() => kidvoice(args, env))
      expect(again.stdout).toContain("0 sent")
      expect([...server.puts.values()].every((n) => n === 1)).toBe(true)
    }))

  it("exports the manifest as JSONL, one row per video, atomically", async () => {
    const result = await kidvoice(["export", "--format", "jsonl", "--out", out])
    expect(result.exitCode, result.stderr).toBe(0)
    const rows = readFileSync(join(out, "exports", "manifest.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; state: string })
    expect(rows.length).toBe(8)
    expect(new Set(rows.map((r) => r.id)).size).toBe(8)
    expect(filesBelow(join(out, "exports")).filter((f) => f.endsWith(".tmp"))).toEqual([])
  })
  it("no absolute path of this machine anywhere under dataset/ or exports/, in every export format", async () => {
    // hf was written by the run, nemo, csv and jsonl by the tests above.
    for (const format of ["lhotse", "webdataset", "urls"]) {
      const result = await kidvoice(["export", "--format", format, "--out", out])
      expect(result.exitCode, result.stderr).toBe(0)
    }
    const files = [...filesBelow(join(out, "dataset")).map((f) => join(out, "dataset", f)), ...filesBelow(join(out, "exports")).map((f) => join(out, "exports", f))]
      .filter((f) => !f.endsWith(".wav"))
    expect(files.length).toBeGreaterThanOrEqual(8)
    for (const file of files) {
      const text = readFileSync(file, "utf8")
      expect(text.includes(out), file).toBe(false)
      expect(text.includes(samplesDir), file).toBe(false)
    }
    // The Lhotse pair: each supervision's recording exists, and names a clip file relative to the exports folder.
    const jsonl = (name: string) => readFileSync(join(out, "exports", name), "utf8").trim().split("\n").map((l) => JSON.parse(l))
    const recordings = new Map(jsonl("lhotse_recordings.jsonl").map((r: { id: string; sources: Array<{ source: string }> }) => [r.id, r]))
    for (const supervision of jsonl("lhotse_supervisions.jsonl") as Array<{ recording_id: string; language: string }>) {
      const recording = recordings.get(supervision.recording_id) as unknown as { sources: Array<{ source: string }>; num_samples: number }
      expect(supervision.language).toBe("cs")
      expect(readFileSync(join(out, "exports", recording.sources[0]!.source)).length).toBe(44 + recording.num_samples * 2)
    }
  })

  // Last: it damages the shared working directory.
  it("a truncated manifest is refused, and doctor --repair restores the snapshot of the last run", async () => {
    const before = await status(out)
    const manifest = join(out, "manifest.sqlite")
    const { truncateSync, statSync } = await import("node:fs")
    truncateSync(manifest, Math.floor(statSync(manifest).size / 3))
    rmSync(`${manifest}-wal`, { force: true })
    const refused = await kidvoice(["status", "--out", out])
    expect(refused.exitCode).toBe(1)
    expect(refused.stderr).toContain("kidvoice doctor --repair")
    const diagnosis = await kidvoice(["doctor", "--out", out])
    expect(diagnosis.exitCode).toBe(1)
    const repaired = await kidvoice(["doctor", "--repair", "--out", out])
    expect(repaired.exitCode, repaired.stdout + repaired.stderr).toBe(0)
    expect(filesBelow(out).some((f) => f.startsWith("manifest.sqlite.damaged-"))).toBe(true)
    const after = await status(out)
    expect(after.byState).toEqual(before.byState)
    expect(after.clips).toBe(before.clips)
  })
})
