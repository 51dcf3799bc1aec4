import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { keyIdOf, makeApiKeyLedger, pacificDay } from "../../src/cluster/ApiKeyLedger.js"
import { ensureClusterTables } from "../../src/cluster/clusterTables.js"
import { postgresAvailable, startPostgres } from "../support/postgresServer.js"

describe("the API key ledger's day", () => {
  it("is the Pacific calendar day, when YouTube resets quotas", () => {
    // 07:59 UTC is still the previous day in California (UTC-8 in winter); 08:00 is the next.
    expect(pacificDay(Date.UTC(2026, 11, 2, 7, 59))).toBe("2026-12-01")
    expect(pacificDay(Date.UTC(2026, 11, 2, 8, 0))).toBe("2026-12-02")
    // Summer time: UTC-7.
    expect(pacificDay(Date.UTC(2026, 6, 2, 6, 59))).toBe("2026-07-01")
    expect(pacificDay(Date.UTC(2026, 6, 2, 7, 0))).toBe("2026-07-02")
  })

  it("names a key by a digest, never by the key", () => {
    const key = Redacted.make("AIza-secret-key")
    expect(keyIdOf(key)).toMatch(/^[0-9a-f]{16}$/)
    expect(keyIdOf(key)).not.toContain("secret")
    expect(keyIdOf(Redacted.make("another"))).not.toBe(keyIdOf(key))
  })
})

describe.skipIf(!postgresAvailable())("the API key ledger on PostgreSQL", () => {
  it.scopedLive("lets processes asking at once spend a key's daily quota exactly, never past it", () =>
    Effect.gen(function* () {
      const server = yield* Effect.acquireRelease(Effect.promise(() => startPostgres()), (s) => Effect.sync(s.stop))
      const results = yield* Effect.gen(function* () {
        yield* ensureClusterTables
        const ledger = yield* makeApiKeyLedger(1_000)
        const key = Redacted.make("key-one")
        // 25 searches (100 units each) at once on a 1000-unit quota, from as many connections as the pool gives.
        const spent = yield* Effect.forEach(Array.from({ length: 25 }), () => ledger.spend(key, 100), { concurrency: "unbounded" })
        const afterwards = yield* ledger.spend(key, 1)
        const otherKey = yield* ledger.spend(Redacted.make("key-two"), 1)
        return { spent, afterwards, otherKey, today: yield* ledger.spentToday }
      }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(server.url), maxConnections: 10 })))
      expect(results.spent.filter(Boolean).length).toBe(10)
      expect(results.afterwards).toBe(false)
      expect(results.otherKey).toBe(true)
      expect(results.today.map((r) => Number(r.spent)).sort((a, b) => a - b)).toEqual([1, 1000])
    }), 120_000)
})
