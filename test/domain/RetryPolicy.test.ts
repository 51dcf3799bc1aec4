import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { nextRetryAt } from "../../src/domain/RetryPolicy.js"

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
