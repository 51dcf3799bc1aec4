import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { parseWorkerStages, workerStageNames } from "../../src/cluster/workerStages.js"

const stagesOf = (text: string) => Either.map(parseWorkerStages(text), (set) => [...set].sort())

describe("--stages", () => {
  it("reads a comma-separated list, case and spaces aside; all is every stage", () => {
    expect(stagesOf("download")).toEqual(Either.right(["download"]))
    expect(stagesOf(" Analyze, curate ,upload")).toEqual(Either.right(["analyze", "curate", "upload"]))
    expect(stagesOf("all")).toEqual(Either.right([...workerStageNames].sort()))
    expect(stagesOf("download,download")).toEqual(Either.right(["download"]))
  })

  it("refuses an unknown stage or an empty list, naming the stages", () => {
    const unknown = parseWorkerStages("download,analyse")
    expect(Either.isLeft(unknown) && unknown.left).toContain(`unknown stage "analyse"`)
    expect(Either.isLeft(unknown) && unknown.left).toContain("download, analyze, curate, upload")
    expect(Either.isLeft(parseWorkerStages(" , "))).toBe(true)
    // Discovery is the cluster's singleton, not a stage a runner picks.
    expect(Either.isLeft(parseWorkerStages("discover"))).toBe(true)
  })
})
