import { describe, expect, it } from "@effect/vitest"
import { expectedRows, progressStyle, renderProgress, type Sample, stageRate } from "../../src/cli/progress.js"
import { stageFigures } from "../../src/cli/status.js"

const sample = (atMs: number, download: number, analyze = 0, curate = 0): Sample => ({ atMs, done: { download, analyze, curate } })

describe("stageRate", () => {
  it("is rows done per second between the oldest and newest sample", () => {
    expect(stageRate([sample(0, 10), sample(5_000, 12), sample(10_000, 30)], "download")).toBe(2)
  })
  it("is unknown until the samples span five seconds", () => {
    expect(stageRate([], "download")).toBeNull()
    expect(stageRate([sample(1_000, 3)], "download")).toBeNull()
    expect(stageRate([sample(1_000, 3), sample(5_999, 4)], "download")).toBeNull()
    expect(stageRate([sample(1_000, 3), sample(6_000, 4)], "download")).toBe(0.2)
  })
})

describe("renderProgress", () => {
  const counts = [
    { state: "discovered" as const, failedStage: null, count: 20 },
    { state: "downloading" as const, failedStage: null, count: 4 },
    { state: "downloaded" as const, failedStage: null, count: 6 },
    { state: "analyzing" as const, failedStage: null, count: 2 },
    { state: "accepted" as const, failedStage: null, count: 3 },
    { state: "rejected" as const, failedStage: null, count: 5 },
    { state: "failed" as const, failedStage: "download" as const, count: 2 },
    { state: "skipped" as const, failedStage: null, count: 7 }
  ]

  it("counts what each stage can still get: skipped rows never, a download failure not for later stages", () => {
    expect(expectedRows(counts)).toEqual({ download: 42, analyze: 40, curate: 40 })
  })

  it("shows done of expected, what runs and failed, the rate and the time left", () => {
    const line = renderProgress(stageFigures(counts), expectedRows(counts), { download: 2, analyze: 0, curate: null })
    // analyze: rows running but none finished in the window (a long file) is work, not a stall; curate has
    // nothing queued or running while rows are still to come: it waits for its upstream.
    expect(line).toBe(
      "download 16/42 (4 running, 2 failed) 2.0/s, 0:12 left | analyze 8/40 (2 running) | curate 8/40 waiting for upstream"
    )
  })

  it("is stalled only when rows wait for the stage and none runs or finishes", () => {
    const queued = [{ state: "discovered" as const, failedStage: null, count: 3 }]
    expect(renderProgress(stageFigures(queued), expectedRows(queued), { download: 0, analyze: 0, curate: 0 }))
      .toBe("download 0/3 stalled | analyze 0/3 waiting for upstream | curate 0/3 waiting for upstream")
  })

  it("fits the width: details go first, then the stage names shrink, then the line is cut", () => {
    const full = renderProgress(stageFigures(counts), expectedRows(counts), { download: 2, analyze: 0, curate: null })
    expect(renderProgress(stageFigures(counts), expectedRows(counts), { download: 2, analyze: 0, curate: null }, full.length)).toBe(full)
    expect(renderProgress(stageFigures(counts), expectedRows(counts), { download: 2, analyze: 0, curate: null }, 50))
      .toBe("download 16/42 | analyze 8/40 | curate 8/40")
    expect(renderProgress(stageFigures(counts), expectedRows(counts), { download: 2, analyze: 0, curate: null }, 30))
      .toBe("do 16/42 | an 8/40 | cu 8/40")
    expect(renderProgress(stageFigures(counts), expectedRows(counts), { download: 2, analyze: 0, curate: null }, 10)).toHaveLength(10)
  })

  it("says hours when the work is long, and no time left once a stage is through", () => {
    const long = [{ state: "discovered" as const, failedStage: null, count: 36_000 }, { state: "accepted" as const, failedStage: null, count: 10 }]
    const line = renderProgress(stageFigures(long), expectedRows(long), { download: 1, analyze: null, curate: null })
    expect(line.startsWith("download 10/36010 1.0/s, 10:00:00 left | ")).toBe(true)
    const through = [{ state: "accepted" as const, failedStage: null, count: 5 }]
    expect(renderProgress(stageFigures(through), expectedRows(through), { download: 0, analyze: 0, curate: 0 }))
      .toBe("download 5/5 | analyze 5/5 | curate 5/5")
  })
})

describe("progressStyle", () => {
  it("auto is the live line on a terminal, and lines in CI, in a pipe or with JSON logs; a choice is kept", () => {
    const tty = { isTTY: true, ci: false, logFormat: "pretty" }
    expect(progressStyle("auto", tty)).toBe("tty")
    expect(progressStyle("auto", { ...tty, isTTY: false })).toBe("lines")
    expect(progressStyle("auto", { ...tty, ci: true })).toBe("lines")
    expect(progressStyle("auto", { ...tty, logFormat: "json" })).toBe("lines")
    expect(progressStyle("off", tty)).toBe("off")
    expect(progressStyle("lines", tty)).toBe("lines")
  })
})
