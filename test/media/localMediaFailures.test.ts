import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { execa } from "execa"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Candidate } from "../../src/domain/Candidate.js"
import { defaultConfig } from "../../src/domain/Config.js"
import { ManifestRow } from "../../src/domain/ManifestRow.js"
import { localVideoId } from "../../src/domain/VideoId.js"
import { Workspace } from "../../src/domain/Workspace.js"
import { Downloader, type DownloaderOptions } from "../../src/download/Downloader.js"
import { RequestPacer } from "../../src/download/RequestPacer.js"
import { transcodeToWav } from "../../src/media/Ffmpeg.js"
import { scopedTempDir } from "../support/manifest.js"

/** Issue 15, points 1, 2 and 8: valid audio is kept, transient causes are retryable and say so, empty files say so. */

const localRow = (path: string, n: number) =>
  ManifestRow.make({
    ...Candidate.make({ id: localVideoId(n.toString(16).padStart(64, "0")), kind: "local", sourceUrl: path, title: null, channel: null, declaredDurationSeconds: null }),
    measuredDurationSeconds: null, state: "downloading", failedStage: null, attempts: 0, lastErrorTag: null, lastErrorMessage: null,
    nextRetryAt: null, claimedBy: null, claimedAt: null, audioPath: null, analysis: null, speechSeconds: null, childSpeechSeconds: null,
    childShare: null, language: null, languageConfidence: null, decisionRule: null, decisionDetail: null, licence: null, createdAt: 0, updatedAt: 0
  })

const options: DownloaderOptions = { maxDurationSeconds: 3 * 3600, ytDlpPath: "yt-dlp", fetch: defaultConfig.download }

const download = (out: string, row: ManifestRow) =>
  Effect.flatMap(Downloader, (d) => d.download(row, options)).pipe(Effect.provide(Downloader.layer.pipe(
    Layer.provide(Layer.mergeAll(Workspace.layer(out), NodeFileSystem.layer, RequestPacer.layer(RequestPacer.policy(6000, 1))))
  )))

/** 300 bytes of a fixed pseudo-random sequence: what a truncated upload or a bad copy leaves after the last frame. */
const trailingJunk = () => {
  const bytes = Buffer.alloc(300)
  let x = 12345
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    bytes[i] = (x >> 16) & 255
  }
  return bytes
}

describe("local media: decode what ffmpeg decodes, classify what fails", () => {
  it.scoped("an MP3 with trailing bytes (plain ffmpeg decodes it, exit 0) is downloaded, its warnings kept", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("trailing-bytes")
      const mp3 = join(out, "tone.mp3")
      yield* Effect.promise(() => execa("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=300:duration=3", "-ac", "1", "-ar", "22050", mp3]))
      writeFileSync(mp3, Buffer.concat([readFileSync(mp3), trailingJunk()]))
      const result = yield* download(out, localRow(mp3, 1))
      expect(result.measuredDurationSeconds).toBeGreaterThan(2.9)
      expect(result.decodeWarnings.join(" ")).toMatch(/Header missing|Invalid data/)
    }))

  it.scoped("a zero-byte file says it is empty, without ffmpeg's banner", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("empty")
      const empty = join(out, "empty.mp3")
      writeFileSync(empty, "")
      const error = yield* Effect.flip(download(out, localRow(empty, 2)))
      expect(error._tag).toBe("UndecodableMedia")
      expect(error.message).toContain("the file is empty (0 bytes)")
      expect(error.message).not.toMatch(/libswresample/)
    }))

  it.scoped("a missing source file is retryable and the message names a command that requeues it", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("missing")
      const error = yield* Effect.flip(download(out, localRow(join(out, "gone.mp3"), 3)))
      expect(error).toMatchObject({ _tag: "SourceFileMissing", retryable: true })
      expect(error.message).toContain("kidvoice retry --id")
    }))

  it.scopedLive("ffmpeg killed by a signal mid-conversion is a retryable failure whose message says it was killed", () =>
    Effect.gen(function* () {
      const out = yield* scopedTempDir("killed")
      const long = join(out, "long-input.flac")
      yield* Effect.promise(() => execa("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=220:duration=1200:sample_rate=48000", "-ac", "2", long]))
      const output = join(out, `killed-${process.pid}.wav`)
      const fiber = yield* transcodeToWav(long, output).pipe(Effect.flip, Effect.fork)
      let pid: number | undefined
      for (let tries = 0; pid === undefined && tries < 250; tries++) {
        yield* Effect.sleep("20 millis")
        const { stdout } = yield* Effect.promise(() => execa("pgrep", ["-f", `^ffmpeg .*${output}`], { reject: false }))
        pid = stdout.trim() === "" ? undefined : Number(stdout.trim().split("\n")[0])
      }
      expect(pid, "ffmpeg was not seen running").toBeDefined()
      process.kill(pid!, "SIGKILL")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("FfmpegFailed")
      expect(error.retryable).toBe(true)
      expect(error.message).toContain("killed by SIGKILL")
    }))
})
