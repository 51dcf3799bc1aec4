import * as Migrator from "@effect/sql/Migrator"
import { PgClient } from "@effect/sql-pg"
import { Duration, Layer } from "effect"
import * as pgTypes from "pg-types"
import { columnNames } from "./columnNames.js"
import { ManifestOpenError } from "./ManifestErrors.js"
import { hidePasswordsIn, type ManifestLocation } from "./ManifestLocation.js"
import { describeOpenFailure } from "./ManifestStore.js"
import { migrations } from "./migrations.js"
import { openMayWorkLater } from "./postgresOpenFailure.js"
import { withPostgresSchemaLock } from "./PostgresSchemaLock.js"

// Apart from ManifestStore.ts, which imports this file only when a manifest is in PostgreSQL.

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

/** Migrates a PostgreSQL manifest, one process at a time (processes starting together would race to create tables). */
const migratePostgres = withPostgresSchemaLock(Migrator.make({})({ loader: Migrator.fromRecord(migrations) }))

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
          transient: openMayWorkLater(cause),
          advice: "Check that the server runs and accepts this user from this host (pg_hba.conf), that the database exists " +
            "(createdb), and the URL's host, port, user and password."
        })
      )
    )
  )
}
