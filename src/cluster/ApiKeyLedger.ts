import { SqlClient } from "@effect/sql"
import { Clock, Data, Effect, Redacted } from "effect"
import { createHash } from "node:crypto"

export class ApiKeyLedgerError extends Data.TaggedError("ApiKeyLedgerError")<{ readonly keyId: string; readonly cause: unknown }> {
  override get message() {
    return `could not record YouTube Data API quota for key ${this.keyId} in kidvoice_api_quota: ${String((this.cause as Error)?.message ?? this.cause)}`
  }
}

/** The API's default daily quota per key (units); search.list costs 100, other list calls 1. */
export const defaultDailyQuota = 10_000

/** The day a quota belongs to: YouTube resets quotas at midnight Pacific time. Pure. */
export const pacificDay = (nowMs: number): string =>
  new Intl.DateTimeFormat("en-CA", { timeZone: "America/Los_Angeles", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(nowMs))

/** How a key is named in the ledger: a digest, never the key. Pure. */
export const keyIdOf = (key: Redacted.Redacted<string>): string => createHash("sha256").update(Redacted.value(key)).digest("hex").slice(0, 16)

/**
 * The quota spent per API key per Pacific day, shared by every runner (`kidvoice_api_quota`). A table, not an entity:
 * spending is one atomic conditional upsert, durable the moment it answers, so no runner's death loses or doubles a
 * unit, and no runner can spend past the quota however many ask at once.
 */
export const makeApiKeyLedger = (dailyQuota: number = defaultDailyQuota) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /** Spends `units` of the key's quota for today if that many are left; answers whether it did. */
    const spend = (key: Redacted.Redacted<string>, units: number) =>
      Effect.gen(function* () {
        if (units > dailyQuota) return false
        const day = pacificDay(yield* Clock.currentTimeMillis)
        const keyId = keyIdOf(key)
        const rows = yield* sql<{ spent: number }>`
          INSERT INTO kidvoice_api_quota (key_id, day, spent) VALUES (${keyId}, ${day}, ${units})
          ON CONFLICT (key_id, day) DO UPDATE SET spent = kidvoice_api_quota.spent + ${units}
          WHERE kidvoice_api_quota.spent + ${units} <= ${dailyQuota}
          RETURNING spent`.pipe(Effect.mapError((cause) => new ApiKeyLedgerError({ keyId, cause })))
        return rows.length === 1
      })

    /** Units spent today per key digest. */
    const spentToday = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      sql<{ keyId: string; spent: number }>`SELECT key_id, spent FROM kidvoice_api_quota WHERE day = ${pacificDay(now)} ORDER BY key_id`)

    return { spend, spentToday } as const
  })
