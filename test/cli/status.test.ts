import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { formatStatus, stageFigures, statusReport } from "../../src/cli/status.js"
import { workspacePaths } from "../../src/domain/Workspace.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { candidate, freshManifest } from "../support/manifest.js"

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

describe("status shows decode warnings", () => {
  it.effect("counts the kept files ffmpeg warned about and lists the latest three with their video ids", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      yield* manifest.addCandidates([1, 2, 3, 4, 5].map(candidate))
      const ids = (yield* manifest.claim("download", 5)).map((r) => r.id).sort()
      // Completed a minute apart, the fifth one clean: the latest warned are the fourth, third and second.
      for (const [i, id] of ids.entries()) {
        yield* TestClock.adjust("1 minute")
        yield* manifest.completeDownload(id, {
          audioPath: `/${id}.wav`,
          measuredDurationSeconds: 3,
          decodeWarnings: i === 4 ? [] : [`[mp3float @ 0x${i}] Header missing`, "Error while decoding stream #0:0"]
        })
      }
      const report = yield* statusReport(workspacePaths("/nonexistent/kidvoice-status"))
      expect(report.decodeWarnings.count).toBe(4)
      expect(report.decodeWarnings.latest.map((w) => w.id)).toEqual([ids[3], ids[2], ids[1]])
      expect(report.decodeWarnings.latest[0]!.decodeWarnings).toBe("[mp3float @ 0x3] Header missing | Error while decoding stream #0:0")
      const text = formatStatus(report)
      expect(text).toContain("warnings  4 kept files decoded with ffmpeg warnings")
      expect(text).toContain(`  ${ids[3]}  [mp3float @ 0x3] Header missing | Error while decoding stream #0:0`)
      expect(text).not.toContain(ids[0]!)
    }).pipe(Effect.provide(freshManifest())))

  it.effect("says nothing about warnings when no file drew any", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      yield* manifest.addCandidates([candidate(1)])
      const [row] = yield* manifest.claim("download", 1)
      yield* manifest.completeDownload(row!.id, { audioPath: "/a.wav", measuredDurationSeconds: 3, decodeWarnings: [] })
      const report = yield* statusReport(workspacePaths("/nonexistent/kidvoice-status"))
      expect(report.decodeWarnings).toEqual({ count: 0, latest: [] })
      expect(formatStatus(report)).not.toContain("warnings")
    }).pipe(Effect.provide(freshManifest())))
})
