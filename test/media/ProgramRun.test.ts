import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { transcodeToWav } from "../../src/media/Ffmpeg.js"
import { runProgram } from "../../src/media/ProgramRun.js"
import { samplesDir } from "../support/cli.js"
import { scopedTempDir } from "../support/manifest.js"
import { descendantProcesses, isLive, mediaChildren } from "../support/processes.js"

const waitFor = (condition: () => boolean) =>
  Effect.gen(function* () {
    while (!condition()) yield* Effect.sleep("10 millis")
  })

describe("child programs and interruption", () => {
  it.scopedLive("interrupting a program kills what it started too, and completes only once the program has exited", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("program-group")
      const pidFile = join(dir, "grandchild.pid")
      // Like yt-dlp starting ffmpeg: the program starts a child of its own, then waits.
      const fiber = yield* runProgram("sh", ["-c", `sleep 300 & echo $! > '${pidFile}'; wait`], { stdin: "ignore" }).pipe(Effect.fork)
      yield* waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "")
      const grandchild = Number(readFileSync(pidFile, "utf8"))
      expect(isLive(grandchild)).toBe(true)
      yield* Fiber.interrupt(fiber)
      expect(descendantProcesses().filter((command) => /sleep 300/.test(command))).toEqual([])
      expect(isLive(grandchild)).toBe(false)
    }))

  it.scopedLive("a conversion interrupted at any moment, even before ffmpeg has started, leaves no ffmpeg behind", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("transcode-interrupt")
      const input = join(samplesDir, "child-cs-poem.mp3")
      for (const delayMs of [0, 0, 1, 2, 5, 10, 20, 50, 100]) {
        const fiber = yield* transcodeToWav(input, join(dir, `out-${delayMs}.wav`)).pipe(Effect.fork)
        if (delayMs > 0) yield* Effect.sleep(`${delayMs} millis`)
        yield* Fiber.interrupt(fiber)
        // No sleep before looking: the interruption itself must have waited for ffmpeg's end.
        expect(mediaChildren(), `interrupted after ${delayMs} ms`).toEqual([])
      }
      // A spawn the interruption missed would show up a moment later.
      yield* Effect.sleep("300 millis")
      expect(mediaChildren()).toEqual([])
    }))
})
