import { SqlClient } from "@effect/sql"
import * as Migrator from "@effect/sql/Migrator"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Cause, Effect, Layer } from "effect"
import { columnNames } from "./columnNames.js"
import { Manifest, type ManifestOptions } from "./Manifest.js"
import { checkManifestFile } from "./manifestFile.js"
import { ManifestOpenError } from "./ManifestErrors.js"
import type { ManifestLocation } from "./ManifestLocation.js"
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
export const describeOpenFailure = (cause: Cause.Cause<unknown>): string => {
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

/** The manifest service where the setting puts it: an SQLite file, or a PostgreSQL database many processes share. */
export const manifestStoreLayer = (location: ManifestLocation, options: ManifestOptions) =>
  location._tag === "Sqlite"
    ? sqliteManifestLayer(location.path, options)
    // PostgreSQL's driver loads only when a run asks for it: SQLite users (and every start) never pay for it.
    : Layer.unwrapEffect(
      Effect.promise(() => import("./PostgresStore.js")).pipe(
        Effect.map(({ postgresLayer }) => Manifest.layer(options).pipe(Layer.provideMerge(postgresLayer(location))))
      )
    )
