import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { afterFailure, nextRetryAt } from "../../src/domain/RetryPolicy.js"

const policy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 8000 }

describe("nextRetryAt", () => {
  it("never retries a permanent failure", () => {
    expect(nextRetryAt(policy, { retryable: false }, 1, 0, 0.5)).toBeNull()
  })

  it("stops once the attempts are used up", () => {
    expect(nextRetryAt(policy, { retryable: true }, 4, 0, 0.5)).toBeNull()
    expect(nextRetryAt(policy, { retryable: true }, 3, 0, 0.5)).not.toBeNull()
  })

  it.prop("waits between half and all of the capped exponential delay", [
    fc.integer({ min: 1, max: 3 }),
    fc.double({ min: 0, max: 0.999, noNaN: true })
  ], ([attempts, jitter]) => {
    const delay = nextRetryAt(policy, { retryable: true }, attempts, 10_000, jitter)! - 10_000
    const full = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempts - 1))
    expect(delay).toBeGreaterThanOrEqual(full / 2)
    expect(delay).toBeLessThanOrEqual(full)
  })
})

describe("afterFailure", () => {
  it("counts the attempt and backs off; at the last attempt, no retry", () => {
    expect(afterFailure(policy, { retryable: true }, 0, 10_000, 0)).toEqual({ attempts: 1, nextRetryAt: 10_500 })
    expect(afterFailure(policy, { retryable: true }, 3, 10_000, 0)).toEqual({ attempts: 4, nextRetryAt: null })
  })

  it("a failure that names its retry time gets it and spends no attempt, even on the last attempt", () => {
    expect(afterFailure(policy, { retryable: true, notBefore: 90_000 }, 3, 10_000, 0.5)).toEqual({ attempts: 3, nextRetryAt: 90_000 })
    // A time already past is now.
    expect(afterFailure(policy, { retryable: true, notBefore: 5_000 }, 0, 10_000, 0.5)).toEqual({ attempts: 0, nextRetryAt: 10_000 })
  })
})
