import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Fiber, Redacted, TestClock } from "effect"
import { execa } from "execa"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { isClaimStale } from "../../src/manifest/ClaimOwner.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { bundleWorker } from "../../scripts/bundleWorker.js"
import type { ClaimHolderOptions } from "../support/claimHolder.js"
import { candidate, owner, scopedTempDir } from "../support/manifest.js"
import { freshManifestIn, manifestIn, postgresStoreForFile, sqliteStore } from "../support/manifestStores.js"

const leaseMs = 30_000
const hostA = owner("host-a:10", new Set([10]))
const hostB = owner("host-b:20", new Set([20]))

/** The lease a row's claim has now, read straight from the store. */
const leaseOf = (id: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ leaseExpiresAt: number | null }>`SELECT lease_expires_at FROM videos WHERE id = ${id}`).pipe(
    Effect.map((rows) => rows[0]?.leaseExpiresAt ?? null)
  )

/** Waits (in real time, briefly) for a write made by a fiber the test clock woke: it runs on real I/O. */
const eventually = <A, E, R>(read: Effect.Effect<A, E, R>, done: (a: A) => boolean) =>
  Effect.gen(function* () {
    for (let i = 0; i < 500; i++) {
      const value = yield* read
      if (done(value)) return value
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
    }
    return yield* Effect.dieMessage("the store never showed the expected value")
  })

describe("a claim's lease (pure rule)", () => {
  it("runs out for every host; a renewed one holds; a dead pid on this host needs no wait", () => {
    const self = owner("here:1", new Set([1]))
    const claim = (claimedBy: string, leaseExpiresAt: number | null) => ({ claimedBy, claimedAt: 0, leaseExpiresAt })
    expect(isClaimStale(self, claim("far:7", 1_000), 999, 3_600_000)).toBe(false)
    expect(isClaimStale(self, claim("far:7", 1_000), 1_000, 3_600_000)).toBe(true)
    expect(isClaimStale(self, claim("here:9", 1_000), 10, 3_600_000)).toBe(true)
    expect(isClaimStale(self, claim("far:7", null), 10, 3_600_000)).toBe(false)
  })
})

/** One server for the file. */
const postgres = postgresStoreForFile()

describe.each([sqliteStore, postgres])("leases on $name", (store) => {
  it.scoped("an expired lease is taken back by another host; a renewed one is not", () =>
    Effect.gen(function* () {
      const place = yield* store.place
      const [renewed, expired] = yield* Effect.gen(function* () {
        const manifest = yield* Manifest
        yield* manifest.addCandidates([candidate(1), candidate(2)])
        const rows = yield* manifest.claim("download", 2)
        yield* TestClock.adjust(leaseMs - 1_000)
        expect(yield* manifest.renewLease("download", rows[0]!.id)).toBe(true)
        return rows.map((row) => row.id)
      }).pipe(Effect.provide(manifestIn(place, hostA, 3_600_000, leaseMs)))
      yield* TestClock.adjust(2_000)
      const reclaimed = yield* Effect.gen(function* () {
        const manifest = yield* Manifest
        const count = yield* manifest.reclaimStale
        return { count, renewed: yield* manifest.get(renewed!), expired: yield* manifest.get(expired!) }
      }).pipe(Effect.provide(manifestIn(place, hostB, 3_600_000, leaseMs)))
      expect(reclaimed.count).toBe(1)
      expect(reclaimed.renewed).toMatchObject({ state: "downloading", claimedBy: hostA.id })
      expect(reclaimed.expired).toMatchObject({ state: "discovered", claimedBy: null })
    }))

  it.scoped("the heartbeat renews a claim while its work runs, stops with it, and a claim taken back is not renewed", () =>
    Effect.gen(function* () {
      const manifest = yield* Manifest
      yield* manifest.addCandidates([candidate(1)])
      const [row] = yield* manifest.claim("download", 1)
      const first = yield* leaseOf(row!.id)
      const work = yield* Effect.fork(manifest.holdingClaim("download", row!.id)(Effect.never))
      yield* TestClock.adjust(leaseMs / 3)
      const second = yield* eventually(leaseOf(row!.id), (lease) => lease !== first)
      expect(second).toBe(first! + leaseMs / 3)
      yield* Fiber.interrupt(work)
      yield* TestClock.adjust(leaseMs)
      expect(yield* leaseOf(row!.id)).toBe(second)
      // A renewal of a claim no longer held says so, and changes nothing.
      yield* manifest.release("download", row!.id)
      expect(yield* manifest.renewLease("download", row!.id)).toBe(false)
      expect(yield* leaseOf(row!.id)).toBeNull()
    }).pipe(Effect.provide(freshManifestIn(store, hostA, leaseMs))))
})

describe("leases across processes on PostgreSQL", () => {
  it.live("a killed process's claims come back once their lease runs out, not before", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("killed-holder")
      const place = yield* postgres.place
      if (place._tag !== "Postgres") return yield* Effect.dieMessage("expected a PostgreSQL place")
      const holderLeaseMs = 3_000
      const layer = manifestIn(place, hostB, 3_600_000, holderLeaseMs)
      yield* Effect.flatMap(Manifest, (m) => m.addCandidates([1, 2, 3, 4].map(candidate))).pipe(Effect.provide(layer))
      const script = yield* Effect.promise(() => bundleWorker(join(import.meta.dirname, "..", "support", "claimHolder.ts"), join(dir, "holder.mjs")))
      const options: ClaimHolderOptions = { database: Redacted.value(place.url), readyFile: join(dir, "ready"), claims: 3, leaseMs: holderLeaseMs }
      const holder = execa(process.execPath, [script, JSON.stringify(options)], { reject: false, stdin: "ignore", timeout: 120_000 })
      yield* Effect.acquireRelease(Effect.void, () => Effect.sync(() => holder.kill("SIGKILL")))
      yield* eventually(Effect.sync(() => existsSync(options.readyFile) || holder.exitCode !== null), Boolean)
      const held = JSON.parse(readFileSync(options.readyFile, "utf8")) as Array<string>
      expect(held).toHaveLength(3)

      const reclaimNow = Effect.flatMap(Manifest, (m) => m.reclaimStale).pipe(Effect.provide(layer))
      // Alive for longer than one lease: its heartbeat keeps every claim.
      yield* Effect.sleep(holderLeaseMs * 1.5)
      expect(yield* reclaimNow).toBe(0)
      holder.kill("SIGKILL")
      yield* Effect.promise(() => holder)
      // Killed: nothing comes back while the leases it last renewed still run ...
      const leases = yield* Effect.forEach(held, leaseOf).pipe(Effect.provide(layer))
      const killedAt = Date.now()
      if (leases.every((lease) => lease !== null && lease > killedAt + 200)) expect(yield* reclaimNow).toBe(0)
      // ... and all of it once they have run out.
      yield* Effect.sleep(Math.max(0, Math.max(...leases.map(Number)) - Date.now()) + 50)
      expect(yield* reclaimNow).toBe(3)
      const rows = yield* Effect.forEach(held, (id) => Effect.flatMap(Manifest, (m) => m.get(id as never))).pipe(Effect.provide(layer))
      expect(rows.map((row) => row.state)).toEqual(["discovered", "discovered", "discovered"])
    }).pipe(Effect.scoped), 120_000)
})
