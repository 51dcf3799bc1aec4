import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Candidate } from "../../src/domain/Candidate.js"
import { VideoId } from "../../src/domain/VideoId.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { candidate, freshManifest } from "../support/manifest.js"

const youTube = (n: number) =>
  Candidate.make({
    id: VideoId.make(`yt${String(n).padStart(9, "0")}`),
    kind: "youtube",
    sourceUrl: `https://www.youtube.com/watch?v=yt${String(n).padStart(9, "0")}`,
    title: `Bé kể chuyện ${n}`,
    channel: "Bé Na Official",
    declaredDurationSeconds: 120,
    description: "Truyện cổ tích",
    declaredLanguage: "vi",
    channelId: "UCq1w2e3r4t5y6u7i8o9p0aA"
  })

describe("Manifest.recordDiscovery", () => {
  it.scoped("records a batch larger than one INSERT in one transaction, kept and skipped rows with their reasons", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      const sql = yield* SqlClient.SqlClient
      const kept = Array.from({ length: 1200 }, (_, n) => youTube(n))
      const tooLong = { candidate: youTube(5000), reason: { tag: "TooLong", message: "declared 36012 s, longer than the maximum 10800 s" } }
      const first = yield* manifest.recordDiscovery(kept, [tooLong])
      expect(first).toEqual({ added: 1200, skipped: 1, known: 0 })
      // Known ids are left as they were, whether they come back kept or filtered.
      const again = yield* manifest.recordDiscovery([kept[0]!, candidate(1)], [{ candidate: kept[1]!, reason: tooLong.reason }])
      expect(again).toEqual({ added: 1, skipped: 0, known: 2 })
      const row = yield* manifest.get(kept[1]!.id)
      expect(row).toMatchObject({ state: "discovered", description: "Truyện cổ tích", declaredLanguage: "vi", channelId: "UCq1w2e3r4t5y6u7i8o9p0aA" })
      expect(yield* manifest.get(tooLong.candidate.id)).toMatchObject({ state: "skipped", lastErrorTag: "TooLong", lastErrorMessage: tooLong.reason.message })
      // Skipped at discovery is skipped for good: no stage claims it.
      expect((yield* manifest.claim("download", 2000)).map((r) => r.id)).not.toContain(tooLong.candidate.id)
      const [count] = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM videos`
      expect(count!.n).toBe(1202)
    }).pipe(Effect.provide(freshManifest())))
})
