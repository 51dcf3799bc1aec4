import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Either, FastCheck as fc, Layer, TestClock } from "effect"
import { join } from "node:path"
import { writeFileSync } from "node:fs"
import { Analysis, Clip } from "../../src/domain/Analysis.js"
import { ClaimingStage, transition, Transition, VideoState } from "../../src/domain/VideoState.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { candidate, manifestAt, owner, scopedTempDir } from "../support/manifest.js"
import { freshManifestIn, manifestIn, postgresStoreForFile, sqliteStore } from "../support/manifestStores.js"

const analysis = Analysis.make({
  durationSeconds: 10,
  speechSeconds: 6,
  childSpeechSeconds: 4,
  childShare: 4 / 6,
  language: "unknown",
  languageConfidence: 0,
  languageSource: "none",
  classifier: "test",
  segments: []
})

/** The same contract, the same tests, on both stores. */
const stores = [sqliteStore, postgresStoreForFile()]

describe.each(stores)("Manifest on $name", (store) => {
  const freshManifest = () => freshManifestIn(store)

  it.scoped("adds candidates once, however often they are discovered", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      const first = yield* manifest.addCandidates([candidate(1), candidate(2)])
      const again = yield* manifest.addCandidates([candidate(2), candidate(3)])
      expect(first).toEqual({ added: 2, known: 0 })
      expect(again).toEqual({ added: 1, known: 1 })
      const counts = yield* manifest.counts
      expect(counts).toEqual([{ state: "discovered", failedStage: null, count: 3 }])
    }).pipe(Effect.provide(freshManifest())))

  it.scoped("hands each row to one claim only", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      yield* manifest.addCandidates([1, 2, 3, 4, 5].map(candidate))
      const a = yield* manifest.claim("download", 3)
      const b = yield* manifest.claim("download", 3)
      const c = yield* manifest.claim("download", 3)
      expect(a.length).toBe(3)
      expect(b.length).toBe(2)
      expect(c.length).toBe(0)
      const ids = [...a, ...b].map((r) => r.id)
      expect(new Set(ids).size).toBe(5)
      expect(a.every((r) => r.state === "downloading" && r.claimedBy === manifest.owner.id)).toBe(true)
    }).pipe(Effect.provide(freshManifest())))

  it.scoped("records a transient failure with a retry time and claims it again only when due", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      yield* manifest.addCandidates([candidate(1)])
      const [row] = yield* manifest.claim("download", 1)
      yield* manifest.fail("download", row!.id, { _tag: "NetworkError", message: "connection reset", retryable: true })
      const failed = yield* manifest.get(row!.id)
      expect(failed).toMatchObject({ state: "failed", failedStage: "download", attempts: 1, lastErrorTag: "NetworkError" })
      expect(failed.nextRetryAt).not.toBeNull()
      expect(yield* manifest.claim("download", 1)).toEqual([])
      expect(yield* manifest.claim("analyze", 1)).toEqual([])
      yield* TestClock.adjust("2 seconds")
      const [retried] = yield* manifest.claim("download", 1)
      expect(retried).toMatchObject({ id: row!.id, state: "downloading", attempts: 1 })
    }).pipe(Effect.provide(freshManifest())))

  it.scoped("records a permanent failure once and never hands it out again", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      yield* manifest.addCandidates([candidate(1)])
      const [row] = yield* manifest.claim("download", 1)
      yield* manifest.fail("download", row!.id, { _tag: "UndecodableMedia", message: "no audio stream", retryable: false })
      yield* TestClock.adjust("365 days")
      expect(yield* manifest.claim("download", 1)).toEqual([])
      expect(yield* manifest.get(row!.id)).toMatchObject({ state: "failed", nextRetryAt: null, attempts: 1 })
    }).pipe(Effect.provide(freshManifest())))

  it.scoped("refuses to record work for a claim it no longer holds", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      yield* manifest.addCandidates([candidate(1)])
      const [row] = yield* manifest.claim("download", 1)
      yield* manifest.release("download", row!.id)
      const error = yield* manifest.completeDownload(row!.id, { audioPath: "x.wav", measuredDurationSeconds: 1 }).pipe(Effect.flip)
      expect(error._tag).toBe("IllegalTransition")
      expect(yield* manifest.get(row!.id)).toMatchObject({ state: "discovered", audioPath: null })
    }).pipe(Effect.provide(freshManifest())))

  it.scoped("stores the decision and the clips together, and a second decision changes nothing", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      yield* manifest.addCandidates([candidate(1)])
      const [row] = yield* manifest.claim("download", 1)
      yield* manifest.completeDownload(row!.id, { audioPath: "audio/a.wav", measuredDurationSeconds: 10 })
      yield* manifest.claim("analyze", 1)
      yield* manifest.completeAnalysis(row!.id, analysis)
      const clip = Clip.make({ fileName: "unknown/a_1.wav", start: 1, end: 3, childScore: 0.9, language: "unknown" })
      yield* manifest.decide(row!.id, { accepted: true, rule: "accepted", detail: "ok" }, [clip])
      const again = yield* manifest.decide(row!.id, { accepted: true, rule: "accepted", detail: "ok" }, [clip]).pipe(Effect.flip)
      expect(again._tag).toBe("IllegalTransition")
      const clips = yield* manifest.clipsPage("", 10)
      expect(clips.map((c) => [c.fileName, c.videoId, c.sourceUrl])).toEqual([["unknown/a_1.wav", row!.id, row!.sourceUrl]])
      expect(yield* manifest.clipsPage("unknown/a_1.wav", 10)).toEqual([])
      const stored = yield* manifest.get(row!.id)
      expect(stored.analysis).toEqual(analysis)
      expect(stored).toMatchObject({ state: "accepted", childSpeechSeconds: 4, decisionRule: "accepted" })
    }).pipe(Effect.provide(freshManifest())))

  it.scoped("the claim query agrees with the pure rule book for every position", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      const positions = [
        ...VideoState.literals.map((state) => ({ state, failedStage: null })),
        ...ClaimingStage.literals.map((stage) => ({ state: "failed" as const, failedStage: stage }))
      ]
      const sql = yield* SqlClient.SqlClient
      let n = 0
      for (const position of positions) {
        for (const stage of ClaimingStage.literals) {
          n += 1
          const row = candidate(n)
          yield* manifest.addCandidates([row])
          // Put the row straight into the position (a due retry for failed rows), the one write a test may make by hand.
          yield* sql`UPDATE videos SET state = ${position.state}, failed_stage = ${position.failedStage}, next_retry_at = 0 WHERE id = ${row.id}`
          const claimed = yield* manifest.claim(stage, 100)
          expect(claimed.map((r) => r.id)).toEqual(Either.isRight(transition(position, Transition.Claim({ stage }))) ? [row.id] : [])
          yield* sql`UPDATE videos SET state = 'skipped' WHERE id = ${row.id}`
        }
      }
    }).pipe(Effect.provide(freshManifest())))
})

describe.each(stores)("stale claims on $name", (store) => {
  const crashed = owner("host-a:111")
  const restarted = owner("host-a:222", new Set([222]))

  it.scoped("a claim left by a dead process on this host is reclaimed on the next run", () =>
    Effect.gen(function* () {
      const place = yield* store.place
      yield* Effect.gen(function* () {
        const manifest = yield* Manifest
        yield* manifest.addCandidates([candidate(1), candidate(2)])
        yield* manifest.claim("download", 2)
      }).pipe(Effect.provide(manifestIn(place, crashed)))
      const reclaimed = yield* Effect.gen(function* () {
        const manifest = yield* Manifest
        const count = yield* manifest.reclaimStale
        return { count, claims: yield* manifest.claim("download", 10) }
      }).pipe(Effect.provide(manifestIn(place, restarted)))
      expect(reclaimed.count).toBe(2)
      expect(reclaimed.claims.map((r) => r.claimedBy)).toEqual([restarted.id, restarted.id])
    }))

  it.scoped("a live owner's fresh claim is left alone, and reclaimed once its lease runs out", () =>
    Effect.gen(function* () {
      const place = yield* store.place
      const otherMachine = owner("host-b:5", new Set([5]))
      yield* Effect.gen(function* () {
        const manifest = yield* Manifest
        yield* manifest.addCandidates([candidate(1)])
        yield* manifest.claim("download", 1)
      }).pipe(Effect.provide(manifestIn(place, otherMachine, 3_600_000, 60_000)))
      const layer = manifestIn(place, restarted)
      const before = yield* Effect.flatMap(Manifest, (m) => m.reclaimStale).pipe(Effect.provide(layer))
      yield* TestClock.adjust("61 seconds")
      const after = yield* Effect.flatMap(Manifest, (m) => m.reclaimStale).pipe(Effect.provide(layer))
      expect([before, after]).toEqual([0, 1])
    }))

  it.scoped.prop("any interleaving of claims, completions, releases and failures keeps each row in one legal state", [
    fc.array(fc.tuple(fc.constantFrom(...ClaimingStage.literals), fc.constantFrom("claim", "complete", "release", "fail"), fc.nat(5)), { maxLength: 30 })
  ], ([steps]) =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      yield* manifest.addCandidates([1, 2, 3, 4, 5, 6].map(candidate))
      for (const [stage, action, pick] of steps) {
        if (action === "claim") {
          yield* manifest.claim(stage, pick)
          continue
        }
        const row = yield* manifest.get(candidate(pick + 1).id)
        const result = action === "complete"
          ? stage === "download"
            ? manifest.completeDownload(row.id, { audioPath: "a.wav", measuredDurationSeconds: 1 })
            : manifest.completeAnalysis(row.id, analysis)
          : action === "release"
          ? manifest.release(stage, row.id)
          : manifest.fail(stage, row.id, { _tag: "X", message: "x", retryable: true })
        const outcome = yield* Effect.either(result)
        const legal = Either.isRight(transition({ state: row.state, failedStage: row.failedStage }, action === "complete"
          ? Transition.Complete({ stage })
          : action === "release" ? Transition.Release({ stage }) : Transition.Fail({ stage })))
        expect(Either.isRight(outcome)).toBe(legal)
      }
      const counts = yield* manifest.counts
      expect(counts.reduce((sum, c) => sum + c.count, 0)).toBe(6)
    }).pipe(Effect.provide(freshManifestIn(store))), { fastCheck: { numRuns: store.name === "SQLite" ? 25 : 10 } })
})

describe("opening a manifest", () => {
  it.scoped("a file that is not SQLite is refused with its path and what to do, and left untouched", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("corrupt")
      const path = join(dir, "manifest.sqlite")
      writeFileSync(path, "{\"records\": []}  this is not a database")
      const error = yield* Effect.flip(Layer.build(manifestAt(path)))
      expect(error._tag).toBe("ManifestOpenError")
      expect(error.message).toContain(path)
      expect(error.message).toContain("not an SQLite database")
      const { readFileSync } = yield* Effect.promise(() => import("node:fs"))
      expect(readFileSync(path, "utf8")).toContain("not a database")
    }))

  it.scoped("a truncated database is refused, not silently recreated", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("truncated")
      const path = join(dir, "manifest.sqlite")
      yield* Effect.flatMap(Manifest, (m) => m.addCandidates([1, 2, 3].map(candidate))).pipe(Effect.provide(manifestAt(path)), Effect.scoped)
      const { readFileSync, truncateSync } = yield* Effect.promise(() => import("node:fs"))
      const size = readFileSync(path).length
      truncateSync(path, Math.floor(size / 2) + 7)
      const outcome = yield* Effect.either(Layer.build(manifestAt(path)))
      expect(Either.isLeft(outcome) && outcome.left._tag).toBe("ManifestOpenError")
    }))
})
