import { describe, expect, it } from "@effect/vitest"
import { Cause, Exit } from "effect"
import { exitCodeOf, FinishedWithFailures } from "../../src/cli/exitCodes.js"

describe("exitCodeOf", () => {
  it("0 done, 2 finished with failed items, 130 interrupted, 1 for any other failure or a defect", () => {
    expect(exitCodeOf(Exit.succeed(undefined))).toBe(0)
    expect(exitCodeOf(Exit.fail(new FinishedWithFailures({ count: 3, what: "videos", hint: "" })))).toBe(2)
    expect(exitCodeOf(Exit.interrupt(0 as never))).toBe(130)
    expect(exitCodeOf(Exit.fail(new Error("bad settings")))).toBe(1)
    expect(exitCodeOf(Exit.failCause(Cause.die("bug")))).toBe(1)
  })

  it("says how many failed", () => {
    expect(new FinishedWithFailures({ count: 3, what: "videos", hint: "see status" }).message).toBe("finished, but 3 videos failed; see status")
  })
})
