import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Schema } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { Candidate } from "../../src/domain/Candidate.js"
import { defaultConfig, KidvoiceConfig } from "../../src/domain/Config.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { discover, discoveryBatchSize } from "../../src/pipeline/discovery.js"
import { filterListing, type Listing } from "../../src/source/metadataFilter.js"
import { YtDlpListingFailed } from "../../src/source/YtDlpSearch.js"
import { freshManifest, scopedTempDir } from "../support/manifest.js"
import { listing, scriptedCatalog } from "../support/youTubeListings.js"

const config = Schema.decodeSync(KidvoiceConfig)({
  ...defaultConfig,
  rules: { ...defaultConfig.rules, minDurationSeconds: 3, maxDurationSeconds: 600 },
  discovery: { ...defaultConfig.discovery, searchLimit: 40, channelExploreLimit: 7 }
})
const bounds = { minSeconds: 3, maxSeconds: 600 }

const rowsById = Effect.gen(function* () {
  const rows = yield* Effect.flatMap(Manifest, (m) => m.page("", 10_000))
  return new Map(rows.map((r) => [r.id as string, r]))
})

const pool = Array.from({ length: 12 }, (_, i) => `vid${String(i).padStart(8, "0")}`)
const generatedListing = fc.record({
  id: fc.constantFrom(...pool),
  duration: fc.option(fc.integer({ min: 0, max: 1200 }), { nil: null }),
  live: fc.constantFrom(null, "not_live", "is_live", "is_upcoming", "was_live") as fc.Arbitrary<Listing["liveStatus"]>,
  availability: fc.constantFrom(null, "public", "unlisted", "private")
}).map((l) => listing(l.id, l))

describe("discover", () => {
  it.scoped.prop("over any pages with duplicates and known ids: each id is recorded once, as the filter says, and every listing is counted", [
    fc.array(fc.array(generatedListing, { maxLength: 8 }), { maxLength: 5 }),
    fc.subarray(pool)
  ], ([pages, known]) =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      yield* manifest.recordDiscovery(known.map((id) => Candidate.make({ ...listing(id).candidate, title: "seeded" })), [])
      const catalog = scriptedCatalog(() => pages)
      // Two searches listing the same pages: the second one's videos are all duplicates of this run.
      const summary = yield* discover({ inputs: [], queries: ["bé đọc thơ", "thơ thiếu nhi"] }, config).pipe(Effect.provide(catalog.layer))
      const listed = pages.flat()
      expect(summary.added + summary.skipped + summary.known + summary.duplicates + summary.notYet).toBe(2 * listed.length)
      expect(summary.failed).toBe(0)
      const rows = yield* rowsById
      expect(rows.size).toBe(known.length + summary.added + summary.skipped)
      const firstSeen = new Map<string, Listing>()
      for (const l of listed) if (!firstSeen.has(l.candidate.id)) firstSeen.set(l.candidate.id, l)
      for (const [id, first] of firstSeen) {
        const row = rows.get(id)
        const reason = filterListing(first, bounds)
        if (known.includes(id)) expect(row).toMatchObject({ state: "discovered", title: "seeded" })
        else if (reason === null) expect(row).toMatchObject({ state: "discovered", declaredLanguage: "vi", description: "Thơ thiếu nhi" })
        else if (reason.permanent) expect(row).toMatchObject({ state: "skipped", lastErrorTag: reason.tag })
        else expect(row).toBeUndefined()
      }
      const reasons = [...firstSeen.values()].map((l) => ({ known: known.includes(l.candidate.id), reason: filterListing(l, bounds) }))
      expect(summary).toMatchObject({
        duplicates: 2 * listed.length - firstSeen.size,
        notYet: reasons.filter((r) => r.reason?.permanent === false).length,
        known: reasons.filter((r) => r.known && r.reason?.permanent !== false).length,
        skipped: reasons.filter((r) => !r.known && r.reason?.permanent === true).length,
        added: reasons.filter((r) => !r.known && r.reason === null).length
      })
    }).pipe(Effect.provide(freshManifest())), { fastCheck: { numRuns: 30 } })

  it.scoped("explores the channel of an accepted video once, bounded by channelExploreLimit; a failed channel stays queued", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const manifest = yield* Manifest
      const good = "UCq1w2e3r4t5y6u7i8o9p0aA"
      const broken = "UCz0X9c8V7b6N5m4L3k2J1hQ"
      yield* manifest.recordDiscovery([
        listing("Xk3vTq9LmA2", { channelId: good }).candidate,
        listing("Qm5rT8uV1zN", { channelId: broken }).candidate,
        listing("b7Yh2Kp0QwE", { channelId: "UCa9S8d7F6g5H4j3K2l1Z0xQ" }).candidate
      ], [])
      // Curate's verdicts, as the store records them: two accepted, one rejected (its channel is not explored).
      yield* sql`UPDATE videos SET state = 'accepted' WHERE id IN ('Xk3vTq9LmA2', 'Qm5rT8uV1zN')`
      yield* sql`UPDATE videos SET state = 'rejected' WHERE id = 'b7Yh2Kp0QwE'`
      const catalog = scriptedCatalog((target) =>
        target._tag === "Channel" && target.channelId === broken
          ? new YtDlpListingFailed({ target: target.url, exitCode: 1, stderr: "ERROR: [youtube:tab] HTTP Error 503: Service Unavailable" })
          : [[listing("Hj6kL8mN0pQ", { duration: 412, channelId: good }), listing("Xk3vTq9LmA2", { duration: 184, channelId: good })]])
      const first = yield* discover({ inputs: [], queries: [] }, config).pipe(Effect.provide(catalog.layer))
      expect(catalog.calls.map((c) => [c.target._tag === "Channel" ? c.target.channelId : null, c.limit]).sort()).toEqual([[good, 7], [broken, 7]])
      expect(first).toMatchObject({ added: 1, known: 1, channelsExplored: 1, failed: 1 })
      expect((yield* rowsById).get("Hj6kL8mN0pQ")).toMatchObject({ state: "discovered", channelId: good })
      const channels = yield* sql<{ id: string; state: string; found: number | null }>`SELECT id, state, found FROM channels ORDER BY id`
      expect(channels).toEqual([{ id: good, state: "explored", found: 2 }, { id: broken, state: "queued", found: null }].sort((a, b) => a.id.localeCompare(b.id)))
      const again = yield* discover({ inputs: [], queries: [] }, config).pipe(Effect.provide(catalog.layer))
      // Only the failed channel is tried again.
      expect(catalog.calls.slice(2).map((c) => c.target._tag === "Channel" && c.target.channelId)).toEqual([broken])
      expect(again.channelsExplored).toBe(0)
    }).pipe(Effect.provide(freshManifest())))

  it.scoped("explores nothing when channelExploreLimit is 0", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const manifest = yield* Manifest
      yield* manifest.recordDiscovery([listing("Xk3vTq9LmA2", { channelId: "UCq1w2e3r4t5y6u7i8o9p0aA" }).candidate], [])
      yield* sql`UPDATE videos SET state = 'accepted'`
      const catalog = scriptedCatalog(() => [])
      const off = Schema.decodeSync(KidvoiceConfig)({ ...defaultConfig, discovery: { ...defaultConfig.discovery, channelExploreLimit: 0 } })
      yield* discover({ inputs: [], queries: [] }, off).pipe(Effect.provide(catalog.layer))
      expect(catalog.calls).toEqual([])
    }).pipe(Effect.provide(freshManifest())))

  it.scoped("a URL list of 4,500 ids is recorded in bounded transactions, every id once", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("discover-batches")
      const list = join(dir, "urls.txt")
      writeFileSync(list, Array.from({ length: 4500 }, (_, i) => `https://www.youtube.com/watch?v=${i.toString(36).padStart(11, "0")}`).join("\n") + "\n")
      const real = yield* Manifest
      // A spy over the real manifest: the size of each discovery write.
      const batches: Array<number> = []
      const spy = Manifest.of({
        ...real,
        recordDiscovery: (candidates, skipped) => {
          batches.push(candidates.length + skipped.length)
          return real.recordDiscovery(candidates, skipped)
        }
      })
      const summary = yield* discover({ inputs: [list], queries: [] }, config).pipe(
        Effect.provide(scriptedCatalog(() => []).layer),
        Effect.provideService(Manifest, spy)
      )
      expect(summary.added).toBe(4500)
      expect(batches).toEqual([discoveryBatchSize, discoveryBatchSize, 4500 - 2 * discoveryBatchSize])
      expect((yield* rowsById).size).toBe(4500)
    }).pipe(Effect.provide(freshManifest())))
})
