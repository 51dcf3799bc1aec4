/** What any stage failure tells the manifest: a tag to count by, words for people, and whether trying again can help. */
export interface StageFailure {
  readonly _tag: string
  readonly message: string
  readonly retryable: boolean
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
