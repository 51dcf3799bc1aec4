import { describe, expect, it } from "@effect/vitest"
import { stageFigures } from "../../src/cli/status.js"

describe("stageFigures", () => {
  it("counts each stage's done, in-flight, waiting and failed rows from the positions", () => {
    const figures = stageFigures([
      { state: "discovered", failedStage: null, count: 5 },
      { state: "downloading", failedStage: null, count: 2 },
      { state: "downloaded", failedStage: null, count: 3 },
      { state: "analyzing", failedStage: null, count: 1 },
      { state: "analyzed", failedStage: null, count: 4 },
      { state: "accepted", failedStage: null, count: 6 },
      { state: "rejected", failedStage: null, count: 7 },
      { state: "failed", failedStage: "download", count: 8 },
      { state: "failed", failedStage: "analyze", count: 9 },
      { state: "skipped", failedStage: null, count: 10 }
    ])
    expect(figures.download).toEqual({ done: 3 + 1 + 4 + 6 + 7, inFlight: 2, waiting: 5, failed: 8 })
    expect(figures.analyze).toEqual({ done: 4 + 6 + 7, inFlight: 1, waiting: 3, failed: 9 })
    expect(figures.curate).toEqual({ done: 13, inFlight: 0, waiting: 4, failed: 0 })
  })
})
