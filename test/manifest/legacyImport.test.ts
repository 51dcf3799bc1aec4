import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Either, FastCheck as fc, Option, Schema } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Candidate } from "../../src/domain/Candidate.js"
import { urlVideoId, VideoId } from "../../src/domain/VideoId.js"
import { VideoState } from "../../src/domain/VideoState.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import {
  importLegacy,
  importLegacyText,
  LegacyRecord,
  legacyTimestampMs,
  mapLegacyRecord,
  siblingUrlList
} from "../../src/manifest/legacyImport.js"
import { freshManifest, scopedTempDir } from "../support/manifest.js"

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/legacy/${name}`, import.meta.url))
const manifestJson = fixture("manifest.json")
const urlList = fixture("discovered_urls.txt")
/** The fixture's records as Python wrote them (its one bare NaN made readable for the test's own lookups). */
const fixtureRecords = JSON.parse(readFileSync(manifestJson, "utf8").replace("NaN", "null")).records as ReadonlyArray<any>

const id = (s: string) => VideoId.make(s)
const allRows = Effect.flatMap(Manifest, (m) => m.page("", 10_000))

const decodeRecord = Schema.decodeUnknownSync(LegacyRecord)
const map = (raw: unknown, now = 1_000) => mapLegacyRecord(decodeRecord(raw), now)

describe("mapLegacyRecord", () => {
  it("keeps a child verdict as accepted, with the legacy confidence and audio path", () => {
    const row = Either.getOrThrow(map(fixtureRecords[0]))
    expect(row).toMatchObject({
      id: "aB3dE5fG7hJ",
      kind: "youtube",
      sourceUrl: "https://www.youtube.com/watch?v=aB3dE5fG7hJ",
      state: "accepted",
      failedStage: null,
      decisionRule: "legacy-import",
      audioPath: "C:\\Users\\an\\kids\\vi\\aB3dE5fG7hJ.wav",
      language: "vi",
      declaredDurationSeconds: 312.4,
      measuredDurationSeconds: 312.4
    })
    expect(row.decisionDetail).toContain("confidence 0.87")
  })

  it("maps every legacy status to a legal position", () => {
    const cases: ReadonlyArray<[unknown, string, string | null]> = [
      [{ video_id: "aB3dE5fG7hJ", status: "downloaded" }, "discovered", null],
      [{ video_id: "aB3dE5fG7hJ", status: "success" }, "discovered", null],
      [{ video_id: "aB3dE5fG7hJ", status: "processing" }, "discovered", null],
      [{ video_id: "aB3dE5fG7hJ", status: "pending" }, "discovered", null],
      [{ video_id: "aB3dE5fG7hJ", status: "uploaded" }, "discovered", null],
      [{ video_id: "aB3dE5fG7hJ" }, "discovered", null],
      [{ video_id: "aB3dE5fG7hJ", status: "failed" }, "failed", "download"],
      [{ video_id: "aB3dE5fG7hJ", status: " Error " }, "failed", "download"],
      [{ video_id: "aB3dE5fG7hJ", status: "skipped" }, "skipped", null],
      [{ video_id: "aB3dE5fG7hJ", status: "failed", classified: true, containing_children_voice: true }, "accepted", null],
      [{ video_id: "aB3dE5fG7hJ", classified: true, containing_children_voice: false, uploaded: true }, "rejected", null],
      [{ video_id: "aB3dE5fG7hJ", classified: true, containing_children_voice: true, uploaded: true }, "uploaded", null],
      [{ video_id: "aB3dE5fG7hJ", classified: "true", containing_children_voice: 1, status: "uploaded" }, "uploaded", null],
      // classified without saying what it found is no verdict
      [{ video_id: "aB3dE5fG7hJ", classified: true, containing_children_voice: null }, "discovered", null]
    ]
    for (const [raw, state, failedStage] of cases) {
      expect(Either.getOrThrow(map(raw)), JSON.stringify(raw)).toMatchObject({ state, failedStage })
    }
    expect(Either.getOrThrow(map({ video_id: "aB3dE5fG7hJ", status: "failed" }))).toMatchObject({
      attempts: 1,
      lastErrorTag: "LegacyImport",
      nextRetryAt: null,
      audioPath: null
    })
  })

  it("finds the id in the url when video_id is missing or not a YouTube id, and keys other URLs by hash", () => {
    expect(Either.getOrThrow(map({ url: "https://youtu.be/gH5jK6lP7oI?si=x" }))).toMatchObject({ id: "gH5jK6lP7oI", kind: "youtube" })
    expect(Either.getOrThrow(map({ video_id: "123", url: "https://www.youtube.com/shorts/gH5jK6lP7oI" }))).toMatchObject({ id: "gH5jK6lP7oI" })
    expect(Either.getOrThrow(map({ url: "https://vimeo.com/76979871" }))).toMatchObject({
      id: urlVideoId("https://vimeo.com/76979871"),
      kind: "url",
      sourceUrl: "https://vimeo.com/76979871"
    })
    expect(Either.getLeft(map({ status: "failed" }))).toEqual(Option.some("neither a video_id nor a url"))
    expect(Option.getOrThrow(Either.getLeft(map({ video_id: "nope", url: "not a url" })))).toContain("\"nope\" is not a YouTube id")
  })

  it("reads the language from language_folder, else from the folder of a Windows or POSIX output path", () => {
    const language = (raw: object) => Either.getOrThrow(map({ video_id: "aB3dE5fG7hJ", ...raw })).language
    expect(language({ language_folder: "vi" })).toBe("vi")
    expect(language({ language_folder: "EN-us" })).toBe("en-us")
    expect(language({ language_folder: "unknown" })).toBeNull()
    expect(language({ language_folder: "misc", output_path: "output\\misc\\a.wav" })).toBeNull()
    expect(language({ output_path: "C:\\Users\\an\\kids\\vi\\aB3dE5fG7hJ.wav" })).toBe("vi")
    expect(language({ output_path: "/home/an/kids/fr/aB3dE5fG7hJ.wav" })).toBe("fr")
    expect(language({ output_path: "aB3dE5fG7hJ.wav" })).toBeNull()
  })

  it("reads timestamps as ISO text, epoch seconds or epoch milliseconds, and falls back to now", () => {
    expect(legacyTimestampMs("2024-03-08T12:00:00Z")).toBe(Date.UTC(2024, 2, 8, 12))
    expect(legacyTimestampMs(1709650000)).toBe(1709650000_000)
    expect(legacyTimestampMs("1709650000")).toBe(1709650000_000)
    expect(legacyTimestampMs(1709650000_123)).toBe(1709650000_123)
    expect(legacyTimestampMs("2024-03-05T14:22:10.123456")).toBe(new Date(2024, 2, 5, 14, 22, 10, 123).getTime())
    expect(legacyTimestampMs("not a date")).toBeNull()
    expect(legacyTimestampMs(null)).toBeNull()
    expect(Either.getOrThrow(map({ video_id: "aB3dE5fG7hJ", timestamp: "yesterday" }, 42))).toMatchObject({ createdAt: 42, updatedAt: 42 })
    expect(Either.getOrThrow(map({ video_id: "aB3dE5fG7hJ", timestamp: 1709650000 }))).toMatchObject({ createdAt: 1709650000_000, updatedAt: 1709650000_000 })
  })

  it("ignores unknown keys and treats wrongly typed fields as missing", () => {
    const row = Either.getOrThrow(map({
      video_id: "aB3dE5fG7hJ",
      duration_seconds: "not a number",
      title: 42,
      classified: "maybe",
      something_new: { nested: true }
    }))
    expect(row).toMatchObject({ state: "discovered", title: null, declaredDurationSeconds: null })
  })
})

describe("importLegacy", () => {
  it.scoped("imports the legacy manifest and URL list: every status, Windows paths, Vietnamese titles, bad records reported", () =>
    Effect.gen(function* () {
      const summary = yield* importLegacy(manifestJson, Option.some(urlList))
      expect(summary.imported).toBe(10)
      expect(summary.alreadyKnown).toBe(0)
      expect(summary.fromUrlList).toBe(2)
      expect(summary.skipped.map((s) => s.where)).toEqual([
        "manifest.json records[9]",
        "manifest.json records[10]",
        "manifest.json records[11]",
        "discovered_urls.txt line 8",
        "discovered_urls.txt line 9",
        "discovered_urls.txt line 11"
      ])
      expect(summary.skipped[5]!.reason).toContain("a local file's path, not a URL")
      expect(summary.skipped[0]!.reason).toContain("not a record object")
      expect(summary.skipped[1]!.reason).toContain("not a YouTube id")
      expect(summary.skipped[2]!.reason).toContain("records[0]")

      const manifest = yield* Manifest
      const get = (s: string) => manifest.get(id(s))
      expect(yield* get("aB3dE5fG7hJ")).toMatchObject({
        state: "accepted",
        audioPath: "C:\\Users\\an\\kids\\vi\\aB3dE5fG7hJ.wav",
        decisionRule: "legacy-import",
        claimedBy: null
      })
      expect(yield* get("Xy_9-kLmN0p")).toMatchObject({ state: "rejected", audioPath: null, createdAt: 1709650000_000 })
      expect(yield* get("kT2pQ8rS4uV")).toMatchObject({ state: "uploaded", createdAt: Date.parse("2024-03-06T09:00:00+07:00") })
      expect(yield* get("mN7bV3cX1zA")).toMatchObject({ state: "failed", failedStage: "download", attempts: 1, lastErrorTag: "LegacyImport", nextRetryAt: null })
      expect(yield* get("pL0oK9iJ8uH")).toMatchObject({ state: "failed", title: null, sourceUrl: "https://www.youtube.com/watch?v=pL0oK9iJ8uH" })
      expect(yield* get("qW2eR4tY6uI")).toMatchObject({ state: "skipped", declaredDurationSeconds: 14400 })
      expect(yield* get("zX1cV2bN3mA")).toMatchObject({ state: "discovered", audioPath: null, language: "en" })
      expect(yield* get("gH5jK6lP7oI")).toMatchObject({ state: "discovered", kind: "youtube", language: null })
      expect(yield* get(urlVideoId("https://vimeo.com/76979871"))).toMatchObject({ state: "discovered", kind: "url" })
      const nan = yield* get("rT8yU9iO0pQ")
      expect(nan).toMatchObject({ state: "accepted", audioPath: null, language: "en", measuredDurationSeconds: 61.5 })
      expect(nan.decisionDetail).toContain("no confidence recorded")
      expect(yield* get("vB4nM5kL6jH")).toMatchObject({ state: "discovered", title: null })
      expect(yield* get("cD7eF8gH9iJ")).toMatchObject({ state: "discovered" })

      for (const record of fixtureRecords) {
        if (typeof record?.video_id === "string" && record.video_id.length === 11 && record.title && record !== fixtureRecords[11]) {
          expect((yield* get(record.video_id)).title).toBe(record.title)
        }
      }
      expect((yield* get("aB3dE5fG7hJ")).title).toBe("Bé hát bài Cả Nhà Thương Nhau 🎵 | Nhạc thiếu nhi")

      expect(yield* manifest.counts).toEqual([
        { state: "accepted", failedStage: null, count: 2 },
        { state: "discovered", failedStage: null, count: 5 },
        { state: "failed", failedStage: "download", count: 2 },
        { state: "rejected", failedStage: null, count: 1 },
        { state: "skipped", failedStage: null, count: 1 },
        { state: "uploaded", failedStage: null, count: 1 }
      ])
    }).pipe(Effect.provide(freshManifest())))

  it.scoped("a second import changes nothing", () =>
    Effect.gen(function* () {
      yield* importLegacy(manifestJson, Option.some(urlList))
      const before = yield* allRows
      const again = yield* importLegacy(manifestJson, Option.some(urlList))
      expect(again).toMatchObject({ imported: 0, fromUrlList: 0, alreadyKnown: 12 })
      expect(again.skipped.length).toBe(6)
      expect(yield* allRows).toEqual(before)
    }).pipe(Effect.provide(freshManifest())))

  it.scoped("a video already in the manifest is neither overwritten nor duplicated", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      const mine = Candidate.make({
        id: id("aB3dE5fG7hJ"),
        kind: "youtube",
        sourceUrl: "https://www.youtube.com/watch?v=aB3dE5fG7hJ",
        title: "my own title",
        channel: "mine",
        declaredDurationSeconds: 1
      })
      yield* manifest.addCandidates([mine])
      const [claimed] = yield* manifest.claim("download", 1)
      const summary = yield* importLegacy(manifestJson, Option.none())
      expect(summary).toMatchObject({ imported: 9, alreadyKnown: 1, fromUrlList: 0 })
      expect(yield* manifest.get(mine.id)).toEqual(claimed)
      expect((yield* allRows).filter((r) => r.id === mine.id).length).toBe(1)
    }).pipe(Effect.provide(freshManifest())))

  it.scoped("a file that is not JSON fails naming the file, and nothing is imported", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("legacy")
      const path = join(dir, "manifest.json")
      writeFileSync(path, "{\"records\": [{\"video_id\": \"aB3dE5fG7hJ\"")
      const error = yield* Effect.flip(importLegacy(path, Option.none()))
      expect(error._tag).toBe("LegacyImportError")
      expect(error.message).toContain(path)
      expect(error.message).toContain("not JSON")
      expect(error.message).toContain("manifest.json the Python crawler wrote")
      expect(yield* allRows).toEqual([])
    }).pipe(Effect.provide(freshManifest())))

  it.scoped("a JSON file without records, a missing file and a missing URL list fail with their names", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("legacy")
      const noRecords = join(dir, "other.json")
      writeFileSync(noRecords, JSON.stringify({ total_duration_seconds: 1, videos: [] }))
      const a = yield* Effect.flip(importLegacy(noRecords, Option.none()))
      expect(a.message).toContain(noRecords)
      expect(a.message).toContain("no \"records\" list")
      const missing = join(dir, "nowhere.json")
      const b = yield* Effect.flip(importLegacy(missing, Option.none()))
      expect(b.message).toContain(`${missing}: no such file`)
      const missingList = join(dir, "discovered_urls.txt")
      const c = yield* Effect.flip(importLegacy(manifestJson, Option.some(missingList)))
      expect(c.message).toContain(missingList)
      expect(yield* allRows).toEqual([])
    }).pipe(Effect.provide(freshManifest())))

  it.effect("finds the URL list beside the legacy manifest", () =>
    Effect.gen(function* () {
      expect(yield* siblingUrlList(manifestJson)).toEqual(Option.some(urlList))
      expect(yield* siblingUrlList("/nonexistent/dir/manifest.json")).toEqual(Option.none())
    }))

  it.scoped("imports a large legacy manifest in one go", () =>
    Effect.gen(function* () {
      const records = Array.from({ length: 1234 }, (_, n) => ({
        url: `https://example.org/video/${n}`,
        status: n % 3 === 0 ? "failed" : "downloaded",
        classified: n % 5 === 0,
        containing_children_voice: n % 2 === 0
      }))
      const summary = yield* importLegacyText({ name: "manifest.json", text: JSON.stringify({ records }) }, Option.none())
      expect(summary).toMatchObject({ imported: 1234, alreadyKnown: 0, skipped: [] })
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM videos`
      expect(row!.n).toBe(1234)
    }).pipe(Effect.provide(freshManifest())))
})

// ---------------------------------------------------------------------------------------------------------------
// Generated legacy manifests

const pool = ["aB3dE5fG7hJ", "Xy_9-kLmN0p", "kT2pQ8rS4uV", "mN7bV3cX1zA", "pL0oK9iJ8uH"]
const anything = fc.oneof(fc.constant(null), fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant([1, 2]), fc.constant({ x: 1 }))
const legacyFlag = fc.oneof(fc.boolean(), fc.constant(null), fc.constantFrom("true", "false", 1, 0), anything)

const generatedRecord = fc.record({
  video_id: fc.oneof(fc.constantFrom(...pool), fc.constantFrom("nope", "", "aB3dE5fG7h"), anything),
  url: fc.oneof(
    fc.constantFrom(...pool).map((v) => `https://www.youtube.com/watch?v=${v}`),
    fc.constantFrom(...pool).map((v) => `https://youtu.be/${v}`),
    fc.nat(3).map((n) => `https://vimeo.com/${n}`),
    fc.constantFrom("not a url", "C:\\videos\\a.mp4", "ftp://x/y", "https://www.youtube.com/@someone"),
    anything
  ),
  output_path: fc.oneof(fc.constantFrom("C:\\Users\\an\\kids\\vi\\x.wav", "output\\en\\x.wav", "/data/fr/x.wav"), anything),
  status: fc.oneof(
    fc.constantFrom("downloaded", "success", "failed", "error", "skipped", "processing", "pending", "uploaded", "ERROR", "weird"),
    anything
  ),
  timestamp: fc.oneof(
    fc.integer({ min: 1_500_000_000, max: 1_800_000_000 }),
    fc.integer({ min: 1_500_000_000, max: 1_800_000_000 }).map((s) => new Date(s * 1000).toISOString()),
    anything
  ),
  duration_seconds: fc.oneof(fc.double({ min: -10, max: 1e5, noNaN: true }), fc.constant("61.5"), anything),
  title: fc.oneof(fc.string({ unit: "grapheme", maxLength: 30 }), fc.constantFrom("Bé hát bài Cả Nhà Thương Nhau", "Dạy bé học đếm"), anything),
  language_folder: fc.oneof(fc.constantFrom("vi", "en", "unknown", "misc", "zh-Hant"), anything),
  classified: legacyFlag,
  containing_children_voice: legacyFlag,
  voice_analysis_confidence: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), anything),
  uploaded: legacyFlag,
  file_available: legacyFlag,
  extra: anything
}, { requiredKeys: [] })

const generatedEntry = fc.oneof({ weight: 6, arbitrary: generatedRecord }, { weight: 1, arbitrary: anything })

const seeded = (v: string) =>
  Candidate.make({ id: id(v), kind: "youtube", sourceUrl: `https://www.youtube.com/watch?v=${v}`, title: "seeded", channel: null, declaredDurationSeconds: null })

describe("importing generated legacy manifests", () => {
  it.scoped.prop("every record is imported, already known or reported; every row is in a legal position; a second import changes nothing", [
    fc.array(generatedEntry, { maxLength: 25 }),
    fc.subarray(pool)
  ], ([records, preexisting]) =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      yield* manifest.addCandidates(preexisting.map(seeded))
      const text = JSON.stringify({ total_duration_seconds: 0, records })
      const summary = yield* importLegacyText({ name: "manifest.json", text }, Option.none())
      expect(summary.imported + summary.alreadyKnown + summary.skipped.length).toBe(records.length)
      expect(summary.fromUrlList).toBe(0)
      const rows = yield* allRows
      expect(rows.length).toBe(preexisting.length + summary.imported)
      for (const row of rows) {
        expect(VideoState.literals).toContain(row.state)
        expect(row.failedStage !== null, `${row.id} ${row.state} ${row.failedStage}`).toBe(row.state === "failed")
        expect(row.claimedBy).toBeNull()
        expect(row.nextRetryAt).toBeNull()
        if (preexisting.includes(row.id)) expect(row).toMatchObject({ state: "discovered", title: "seeded", createdAt: 0 })
      }
      const again = yield* importLegacyText({ name: "manifest.json", text }, Option.none())
      expect(again).toEqual({ ...summary, imported: 0, alreadyKnown: summary.imported + summary.alreadyKnown })
      expect(yield* allRows).toEqual(rows)
    }).pipe(Effect.provide(freshManifest())), { fastCheck: { numRuns: 40 } })

  it.scoped.prop("titles round-trip unchanged, whatever their script", [
    fc.array(fc.string({ unit: "binary", minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ""), { minLength: 1, maxLength: 10 })
  ], ([titles]) =>
    Effect.gen(function* () {
      const records = titles.map((title, n) => ({ url: `https://example.org/v/${n}`, title, status: "downloaded" }))
      yield* importLegacyText({ name: "manifest.json", text: JSON.stringify({ records }) }, Option.none())
      const manifest = yield* Manifest
      for (const [n, title] of titles.entries()) {
        expect((yield* manifest.get(urlVideoId(`https://example.org/v/${n}`))).title).toBe(title)
      }
    }).pipe(Effect.provide(freshManifest())), { fastCheck: { numRuns: 20 } })
})

describe("legacy import rough edges (issue 15, point 7 and 8)", () => {
  it.scoped("a channel URL in a record goes to discovery like one in discovered_urls.txt; a video_id its url contradicts and the declared total are reported", () =>
    Effect.gen(function* () {
      const text = JSON.stringify({
        total_duration_seconds: 100,
        records: [
          { url: "https://www.youtube.com/@SomeChannel", status: "pending" },
          { video_id: "aB3dE5fG7hJ", url: "https://www.youtube.com/watch?v=Xy_9-kLmN0p", duration_seconds: 30 },
          { video_id: "kT2pQ8rS4uV", duration_seconds: 20 }
        ]
      })
      const summary = yield* importLegacyText({ name: "manifest.json", text }, Option.none())
      expect(summary.imported).toBe(2)
      expect(summary.skipped).toEqual([{ where: "manifest.json records[0]", reason: expect.stringContaining("a channel or playlist, not a video") }])
      expect(summary.targets).toEqual(["https://www.youtube.com/@SomeChannel"])
      expect(summary.notes.join("\n")).toContain("records[1]: video_id aB3dE5fG7hJ but its url names Xy_9-kLmN0p")
      expect(summary.notes.join("\n")).toContain("total_duration_seconds says 100 s (0.03 h), the records' durations add up to 50 s")
    }).pipe(Effect.provide(freshManifest())))

  it.scoped("a truncated manifest.json says it was cut short, in one sentence", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(importLegacyText({ name: "manifest.json", text: "{\"records\": [{\"video_id\": \"aB3" }, Option.none()))
      expect(error.message).toContain("cut short")
      expect(error.message).not.toContain("?.")
    }).pipe(Effect.provide(freshManifest())))
})
