import { Effect } from "effect"
import { execa, type Options, type Result, type ResultPromise } from "execa"

/**
 * Starts a program in a process group of its own (it leads it), never through a shell. Whatever it starts
 * itself (yt-dlp runs ffmpeg and ffprobe) joins that group, so `killProgramGroup` reaches all of them.
 */
export const startProgram = <O extends Options>(file: string, args: ReadonlyArray<string>, options: O) =>
  execa(file, args, { ...options, detached: true })

/** SIGKILL to the program and everything it started. A group already gone is not an error. */
export const killProgramGroup = (child: { readonly pid?: number | undefined }) => {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, "SIGKILL")
  } catch {
    // ESRCH: every member has exited already.
  }
}

/**
 * Waits for the program to end. When the waiting fiber is interrupted, the program's whole group is killed and
 * the interruption completes only once the program has exited, so the caller may remove its files right after.
 */
const awaitProgram = <O extends Options>(child: ResultPromise<O>) =>
  Effect.async<Result<O>>((resume) => {
    void child.then((result) => resume(Effect.succeed(result)), () => {})
    return Effect.promise(async () => {
      killProgramGroup(child)
      await child.catch(() => {})
    })
  })

/** Runs a program to its end (failures are in the result, not thrown), killable as `awaitProgram` says. */
export const runProgram = <O extends Options>(file: string, args: ReadonlyArray<string>, options: O) =>
  Effect.suspend(() => awaitProgram(startProgram(file, args, { ...options, reject: false as const })))
