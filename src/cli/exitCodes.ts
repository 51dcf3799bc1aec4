import { Cause, Data, Exit, Option } from "effect"

/**
 * The work ran to its end but some items failed: the exit code (2) tells scripts, the message gives the count and
 * where to look. Raised after the results are printed, never instead of them.
 */
export class FinishedWithFailures extends Data.TaggedError("FinishedWithFailures")<{
  readonly count: number
  /** What failed, plural: "videos", "sources", "clips". */
  readonly what: string
  readonly hint: string
}> {
  override get message() {
    return `finished, but ${this.count} ${this.what} failed; ${this.hint}`
  }
}

/** The exit codes scripts can rely on (documented in the README). */
export const exitCodes = { done: 0, error: 1, failedItems: 2, interrupted: 130 } as const

/** 0 all done; 1 a setup or usage error; 2 finished with failed items; 130 interrupted (Ctrl-C). Pure. */
export const exitCodeOf = (exit: Exit.Exit<unknown, unknown>): number => {
  if (Exit.isSuccess(exit)) return exitCodes.done
  if (Cause.isInterruptedOnly(exit.cause)) return exitCodes.interrupted
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure) && failure.value instanceof FinishedWithFailures) return exitCodes.failedItems
  return exitCodes.error
}
