import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { execa } from "execa"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Candidate } from "../../src/domain/Candidate.js"
import { ManifestRow } from "../../src/domain/ManifestRow.js"
import { localVideoId } from "../../src/domain/VideoId.js"
import { Workspace, workspacePaths } from "../../src/domain/Workspace.js"
import { Downloader } from "../../src/download/Downloader.js"
import { filesBelow, samplesDir } from "../support/cli.js"
import { scopedTempDir } from "../support/manifest.js"

const rowFor = (candidate: Candidate) =>
  ManifestRow.make({
    ...candidate,
    measuredDurationSeconds: null,
    state: "downloading",
    failedStage: null,
    attempts: 0,
    lastErrorTag: null,
    lastErrorMessage: null,
    nextRetryAt: null,
    claimedBy: null,
    claimedAt: null,
    audioPath: null,
    analysis: null,
    speechSeconds: null,
    childSpeechSeconds: null,
    childShare: null,
    language: null,
    languageConfidence: null,
    decisionRule: null,
    decisionDetail: null,
    licence: null,
    createdAt: 0,
    updatedAt: 0
  })

const localRow = (path: string, n: number) =>
  rowFor(Candidate.make({ id: localVideoId(n.toString(16).padStart(64, "0")), kind: "local", sourceUrl: path, title: null, channel: null, declaredDurationSeconds: null }))

const options = { maxDurationSeconds: 3 * 3600, ytDlpPath: "yt-dlp" }

const withDownloader = <A, E>(out: string, use: Effect.Effect<A, E, Downloader>) =>
  use.pipe(Effect.provide(Downloader.layer.pipe(Layer.provide(Layer.merge(Workspace.layer(out), NodeFileSystem.layer)))))

/** ffmpeg processes whose command line mentions `marker`. */
const ffmpegsFor = async (marker: string) => {
  const { stdout } = await execa("ps", ["-eo", "args"], { reject: false })
  return stdout.split("\n").filter((line) => line.includes("ffmpeg") && line.includes(marker))
}

describe("Downloader on local files", () => {
  it.scoped("places a 16 kHz mono WAV under audio/ with its measured duration, and leaves no temp files", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("download")
      const row = localRow(join(samplesDir, "child-cs-story.ogg"), 1)
      const result = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => d.download(row, options)))
      expect(result.audioPath).toBe(join(workspacePaths(out).audio, `${row.id}.wav`))
      expect(result.measuredDurationSeconds).toBeCloseTo(35.9, 1)
      expect(filesBelow(workspacePaths(out).tmp)).toEqual([])
    }))

  it.scoped("a file that is not audio fails as permanent, naming the file, with nothing left behind", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("download")
      const row = localRow(join(samplesDir, "broken-upload.mp3"), 2)
      const error = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => Effect.flip(d.download(row, options))))
      expect(error._tag).toBe("UndecodableMedia")
      expect(error.message).toContain("broken-upload.mp3")
      expect("retryable" in error && error.retryable).toBe(false)
      expect(filesBelow(out)).toEqual([])
    }))

  it.scoped("a zero-length file and a vanished file fail with their own reasons", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("download")
      const empty = join(out, "empty.mp4")
      writeFileSync(empty, "")
      const emptyError = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => Effect.flip(d.download(localRow(empty, 3), options))))
      const goneError = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => Effect.flip(d.download(localRow(join(out, "gone.mp3"), 4), options))))
      expect(emptyError._tag).toBe("UndecodableMedia")
      expect(goneError._tag).toBe("SourceFileMissing")
      expect(goneError.message).toContain("gone.mp3")
    }))

  it.scoped("a video longer than the limit is skipped before any conversion", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("download")
      const row = localRow(join(samplesDir, "child-cs-story.ogg"), 5)
      const error = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => Effect.flip(d.download(row, { ...options, maxDurationSeconds: 10 }))))
      expect(error._tag).toBe("DownloadSkipped")
      expect(error.message).toContain("longer than the 10 s limit")
      expect(existsSync(workspacePaths(out).audio)).toBe(false)
    }))

  it.live("interrupting a conversion kills ffmpeg and removes its temp directory", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("interrupt")
      const long = join(out, "long-input.flac")
      mkdirSync(out, { recursive: true })
      // Twenty minutes of a tone: long enough that the conversion is still running when interrupted.
      yield* Effect.promise(() => execa("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=220:duration=1200:sample_rate=48000", "-ac", "2", long]))
      const row = localRow(long, 6)
      const fiber = yield* withDownloader(out, Effect.flatMap(Downloader, (d) => d.download(row, options))).pipe(Effect.fork)
      const tmp = workspacePaths(out).tmp
      while (filesBelow(tmp).length === 0 && (yield* Effect.promise(() => ffmpegsFor(row.id))).length === 0) yield* Effect.sleep("20 millis")
      expect((yield* Effect.promise(() => ffmpegsFor(row.id))).length).toBeGreaterThan(0)
      yield* Fiber.interrupt(fiber)
      yield* Effect.sleep("200 millis")
      expect(yield* Effect.promise(() => ffmpegsFor(row.id))).toEqual([])
      expect(filesBelow(tmp)).toEqual([])
      expect(existsSync(join(workspacePaths(out).audio, `${row.id}.wav`))).toBe(false)
    }).pipe(Effect.scoped))
})

