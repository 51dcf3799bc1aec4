import { describe, expect, it } from "@effect/vitest"
import { causeChain } from "../../src/domain/causeChain.js"

describe("causeChain", () => {
  it("lists an error and the causes under it, outermost first, through any object and up to a limit", () => {
    const root = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })
    const driver = { message: "not an Error, but it has a cause", cause: root }
    const wrapper = new Error("fetch failed", { cause: driver })
    expect(causeChain(wrapper)).toEqual([wrapper, driver, root])
    expect(causeChain(wrapper, 2)).toEqual([wrapper, driver])
    expect(causeChain("plain text")).toEqual(["plain text"])
    expect(causeChain(undefined)).toEqual([])
    // A cycle ends at the limit.
    const looped: { cause?: unknown } = {}
    looped.cause = looped
    expect(causeChain(looped, 3)).toEqual([looped, looped, looped])
  })
})
