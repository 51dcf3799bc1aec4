import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Layer } from "effect"
import { Manifest } from "../../src/manifest/Manifest.js"
import { restartDelay, runClaimingStage } from "../../src/pipeline/stageWorkers.js"
import { SqlClient } from "@effect/sql"
import { candidate, freshManifest } from "../support/manifest.js"

describe("restartDelay", () => {
  it("doubles with each crash in a row, from the base, up to a minute", () => {
    const base = Duration.seconds(1)
    expect([1, 2, 3, 4, 7, 8, 50].map((n) => Duration.toSeconds(restartDelay(base, n)))).toEqual([1, 2, 4, 8, 60, 60, 60])
  })
})

describe("a claiming stage's supervisor", () => {
  it.live("restarts a worker whose handler crashed; the row is failed with the cause, retried, and the others go on", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      yield* manifest.addCandidates([1, 2, 3, 4, 5].map(candidate))
      const crashing = candidate(3).id
      const handled: Array<string> = []
      const abandoned: Array<string> = []
      const upstreamDone = yield* Deferred.make<void>()
      yield* Deferred.succeed(upstreamDone, undefined)
      yield* runClaimingStage({
        stage: "download",
        workers: 2,
        upstreamDone,
        restartBaseDelay: Duration.millis(10),
        handle: (row) =>
          Effect.sync(() => handled.push(row.id)).pipe(
            Effect.zipRight(row.id === crashing && row.attempts === 0 ? Effect.die(new Error("index out of range")) : Effect.void)
          ),
        complete: (row) => manifest.completeDownload(row.id, { audioPath: `/audio/${row.id}.wav`, measuredDurationSeconds: 3 }),
        abandon: (row) => Effect.sync(() => abandoned.push(row.id)),
        classify: () => ({ _tag: "Fail", failure: { _tag: "Never", message: "never", retryable: false } })
      })
      const rows = yield* Effect.forEach([1, 2, 3, 4, 5], (n) => manifest.get(candidate(n).id))
      expect(rows.every((r) => r.state === "downloaded")).toBe(true)
      expect(handled.filter((id) => id === crashing)).toHaveLength(2)
      expect(abandoned).toEqual([crashing])
      expect(rows.find((r) => r.id === crashing)?.attempts).toBe(1)
    }).pipe(Effect.provide(Layer.fresh(freshManifest()))))

  it.live("a claim left by a process that died while the stage ran is taken back and done before the stage ends (issue 15, point 4)", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      const sql = yield* SqlClient.SqlClient
      yield* manifest.addCandidates([1, 2, 3].map(candidate))
      const orphan = candidate(3).id
      const upstreamDone = yield* Deferred.make<void>()
      yield* Deferred.succeed(upstreamDone, undefined)
      yield* runClaimingStage({
        stage: "download",
        workers: 1,
        upstreamDone,
        handle: (row) =>
          // While the first row is worked on, a peer on this host (pid 999, not alive) claims the third and dies.
          row.id === candidate(1).id
            ? sql`UPDATE videos SET state = 'downloading', claimed_by = 'test-host:999', claimed_at = 0 WHERE id = ${orphan}`.pipe(Effect.orDie)
            : Effect.void,
        complete: (row) => manifest.completeDownload(row.id, { audioPath: `/audio/${row.id}.wav`, measuredDurationSeconds: 3 }),
        classify: () => ({ _tag: "Fail", failure: { _tag: "Never", message: "never", retryable: false } })
      })
      const rows = yield* Effect.forEach([1, 2, 3], (n) => manifest.get(candidate(n).id))
      expect(rows.map((r) => r.state)).toEqual(["downloaded", "downloaded", "downloaded"])
    }).pipe(Effect.provide(Layer.fresh(freshManifest()))))
})
