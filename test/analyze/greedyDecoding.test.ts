import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { bestToken, defaultLoopGuard, repeatedTail, stopDecision, type StopRules } from "../../src/analyze/greedyDecoding.js"

const rules: StopRules = { endOfText: 0, maxTokens: 50, loop: defaultLoopGuard }

describe("stopDecision", () => {
  it("goes on while nothing says stop", () => {
    expect(stopDecision([5, 6, 7], rules)).toBeNull()
  })

  it("stops at end-of-text and leaves it out of the text", () => {
    expect(stopDecision([5, 6, 0], rules)).toEqual({ stop: "end-of-text", keep: 2 })
  })

  it("stops at the token limit and keeps every token", () => {
    const tokens = Array.from({ length: 50 }, (_, i) => 100 + i)
    expect(stopDecision(tokens, rules)).toEqual({ stop: "max-tokens", keep: 50 })
    expect(stopDecision(tokens.slice(0, 49), rules)).toBeNull()
  })

  it("stops a loop of one word at the eighth copy and keeps one", () => {
    const la = (n: number) => [7, ...Array.from({ length: n }, () => 9)]
    expect(stopDecision(la(7), rules)).toBeNull()
    expect(stopDecision(la(8), rules)).toEqual({ stop: "repeat", keep: 2 })
  })

  it("stops a loop of a phrase at its fourth copy and keeps one", () => {
    const phrase = [11, 12, 13]
    const tokens = [5, ...phrase, ...phrase, ...phrase, ...phrase]
    expect(stopDecision(tokens.slice(0, -1), rules)).toBeNull()
    expect(stopDecision(tokens, rules)).toEqual({ stop: "repeat", keep: 4 })
  })

  it("lets short natural repetition through (no, no; a phrase said twice)", () => {
    expect(stopDecision([3, 3, 4, 5, 6, 4, 5, 6], rules)).toBeNull()
  })

  it.prop("any n-gram (up to 16 tokens) repeated back to back long enough is a loop, found with its period", [
    fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 6 }),
    fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 16 }),
    fc.integer({ min: 0, max: 4 })
  ], ([prefix, gram, extra]) => {
    const copies = Math.max(defaultLoopGuard.minRepeats, Math.ceil(defaultLoopGuard.minSpan / gram.length)) + extra
    const tokens = [...prefix, ...Array.from({ length: copies }, () => gram).flat()]
    const loop = repeatedTail(tokens, defaultLoopGuard)
    expect(loop).not.toBeNull()
    // The shortest period found divides the n-gram (a gram like [1, 1] is itself a loop of [1]).
    expect(gram.length % loop!.period).toBe(0)
  })
})

describe("bestToken", () => {
  it("takes the highest score that is not suppressed", () => {
    expect(bestToken([1, 5, 3], Uint8Array.from([0, 1, 0]))).toBe(2)
    expect(bestToken([1, 5, 3], new Uint8Array(3))).toBe(1)
    expect(bestToken([1, 5], Uint8Array.from([1, 1]))).toBe(-1)
  })
})
