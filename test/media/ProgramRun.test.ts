import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { transcodeToWav } from "../../src/media/Ffmpeg.js"
import { runProgram, startProgram } from "../../src/media/ProgramRun.js"
import { samplesDir } from "../support/cli.js"
import { scopedTempDir } from "../support/manifest.js"
import { descendantProcesses, isLive, mediaChildren } from "../support/processes.js"

const waitFor = (condition: () => boolean) =>
  Effect.gen(function* () {
    while (!condition()) yield* Effect.sleep("10 millis")
  })

/** A program that ignores SIGTERM and starts a child that does too, writing the child's pid to `pidFile`. */
const stubbornProgram = (pidFile: string) => ["-c", `trap '' TERM; sleep 300 & echo $! > '${pidFile}'; wait`] as const

const pidIn = (pidFile: string) => (existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").trim()) || null : null)

/** Fails, instead of hanging the file, when what the test waits for never comes. */
const orFail = <A, E, R>(effect: Effect.Effect<A, E, R>, what: string) =>
  Effect.timeoutFail(effect, { duration: "20 seconds", onTimeout: () => new Error(`${what}: still waiting after 20 s`) })

describe("child programs and interruption", () => {
  it.scopedLive("a program past its timeout is killed with what it started, even ignoring SIGTERM, and the run says timedOut", () =>
    Effect.gen(function* () {
      const pidFile = join(yield* scopedTempDir("program-timeout"), "grandchild.pid")
      const result = yield* orFail(runProgram("sh", stubbornProgram(pidFile), { stdin: "ignore", timeout: 300, encoding: "utf8" }), "the timed-out run")
      expect(result).toMatchObject({ failed: true, timedOut: true })
      expect(String(result.shortMessage)).toContain("timed out after 0.3 s")
      expect(isLive(pidIn(pidFile)!)).toBe(false)
      expect(descendantProcesses().filter((command) => /sleep 300|kidvoice-watchdog/.test(command))).toEqual([])
    }))

  it.effect("a program that exits at once ends its run at once: the watchdog's reader never outlives it holding the output", () =>
    Effect.gen(function* () {
      // The reader used to survive a stop sent before it had cleared its inherited trap (about 1 run in 14).
      const results = yield* Effect.forEach(Array.from({ length: 400 }, (_, i) => i), () =>
        runProgram("true", [], { stdin: "ignore", timeout: 10_000 }), { concurrency: 8 })
      expect(results.filter((result) => result.timedOut || result.exitCode !== 0)).toEqual([])
      expect(descendantProcesses().filter((command) => /kidvoice-watchdog/.test(command))).toEqual([])
    }), 120_000)

  it.effect("a program killed by a signal is reported with that signal, the watchdog's trap notwithstanding", () =>
    Effect.gen(function* () {
      // (Not INT: a program started in the background of a non-interactive shell ignores it.)
      for (const signal of ["TERM", "KILL"]) {
        const result = yield* runProgram("sh", ["-c", `kill -${signal} $$`], { stdin: "ignore" })
        expect(result.signal).toBe(`SIG${signal}`)
      }
    }))

  it.scopedLive("SIGTERM to the watchdog shell alone (execa's clean-up at exit) kills the program and its children too", () =>
    Effect.gen(function* () {
      const pidFile = join(yield* scopedTempDir("program-term"), "grandchild.pid")
      const child = startProgram("sh", stubbornProgram(pidFile), { stdin: "ignore", reject: false })
      yield* waitFor(() => pidIn(pidFile) !== null)
      process.kill(child.pid!, "SIGTERM")
      yield* orFail(Effect.promise(() => child), "the program's end after SIGTERM to its shell")
      expect(isLive(pidIn(pidFile)!)).toBe(false)
    }))

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
