import { SqlClient } from "@effect/sql"
import * as Migrator from "@effect/sql/Migrator"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Cause, Duration, Effect, Layer, Schedule } from "effect"
import * as pgTypes from "pg-types"
import { columnNames } from "./columnNames.js"
import { Manifest, type ManifestOptions } from "./Manifest.js"
import { checkManifestFile } from "./manifestFile.js"
import { ManifestOpenError } from "./ManifestErrors.js"
import { hidePasswordsIn, type ManifestLocation } from "./ManifestLocation.js"
import { migrations } from "./migrations.js"
import { busyTimeoutMs } from "./ManifestWriter.js"

const pragmas = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // Wait for other processes' write locks instead of failing with "database is locked".
  yield* sql`PRAGMA busy_timeout = ${sql.literal(String(busyTimeoutMs))}`
  // Every committed transition survives power loss, not only a process crash.
  yield* sql`PRAGMA synchronous = FULL`
  yield* sql`PRAGMA foreign_keys = ON`
  const [check] = yield* sql<{ quickCheck: string }>`PRAGMA quick_check(1)`
  if (check?.quickCheck !== "ok") yield* Effect.fail(new Error(`integrity check failed: ${check?.quickCheck}`))
  yield* Migrator.make({})({ loader: Migrator.fromRecord(migrations) })
})

/** The SQLite client for a manifest file, opened in WAL mode, checked and migrated. */
export const sqliteLayer = (path: string) => {
  const client = SqliteClient.layer({
    filename: path,
    transformResultNames: columnNames.fromSql,
    transformQueryNames: columnNames.toSql
  })
  const prepared = Layer.effectDiscard(pragmas).pipe(Layer.provideMerge(client))
  return Layer.unwrapEffect(checkManifestFile(path).pipe(Effect.as(prepared))).pipe(
    Layer.catchAllCause((cause) =>
      Layer.fail(openFailure(path, cause))
    )
  )
}

/** A refusal from the file check as it is (it carries its advice); any other failure with its readable reason. */
const openFailure = (path: string, cause: Cause.Cause<unknown>) => {
  const refused = Cause.failures(cause).pipe((failures) => [...failures].find((e) => e instanceof ManifestOpenError && e.advice !== undefined))
  return refused instanceof ManifestOpenError ? refused : new ManifestOpenError({ path, reason: describeOpenFailure(cause) })
}

/** The first readable reason inside an open failure: the driver's message, not a stack of wrappers. */
const describeOpenFailure = (cause: Cause.Cause<unknown>): string => {
  const reasons = [...Cause.failures(cause), ...Cause.defects(cause)].map((e) =>
    e instanceof ManifestOpenError
      ? e.reason
      : e instanceof Error
      ? (e.cause instanceof Error ? e.cause.message : e.message)
      : String(e)
  )
  return reasons.length > 0 ? reasons.join("; ") : "unknown error"
}

/** The manifest service over an SQLite file. */
export const sqliteManifestLayer = (path: string, options: ManifestOptions) =>
  Manifest.layer(options).pipe(Layer.provideMerge(sqliteLayer(path)))

/**
 * PostgreSQL's 64-bit integers (times in milliseconds, COUNT(*)) and SUM's numerics come back as text by default, to
 * keep precision beyond 2^53; the manifest's values are far below that, so they are read as numbers like SQLite's.
 */
const numberTypes = {
  getTypeParser: (oid: number, format?: "text" | "binary") =>
    oid === pgTypes.builtins.INT8 || oid === pgTypes.builtins.NUMERIC
      ? (value: string) => Number(value)
      : pgTypes.getTypeParser(oid, (format ?? "text") as "text")
} as unknown as PgClient.PgClientConfig["types"]

/**
 * Migrates a PostgreSQL manifest. Processes starting together on an empty database race to create the migrations'
 * own table (the migrator then locks it, so the migrations themselves run once): the loser of that race tries again.
 */
const migratePostgres = Migrator.make({})({ loader: Migrator.fromRecord(migrations) }).pipe(
  Effect.retry({ times: 4, schedule: Schedule.spaced(Duration.millis(250)) })
)

/** The PostgreSQL client for a shared manifest, connected and migrated; a failure names the URL without its password. */
export const postgresLayer = (location: Extract<ManifestLocation, { _tag: "Postgres" }>) => {
  const client = PgClient.layer({
    url: location.url,
    transformResultNames: columnNames.fromSql,
    transformQueryNames: columnNames.toSql,
    types: numberTypes,
    applicationName: "kidvoice",
    connectTimeout: Duration.seconds(10)
  })
  return Layer.effectDiscard(migratePostgres).pipe(
    Layer.provideMerge(client),
    Layer.catchAllCause((cause) =>
      Layer.fail(
        new ManifestOpenError({
          path: location.shown,
          reason: hidePasswordsIn(describeOpenFailure(cause)),
          advice: "Check that the server runs and accepts this user from this host (pg_hba.conf), that the database exists " +
            "(createdb), and the URL's host, port, user and password."
        })
      )
    )
  )
}

/** The manifest service where the setting puts it: an SQLite file, or a PostgreSQL database many processes share. */
export const manifestStoreLayer = (location: ManifestLocation, options: ManifestOptions) =>
  location._tag === "Sqlite"
    ? sqliteManifestLayer(location.path, options)
    : Manifest.layer(options).pipe(Layer.provideMerge(postgresLayer(location)))
