import { Effect } from "effect"
import { execa, type Options, type Result, type ResultPromise } from "execa"

/**
 * The watchdog every program runs under: a POSIX shell that leads the program's process group, starts the
 * program in it, and reads fd 3, a pipe whose only writing end is held by kidvoice. When kidvoice dies in any
 * way (kill -9 included; Node has no PR_SET_PDEATHSIG), the kernel closes that end, the read returns and the
 * whole group is killed: the program and whatever it started (yt-dlp's ffmpeg). When the program ends on its
 * own, the reader is stopped and the program's exit is passed on: its code, or the signal that killed it
 * (re-raised on the shell, so the caller sees a signal, not 128+N).
 *
 * A signal to the shell alone (execa's clean-up when Node exits, a `kill PID` by hand) kills the whole group too:
 * without the trap the shell would die and leave the program running, and its reader waiting on fd 3 for ever.
 *
 * The reader is stopped with SIGKILL, not SIGTERM: a program that exits at once can end before the reader subshell
 * has cleared the trap it inherits, and dash then drops a TERM caught in that window, so the reader lived on reading
 * fd 3 (59 of 800 runs of /bin/true). Its stdout and stderr go to /dev/null, so a reader that outlives the shell
 * can never hold the caller's pipes open (which made execa wait until the timeout).
 *
 * A program that cannot be started is reported on stderr with `startFailureMarker` (exit 127 or 126), as
 * spawn's ENOENT/EACCES would have been.
 */
const watchdogScript = `
trap 'kill -KILL -$$' TERM INT HUP
case "$1" in
  */*) [ -e "$1" ] || { echo "kidvoice-watchdog: ENOENT" >&2; exit 127; }
       [ -x "$1" ] || { echo "kidvoice-watchdog: EACCES" >&2; exit 126; } ;;
  *) command -v "$1" >/dev/null 2>&1 || { echo "kidvoice-watchdog: ENOENT" >&2; exit 127; } ;;
esac
"$@" 3<&- &
program=$!
{ trap - TERM INT HUP; read -r _ <&3; kill -KILL -$$; } >/dev/null 2>&1 &
reader=$!
wait "$program"
status=$?
kill -KILL "$reader" 2>/dev/null
trap - TERM INT HUP
if [ "$status" -gt 128 ] && [ "$status" -lt 160 ]; then kill -$((status - 128)) $$; fi
exit "$status"
`

const startFailureMarker = /^kidvoice-watchdog: (ENOENT|EACCES)$/m

/** Why the program itself could not be started (not found, not executable), or null when it ran. */
export const startFailure = (result: { readonly code?: unknown; readonly stderr?: unknown; readonly exitCode?: number | undefined }) => {
  if (result.code === "ENOENT" || result.code === "EACCES") return result.code
  if (result.exitCode !== 126 && result.exitCode !== 127) return null
  const marker = startFailureMarker.exec(typeof result.stderr === "string" ? result.stderr : "")
  return marker ? (marker[1] as "ENOENT" | "EACCES") : null
}

type StdioOption = Options["stdin"]

/**
 * Starts a program under the watchdog above, in a process group of its own (the watchdog leads it), never
 * through a shell line: the program and its arguments are passed as the shell's positional parameters.
 * Whatever the program starts itself joins that group, so `killProgramGroup` reaches all of them, and so
 * does the death of kidvoice.
 */
export const startProgram = <O extends Options>(file: string, args: ReadonlyArray<string>, options: O) => {
  const { stdin, stdout, stderr, ...rest } = options as O & { stdin?: StdioOption; stdout?: StdioOption; stderr?: StdioOption }
  return execa("sh", ["-c", watchdogScript, "kidvoice-watchdog", file, ...args], {
    ...rest,
    detached: true,
    stdio: [stdin ?? "pipe", stdout ?? "pipe", stderr ?? "pipe", "pipe"]
  } as unknown as O)
}

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
 * Waits for the program to end, killing its group once it has run `timeoutMs` (its result then says `timedOut`).
 * When the waiting fiber is interrupted, the program's whole group is killed and the interruption completes only
 * once the program has exited, so the caller may remove its files right after.
 */
const awaitProgram = <O extends Options>(file: string, child: ResultPromise<O>, timeoutMs: number | undefined) =>
  Effect.async<Result<O>>((resume) => {
    let timedOut = false
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true
      killProgramGroup(child)
    }, timeoutMs)
    void child.then((result) => {
      clearTimeout(timer)
      resume(Effect.succeed(timedOut
        ? ({ ...result, failed: true, timedOut: true, shortMessage: `${file} timed out after ${timeoutMs! / 1000} s and was killed` } as Result<O>)
        : result))
    }, () => {})
    return Effect.promise(async () => {
      clearTimeout(timer)
      killProgramGroup(child)
      await child.catch(() => {})
    })
  })

/** Options for `runProgram`: execa's, with `timeout` (ms) taken by kidvoice (see there). */
export type ProgramOptions = Options & { readonly timeout?: number | undefined }

/**
 * Runs a program to its end (failures are in the result, not thrown), killable as `awaitProgram` says. A `timeout`
 * is kidvoice's, not execa's: execa's would SIGTERM the watchdog shell alone, and then wait for output that a
 * program outliving its shell never ends; here the whole group is killed, and awaited.
 */
export const runProgram = <O extends ProgramOptions>(file: string, args: ReadonlyArray<string>, options: O) =>
  Effect.suspend(() => {
    const { timeout, ...rest } = options
    return awaitProgram(file, startProgram(file, args, { ...rest, reject: false as const }), timeout)
  })
