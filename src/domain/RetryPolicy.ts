/** What any stage failure tells the manifest: a tag to count by, words for people, and whether trying again can help. */
export interface StageFailure {
  readonly _tag: string
  readonly message: string
  readonly retryable: boolean
  /**
   * When the source itself says the work can succeed (a premiere's start, epoch ms): the retry is then, and the
   * wait spends no attempt, so a video announced for next week is not failed for good by next minute's tries.
   */
  readonly notBefore?: number
}

export interface RetryPolicy {
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

/**
 * When a failed row may be claimed again, or null when never.
 * Exponential in the attempt number, capped; `jitter` in [0, 1) spreads retries of a batch that failed together.
 */
export const nextRetryAt = (
  policy: RetryPolicy,
  failure: Pick<StageFailure, "retryable">,
  attempts: number,
  nowMs: number,
  jitter: number
): number | null => {
  if (!failure.retryable || attempts >= policy.maxAttempts) return null
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1))
  return nowMs + Math.round(exponential * (0.5 + jitter / 2))
}

/** A failure as the manifest records it: the row's attempts after it and when it may be claimed again (null: never). */
export const afterFailure = (
  policy: RetryPolicy,
  failure: Pick<StageFailure, "retryable" | "notBefore">,
  priorAttempts: number,
  nowMs: number,
  jitter: number
): { readonly attempts: number; readonly nextRetryAt: number | null } =>
  failure.notBefore !== undefined
    ? { attempts: priorAttempts, nextRetryAt: Math.max(nowMs, failure.notBefore) }
    : { attempts: priorAttempts + 1, nextRetryAt: nextRetryAt(policy, failure, priorAttempts + 1, nowMs, jitter) }
