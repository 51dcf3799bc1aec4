import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { execa } from "execa"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { decodeToWav } from "../../src/media/Ffmpeg.js"
import { makeWavDecoder } from "../../src/media/WavDecoder.js"
import { samplesDir } from "../support/cli.js"
import { scopedTempDir } from "../support/manifest.js"

/** Issue 17: files decoded at the same time share one ffmpeg, and sharing never changes a file's result. */

const samples = ["child-cs-story.ogg", "child-cs-poem.mp3", "adult-en-librivox.flac"].map((name) => join(samplesDir, name))

/** FFMPEG_PATH set to `path` for the scope. */
const ffmpegPath = (path: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const saved = process.env.FFMPEG_PATH
      process.env.FFMPEG_PATH = path
      return saved
    }),
    (saved) => Effect.sync(() => {
      if (saved === undefined) delete process.env.FFMPEG_PATH
      else process.env.FFMPEG_PATH = saved
    })
  )

/** A stand-in ffmpeg, the one decodes use for the scope, that logs each run (one line, its number of inputs), then runs the real one. */
const countingFfmpeg = (dir: string, extra = "") =>
  Effect.gen(function* () {
    const log = join(dir, "runs.log")
    const path = join(dir, "ffmpeg")
    writeFileSync(path, `#!/bin/sh\nn=0; for a in "$@"; do [ "$a" = "-i" ] && n=$((n+1)); done\necho "$n" >> '${log}'\n${extra}\nexec ffmpeg "$@"\n`, { mode: 0o755 })
    yield* ffmpegPath(path)
    return { runs: () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").map(Number) : []) }
  })

describe("WavDecoder: one ffmpeg for the files that arrive together", () => {
  it.scoped("three files at once: one ffmpeg with three inputs, each WAV byte-identical to its own decode", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("wav-decoder-shared")
      const ffmpeg = yield* countingFfmpeg(dir)
      const decoder = makeWavDecoder({ gatherMs: 200, maxInputs: 8 })
      const shared = yield* Effect.forEach(samples, (input, i) => decoder.decode(input, join(dir, `shared-${i}.wav`), 3600), { concurrency: "unbounded" })
      expect(ffmpeg.runs()).toEqual([3])
      expect(decoder.counts()).toEqual({ files: 3, processes: 1 })
      for (const [i, input] of samples.entries()) {
        const alone = yield* decodeToWav(input, join(dir, `alone-${i}.wav`), 3600)
        expect(shared[i]).toEqual(alone)
        expect(readFileSync(join(dir, `shared-${i}.wav`)).equals(readFileSync(join(dir, `alone-${i}.wav`))), input).toBe(true)
      }
    }))

  it.scoped("a file with two audio streams gives its first, shared or alone, even when the second has more channels", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("wav-decoder-streams")
      // The story first, a 5.1 tone second, neither marked default: left to itself, ffmpeg takes the most channels.
      const twoStreams = join(dir, "two-streams.mkv")
      const firstOnly = join(dir, "first-only.mkv")
      yield* Effect.promise(() => execa("ffmpeg", ["-v", "error", "-nostdin", "-i", samples[0]!, "-f", "lavfi", "-i", "sine=f=800:d=4",
        "-filter_complex", "[1]pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0[tone]", "-map", "0:a", "-map", "[tone]", "-t", "4", "-c:a", "flac",
        "-disposition:a:0", "0", "-disposition:a:1", "0", twoStreams]))
      yield* Effect.promise(() => execa("ffmpeg", ["-v", "error", "-nostdin", "-i", twoStreams, "-map", "0:a:0", "-c", "copy", firstOnly]))
      const decoder = makeWavDecoder({ gatherMs: 200, maxInputs: 8 })
      yield* Effect.forEach([twoStreams, samples[1]!], (input, i) => decoder.decode(input, join(dir, `shared-${i}.wav`), 3600), { concurrency: "unbounded" })
      expect(decoder.counts()).toEqual({ files: 2, processes: 1 })
      yield* decodeToWav(twoStreams, join(dir, "alone.wav"), 3600)
      yield* decodeToWav(firstOnly, join(dir, "first.wav"), 3600)
      const first = readFileSync(join(dir, "first.wav"))
      expect(readFileSync(join(dir, "shared-0.wav")).equals(first)).toBe(true)
      expect(readFileSync(join(dir, "alone.wav")).equals(first)).toBe(true)
    }))

  it.scoped("a file alone, or past the batch size, is decoded as before; the limit applies per file", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("wav-decoder-alone")
      const ffmpeg = yield* countingFfmpeg(dir)
      const decoder = makeWavDecoder({ gatherMs: 200, maxInputs: 2 })
      const alone = yield* decoder.decode(samples[0]!, join(dir, "alone.wav"), 3600)
      // Two fill a batch (which then starts without waiting), the third starts the next one and is alone there.
      const limited = yield* Effect.forEach(samples, (input, i) => decoder.decode(input, join(dir, `limited-${i}.wav`), 3), { concurrency: "unbounded" })
      // The first run is the lone decode above; the other two start 200 ms apart, and a loaded machine may log the
      // later one first (each logs when its shell gets to it), so their order is not asserted.
      const [first, ...concurrent] = ffmpeg.runs()
      expect([first, concurrent.sort()]).toEqual([1, [1, 2]])
      expect(alone.wav.durationSeconds).toBeGreaterThan(10)
      for (const decoded of limited) expect(decoded.wav.durationSeconds).toBeCloseTo(4, 1)
    }))

  it.scoped("one undecodable or empty file in a shared run: every file is decoded again alone, each with its own verdict", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("wav-decoder-bad")
      const ffmpeg = yield* countingFfmpeg(dir)
      const notAudio = join(dir, "notes.txt")
      writeFileSync(notAudio, "these are not the samples you are looking for\n".repeat(50))
      const empty = join(dir, "empty.mp3")
      writeFileSync(empty, "")
      const decoder = makeWavDecoder({ gatherMs: 200, maxInputs: 8 })
      const inputs = [samples[0]!, notAudio, empty, samples[1]!]
      const results = yield* Effect.forEach(inputs, (input, i) => Effect.exit(decoder.decode(input, join(dir, `out-${i}.wav`), 3600)), { concurrency: "unbounded" })
      // The empty file is refused before any ffmpeg; the other three share a run that fails, then run alone.
      expect(ffmpeg.runs().sort()).toEqual([1, 1, 1, 3])
      const alone = yield* Effect.forEach(inputs, (input, i) => Effect.exit(decodeToWav(input, join(dir, `alone-${i}.wav`), 3600)))
      expect(results.map((r) => Exit.isSuccess(r))).toEqual([true, false, false, true])
      for (const i of [1, 2]) {
        const [got, want] = [results[i]!, alone[i]!]
        if (Exit.isSuccess(got) || Exit.isSuccess(want)) throw new Error("expected failures")
        expect(JSON.stringify(got.cause)).toBe(JSON.stringify(want.cause).replaceAll("alone-", "out-"))
      }
      for (const i of [0, 3]) expect(readFileSync(join(dir, `out-${i}.wav`)).equals(readFileSync(join(dir, `alone-${i}.wav`)))).toBe(true)
    }))

  it.scoped("interrupting one caller kills the shared ffmpeg and returns once it has exited; the others decode alone", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("wav-decoder-interrupt")
      const started = join(dir, "shared-started")
      // The shared run (more than one input) records its pid and hangs; runs of one file go straight to ffmpeg.
      const ffmpeg = yield* countingFfmpeg(dir, `if [ "$n" -gt 1 ]; then echo $$ > '${started}'; exec sleep 60; fi`)
      const decoder = makeWavDecoder({ gatherMs: 100, maxInputs: 8 })
      const others = yield* Effect.fork(Effect.forEach(samples.slice(0, 2), (input, i) => decoder.decode(input, join(dir, `other-${i}.wav`), 3600), { concurrency: "unbounded" }))
      const victim = yield* Effect.fork(decoder.decode(samples[2]!, join(dir, "victim.wav"), 3600))
      yield* Effect.promise(() => new Promise<void>((resolve) => {
        const poll = setInterval(() => existsSync(started) && (clearInterval(poll), resolve()), 20)
      }))
      const pid = Number(readFileSync(started, "utf8"))
      yield* Fiber.interrupt(victim)
      // Gone, or a zombie waiting for a reaper that is not ours to run (its group was SIGKILLed with it).
      const alive = existsSync(`/proc/${pid}`) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"))
      expect(alive).toBe(false)
      const decoded = yield* Fiber.join(others)
      expect(decoded.map((d) => d.wav.channels)).toEqual([1, 1])
      expect(ffmpeg.runs()).toEqual([3, 1, 1])
    }))
})
