import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { Manifest } from "../../src/manifest/Manifest.js"
import { candidate, freshManifest } from "../support/manifest.js"

describe("Manifest.retry", () => {
  it.effect("requeues only the chosen rows: failed ones become due with attempts reset, skipped ones are discovered again", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      yield* manifest.addCandidates([1, 2, 3, 4].map(candidate))
      const claimed = yield* manifest.claim("download", 3)
      const [a, b, c] = claimed.map((r) => r.id)
      yield* manifest.fail("download", a!, { _tag: "SourceFileMissing", message: "gone", retryable: false })
      yield* manifest.fail("download", b!, { _tag: "UndecodableMedia", message: "noise", retryable: false })
      yield* manifest.skip(c!, { tag: "DownloadSkipped", message: "too long" })

      expect(yield* manifest.retry({ state: "failed", tag: "FfmpegFailed" })).toBe(0)
      expect(yield* manifest.retry({ state: "failed", tag: "SourceFileMissing" })).toBe(1)
      expect(yield* manifest.get(a!)).toMatchObject({ state: "failed", attempts: 0 })
      expect((yield* manifest.get(b!))?.nextRetryAt).toBeNull()
      expect(yield* manifest.retry({ state: "failed", ids: [b!] })).toBe(1)
      expect(yield* manifest.retry({ state: "skipped" })).toBe(1)
      expect(yield* manifest.get(c!)).toMatchObject({ state: "discovered", attempts: 0 })
      // Due now: the next claim takes the requeued rows (and the untouched fourth).
      const next = yield* manifest.claim("download", 10)
      expect(next.map((r) => r.id).sort()).toEqual([a!, b!, c!, candidate(4).id].sort())
    }).pipe(Effect.provide(freshManifest())))
})

describe("decoder warnings on the row (issue 15, point 1)", () => {
  it.effect("a download completed with warnings keeps them in decode_warnings; a clean one leaves it NULL", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      const sql = yield* SqlClient.SqlClient
      yield* manifest.addCandidates([1, 2].map(candidate))
      const [a, b] = (yield* manifest.claim("download", 2)).map((r) => r.id)
      yield* manifest.completeDownload(a!, { audioPath: "/a.wav", measuredDurationSeconds: 3, decodeWarnings: ["[mp3float] Header missing"] })
      yield* manifest.completeDownload(b!, { audioPath: "/b.wav", measuredDurationSeconds: 3, decodeWarnings: [] })
      const rows = yield* sql<{ id: string; decodeWarnings: string | null }>`SELECT id, decode_warnings FROM videos ORDER BY id`
      expect(Object.fromEntries(rows.map((r) => [r.id, r.decodeWarnings]))).toEqual({ [a!]: "[mp3float] Header missing", [b!]: null })
    }).pipe(Effect.provide(freshManifest())))
})
