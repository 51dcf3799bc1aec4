import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { existsSync } from "node:fs"
import { postgresAvailable, startPostgres } from "../support/postgresServer.js"

describe.skipIf(!postgresAvailable())("private PostgreSQL server for tests", () => {
  it.effect("starts, answers queries over loopback, and leaves nothing behind when stopped", () =>
    Effect.gen(function* () {
      const server = yield* Effect.promise(() => startPostgres())
      const answer = yield* Effect.gen(function* () {
        const sql = yield* PgClient.PgClient
        const rows = yield* sql<{ readonly version: string }>`SELECT version() AS version`
        return rows[0]!.version
      }).pipe(
        Effect.provide(PgClient.layer({ url: Redacted.make(server.url) })),
        Effect.ensuring(Effect.sync(server.stop))
      )
      expect(answer).toMatch(/^PostgreSQL 15\./)
      expect(existsSync(server.directory)).toBe(false)
    }), 60_000)
})
