import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { FastCheck as fc } from "effect"
import {
  allTransitions,
  ClaimingStage,
  claimingStates,
  type Position,
  transition,
  Transition,
  VideoState
} from "../../src/domain/VideoState.js"

const positions: ReadonlyArray<Position> = [
  ...VideoState.literals.map((state) => ({ state, failedStage: null })),
  ...ClaimingStage.literals.map((stage) => ({ state: "failed" as const, failedStage: stage }))
]

describe("transition", () => {
  it("walks the happy path from discovered to uploaded", () => {
    const path = [
      Transition.Claim({ stage: "download" }),
      Transition.Complete({ stage: "download" }),
      Transition.Claim({ stage: "analyze" }),
      Transition.Complete({ stage: "analyze" }),
      Transition.Decide({ accepted: true }),
      Transition.Upload()
    ]
    const end = path.reduce<Position>((at, t) => Either.getOrThrow(transition(at, t)), { state: "discovered", failedStage: null })
    expect(end).toEqual({ state: "uploaded", failedStage: null })
  })

  it("retries a failure only in the stage it failed in", () => {
    const failedDownload: Position = { state: "failed", failedStage: "download" }
    expect(transition(failedDownload, Transition.Claim({ stage: "download" }))).toEqual(Either.right({ state: "downloading", failedStage: null }))
    expect(Either.isLeft(transition(failedDownload, Transition.Claim({ stage: "analyze" })))).toBe(true)
  })

  it("lets nothing leave a final verdict except an accepted row's upload", () => {
    for (const state of ["rejected", "uploaded", "skipped"] as const) {
      for (const t of allTransitions) {
        expect(Either.isLeft(transition({ state, failedStage: null }, t))).toBe(true)
      }
    }
  })

  it("releases and fails only in-flight rows, back to the stage's input or to failed", () => {
    for (const stage of ClaimingStage.literals) {
      for (const from of positions) {
        const released = transition(from, Transition.Release({ stage }))
        const failed = transition(from, Transition.Fail({ stage }))
        const inFlight = from.state === claimingStates[stage].inFlight
        expect(Either.isRight(released)).toBe(inFlight)
        expect(Either.isRight(failed)).toBe(inFlight)
        if (inFlight) {
          expect(Either.getOrThrow(released).state).toBe(claimingStates[stage].input)
          expect(Either.getOrThrow(failed)).toEqual({ state: "failed", failedStage: stage })
        }
      }
    }
  })

  it.prop("any sequence of transitions only ever visits legal positions, and the error names the refused move", [
    fc.array(fc.integer({ min: 0, max: allTransitions.length - 1 }), { maxLength: 40 })
  ], ([moves]) => {
    let at: Position = { state: "discovered", failedStage: null }
    for (const move of moves) {
      const t = allTransitions[move]!
      const next = transition(at, t)
      if (Either.isLeft(next)) {
        expect(next.left.message).toContain(t._tag)
        expect(next.left.message).toContain(at.state)
        continue
      }
      at = next.right
      expect(VideoState.literals).toContain(at.state)
      expect(at.failedStage === null).toBe(at.state !== "failed")
    }
  })
})
