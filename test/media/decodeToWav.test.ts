import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { execa } from "execa"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { decodeToWav } from "../../src/media/Ffmpeg.js"
import { samplesDir } from "../support/cli.js"
import { scopedTempDir } from "../support/manifest.js"

/** Issue 17, point 1: a source file costs one ffmpeg; its duration comes from the WAV that ffmpeg wrote, not from ffprobe. */

const ffprobeDuration = (path: string) =>
  Effect.promise(() => execa("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path])).pipe(
    Effect.map(({ stdout }) => Number(stdout.trim()))
  )

/** Six seconds of the bundled story, re-encoded by ffmpeg into another container and codec. */
const encode = (dir: string, name: string, codecArgs: ReadonlyArray<string>) =>
  Effect.promise(async () => {
    const path = join(dir, name)
    await execa("ffmpeg", ["-v", "error", "-nostdin", "-i", join(samplesDir, "child-cs-story.ogg"), "-t", "6", ...codecArgs, path])
    return path
  })

const formats: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["story.mp3", ["-c:a", "libmp3lame", "-q:a", "5"]],
  ["story.m4a", ["-c:a", "aac", "-b:a", "64k"]],
  ["story.flac", ["-c:a", "flac"]],
  ["story.opus", ["-c:a", "libopus", "-b:a", "32k"]],
  ["story-44k-stereo.wav", ["-ac", "2", "-ar", "44100", "-c:a", "pcm_s16le"]]
]

describe("decodeToWav: one process, the duration from what it wrote", () => {
  it.scoped("matches ffprobe's duration on real files of several formats (and on the bundled Ogg, MP3 and FLAC samples)", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("decode-formats")
      const made = yield* Effect.forEach(formats, ([name, codec]) => encode(dir, name, codec))
      const inputs = [...made, join(samplesDir, "child-cs-story.ogg"), join(samplesDir, "child-cs-poem.mp3"), join(samplesDir, "adult-en-librivox.flac")]
      for (const [i, input] of inputs.entries()) {
        const decoded = yield* decodeToWav(input, join(dir, `out-${i}.wav`), 3600)
        const probed = yield* ffprobeDuration(input)
        expect(decoded.wav.sampleRate, input).toBe(16000)
        expect(decoded.wav.channels, input).toBe(1)
        // Within 100 ms: an MP3 without gapless info counts its encoder delay and padding in ffprobe's figure (62 ms here).
        expect(Math.abs(decoded.wav.durationSeconds - probed), `${input}: decoded ${decoded.wav.durationSeconds}, ffprobe ${probed}`).toBeLessThan(0.1)
      }
    }))

  it.scoped("a file whose container declares no duration (raw ADTS AAC) gets its real length, and a long one stops one second past the limit", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("decode-no-header")
      const aac = join(dir, "tone.aac")
      yield* Effect.promise(() => execa("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=300:duration=7", "-c:a", "aac", "-f", "adts", aac]))
      const whole = yield* decodeToWav(aac, join(dir, "whole.wav"), 3600)
      expect(whole.wav.durationSeconds).toBeGreaterThan(6.9)
      expect(whole.wav.durationSeconds).toBeLessThan(7.1)
      const capped = yield* decodeToWav(aac, join(dir, "capped.wav"), 3)
      expect(capped.wav.durationSeconds).toBeCloseTo(4, 1)
    }))

  it.scoped("telephony audio without a header, GSM, camcorder MPEG and Windows Media decode at their real length, by name ending", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("decode-phone-formats")
      // Headerless files have no duration to probe: read at the wrong rate, 6 s of mu-law would come out as 3 s or 12 s.
      const phone: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
        ["story.ULAW", ["-ac", "1", "-ar", "8000", "-f", "mulaw"]],
        ["story.alaw", ["-ac", "1", "-ar", "8000", "-f", "alaw"]],
        ["story.sln16", ["-ac", "1", "-ar", "16000", "-f", "s16le"]],
        ["story.gsm", ["-ac", "1", "-ar", "8000", "-c:a", "libgsm", "-f", "gsm"]],
        ["story.mts", ["-c:a", "mp2", "-f", "mpegts"]],
        ["story.mpg", ["-c:a", "mp2"]],
        ["story.wmv", ["-c:a", "wmav2"]]
      ]
      const made = yield* Effect.forEach(phone, ([name, codec]) => encode(dir, name, codec))
      for (const [i, input] of made.entries()) {
        const decoded = yield* decodeToWav(input, join(dir, `phone-${i}.wav`), 3600)
        expect(decoded.wav.sampleRate, input).toBe(16000)
        expect(Math.abs(decoded.wav.durationSeconds - 6), `${input}: decoded ${decoded.wav.durationSeconds} s of 6`).toBeLessThan(0.1)
      }
    }))

  it.scoped("empty and undecodable inputs are UndecodableMedia naming the file", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("decode-bad")
      const empty = join(dir, "empty.mp3")
      writeFileSync(empty, "")
      const text = join(dir, "notes.mp3")
      writeFileSync(text, "these are notes, not audio\n".repeat(50))
      const emptyError = yield* Effect.flip(decodeToWav(empty, join(dir, "a.wav"), 3600))
      const textError = yield* Effect.flip(decodeToWav(text, join(dir, "b.wav"), 3600))
      expect(emptyError).toMatchObject({ _tag: "UndecodableMedia", path: empty, retryable: false })
      expect(emptyError.message).toContain("empty (0 bytes)")
      expect(textError).toMatchObject({ _tag: "UndecodableMedia", path: text, retryable: false })
    }))

  it.scoped("a video without sound is UndecodableMedia saying it has no audio stream", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("decode-silent-video")
      const video = join(dir, "silent.mp4")
      yield* Effect.promise(() => execa("ffmpeg", ["-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc=d=1:s=64x64", "-c:v", "mpeg4", video]))
      const error = yield* Effect.flip(decodeToWav(video, join(dir, "out.wav"), 3600))
      expect(error).toMatchObject({ _tag: "UndecodableMedia", path: video, retryable: false })
      expect(error.message).toContain("it has no audio stream")
    }))
})
