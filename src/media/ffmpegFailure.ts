import { isDiskFullText } from "../files/diskSpace.js"

/**
 * Why an ffmpeg or ffprobe run failed, decided from how it ended: the cause decides whether trying again
 * can help. Pure, so every rule is tested without a process.
 */
export type FfmpegFailureCause =
  /** Killed by a signal: kidvoice's own interruption, a user, the OOM killer. The input may be fine. */
  | { readonly _tag: "Killed"; readonly signal: string }
  /** The process could not get memory. Transient. */
  | { readonly _tag: "OutOfMemory" }
  /** The disk is full: a stop for the stage, not the video's fault. */
  | { readonly _tag: "DiskFull" }
  /** The input vanished between the check and the read. Transient: it may be put back. */
  | { readonly _tag: "InputMissing" }
  /** The input is read but cannot be decoded: permanent. */
  | { readonly _tag: "Undecodable" }

export interface ProgramEnd {
  readonly exitCode: number | undefined
  readonly signal: string | undefined
  readonly stderr: string
}

export const classifyFfmpegFailure = (end: ProgramEnd): FfmpegFailureCause => {
  if (end.signal !== undefined) return { _tag: "Killed", signal: end.signal }
  if (isDiskFullText(end.stderr)) return { _tag: "DiskFull" }
  if (/Cannot allocate memory|out of memory|ENOMEM/i.test(end.stderr)) return { _tag: "OutOfMemory" }
  if (/No such file or directory/i.test(end.stderr)) return { _tag: "InputMissing" }
  return { _tag: "Undecodable" }
}

export const isTransient = (cause: FfmpegFailureCause) => cause._tag !== "Undecodable"

/** The cause in words, for the row's message. */
export const describeCause = (cause: FfmpegFailureCause): string => {
  switch (cause._tag) {
    case "Killed":
      return `killed by ${cause.signal}${cause.signal === "SIGKILL" ? " (by kidvoice, a user, or the kernel's out-of-memory killer)" : ""}; will be retried`
    case "OutOfMemory":
      return "out of memory; will be retried"
    case "DiskFull":
      return "the disk is full"
    case "InputMissing":
      return "the input file is gone; will be retried"
    case "Undecodable":
      return "the input cannot be decoded"
  }
}

/**
 * The lines of ffmpeg's stderr worth keeping: warnings and errors, without the version banner and library
 * lines that a failed start prints first ("libswresample 4. 7.100 / ..."), deduplicated, at most `count`.
 */
export const informativeLines = (stderr: string, count = 3): ReadonlyArray<string> => {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^(lib\w+\s+\d|ffmpeg version|ffprobe version|built with|configuration:|Copyright)/.test(l))
  return [...new Set(lines)].slice(-count)
}

/**
 * Why ffmpeg failed, in words for the row: an input without an audio stream is said to be one (ffmpeg's own text is
 * about its stream map); otherwise ffmpeg's informative lines.
 */
export const failureReason = (stderr: string): string =>
  /matches no streams|does not contain any stream/.test(stderr) ? "it has no audio stream" : informativeLines(stderr).join(" | ")
