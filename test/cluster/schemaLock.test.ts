import * as ShardingConfig from "@effect/cluster/ShardingConfig"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Either, Fiber, Layer, Logger, Redacted, TestClock } from "effect"
import { clusterStorageLayer } from "../../src/cluster/ClusterRunner.js"
import { manifestLocation } from "../../src/manifest/ManifestLocation.js"
import { withPostgresSchemaLock } from "../../src/manifest/PostgresSchemaLock.js"
import { postgresLayer } from "../../src/manifest/PostgresStore.js"
import { postgresAvailable, startPostgres } from "../support/postgresServer.js"

/** A process of its own as the database sees it: a pool of its own, so its sessions are not the others'. */
const asProcess = (url: string) => PgClient.layer({ url: Redacted.make(url), maxConnections: 3 })

describe.skipIf(!postgresAvailable())("schema work on PostgreSQL, one process at a time", () => {
  it.scopedLive("holders of the schema lock never overlap, each from a pool of its own", () =>
    Effect.gen(function* () {
      const server = yield* Effect.acquireRelease(Effect.promise(() => startPostgres()), (s) => Effect.sync(s.stop))
      let inside = 0
      let mostInside = 0
      const holder = withPostgresSchemaLock(Effect.gen(function* () {
        inside++
        mostInside = Math.max(mostInside, inside)
        yield* Effect.sleep("30 millis")
        inside--
      })).pipe(Effect.provide(asProcess(server.url)))
      yield* Effect.forEach(Array.from({ length: 8 }), () => holder, { concurrency: "unbounded" })
      expect(mostInside).toBe(1)
      // Released by each holder: nobody holds it now.
      const held = yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql<{ n: number }>`SELECT COUNT(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`).pipe(Effect.provide(asProcess(server.url)))
      expect(held[0]!.n).toBe(0)
    }), 120_000)

  it.scopedLive("six runners opening one fresh database at once all get the manifest and the cluster's tables", () =>
    Effect.gen(function* () {
      const server = yield* Effect.acquireRelease(Effect.promise(() => startPostgres()), (s) => Effect.sync(s.stop))
      for (const round of [1, 2, 3]) {
        const url = server.createDatabase(`fresh${round}`)
        const location = Either.getOrThrow(manifestLocation(url, "/tmp"))
        if (location._tag !== "Postgres") throw new Error(`not a PostgreSQL location: ${url}`)
        const runnerStart = Effect.scoped(Layer.build(
          clusterStorageLayer.pipe(Layer.provideMerge(postgresLayer(location)), Layer.provide(ShardingConfig.layer()))
        ))
        const starts = yield* Effect.forEach(Array.from({ length: 6 }), () => Effect.exit(runnerStart), { concurrency: "unbounded" })
        expect(starts.filter((exit) => exit._tag !== "Success").map(String), `round ${round}`).toEqual([])
      }
    }), 180_000)

  it.scoped("a wait for the lock held elsewhere is said after 10 s, naming the holder, and ends when it is let go", () =>
    Effect.gen(function* () {
      const server = yield* Effect.acquireRelease(Effect.promise(() => startPostgres()), (s) => Effect.sync(s.stop))
      const realPause = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))
      const holding = yield* Deferred.make<void>()
      const letGo = yield* Deferred.make<void>()
      const holder = yield* withPostgresSchemaLock(Deferred.succeed(holding, undefined).pipe(Effect.zipRight(Deferred.await(letGo)))).pipe(
        Effect.provide(asProcess(server.url)), Effect.fork)
      yield* Deferred.await(holding)
      const warnings: Array<string> = []
      const waiter = yield* withPostgresSchemaLock(Effect.succeed("got it")).pipe(
        Effect.provide(asProcess(server.url)),
        Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => warnings.push(String(message))))),
        Effect.fork)
      // The database's side: the waiter's lock request is queued behind the holder.
      const waiting = () => Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql<{ n: number }>`SELECT COUNT(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).pipe(
        Effect.provide(asProcess(server.url)), Effect.map((rows) => rows[0]!.n))
      while ((yield* waiting()) === 0) yield* realPause
      expect(warnings).toEqual([])
      yield* TestClock.adjust("10 seconds")
      for (let tries = 0; warnings.length === 0 && tries < 400; tries++) yield* realPause
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(/^waiting 10 s for the PostgreSQL schema lock, held by backend pid \d+ /)
      expect(warnings[0]).toContain("pg_terminate_backend")
      yield* Deferred.succeed(letGo, undefined)
      expect(yield* Fiber.join(waiter)).toBe("got it")
      yield* Fiber.join(holder)
    }), 120_000)
})
