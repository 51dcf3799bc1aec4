import { describe, expect, it } from "@effect/vitest"
import { classifyFfmpegFailure, describeCause, informativeLines, isTransient } from "../../src/media/ffmpegFailure.js"

describe("ffmpeg failure causes", () => {
  it("a signal is a transient cause, named in words, whatever stderr says", () => {
    const cause = classifyFfmpegFailure({ exitCode: undefined, signal: "SIGKILL", stderr: "Invalid data found when processing input" })
    expect(cause).toEqual({ _tag: "Killed", signal: "SIGKILL" })
    expect(isTransient(cause)).toBe(true)
    expect(describeCause(cause)).toContain("killed by SIGKILL")
  })

  it("out of memory and a vanished input are transient; undecodable input is permanent", () => {
    expect(isTransient(classifyFfmpegFailure({ exitCode: 1, signal: undefined, stderr: "x: Cannot allocate memory" }))).toBe(true)
    expect(classifyFfmpegFailure({ exitCode: 1, signal: undefined, stderr: "/a.mp3: No such file or directory" })._tag).toBe("InputMissing")
    expect(classifyFfmpegFailure({ exitCode: 1, signal: undefined, stderr: "x: No space left on device" })._tag).toBe("DiskFull")
    expect(classifyFfmpegFailure({ exitCode: 1, signal: undefined, stderr: "x: Disk quota exceeded" })._tag).toBe("DiskFull")
    const undecodable = classifyFfmpegFailure({ exitCode: 1, signal: undefined, stderr: "a.mp3: Invalid data found when processing input" })
    expect(undecodable._tag).toBe("Undecodable")
    expect(isTransient(undecodable)).toBe(false)
  })

  it("the banner's library lines are not the reason", () => {
    const stderr = "ffmpeg version 5.1\n  libswresample   4.  7.100 /  4.  7.100\n  libpostproc    56.  6.100\nempty.mp3: Invalid data found\n"
    expect(informativeLines(stderr)).toEqual(["empty.mp3: Invalid data found"])
  })
})
