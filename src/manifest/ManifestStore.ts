import { SqlClient } from "@effect/sql"
import * as Migrator from "@effect/sql/Migrator"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Cause, Effect, Layer } from "effect"
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs"
import { columnNames } from "./columnNames.js"
import { Manifest, type ManifestOptions } from "./Manifest.js"
import { ManifestOpenError } from "./ManifestErrors.js"
import { migrations } from "./migrations.js"
import { busyTimeoutMs } from "./ManifestWriter.js"

const sqliteHeader = "SQLite format 3\u0000"

/** Refuses a file that exists but is not SQLite, before the driver could treat it as anything else. */
const checkHeader = (path: string) =>
  Effect.try({
    try: () => {
      if (!existsSync(path) || statSync(path).size === 0) return
      const fd = openSync(path, "r")
      try {
        const header = Buffer.alloc(16)
        const read = readSync(fd, header, 0, 16, 0)
        if (read < 16 || header.toString("latin1") !== sqliteHeader) {
          throw new Error("the file is not an SQLite database (wrong header; truncated or overwritten?)")
        }
      } finally {
        closeSync(fd)
      }
    },
    catch: (cause) => new ManifestOpenError({ path, reason: cause instanceof Error ? cause.message : String(cause) })
  })

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
  return Layer.unwrapEffect(checkHeader(path).pipe(Effect.as(prepared))).pipe(
    Layer.catchAllCause((cause) =>
      Layer.fail(new ManifestOpenError({ path, reason: describeOpenFailure(cause) }))
    )
  )
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
  Manifest.layer(options, path).pipe(Layer.provideMerge(sqliteLayer(path)))
