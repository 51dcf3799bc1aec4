import type { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"

/** Whether the manifest lives in PostgreSQL; the few statements that exist in one dialect only ask this. */
export const isPostgres = (sql: SqlClient.SqlClient): boolean => sql.onDialectOrElse({ pg: () => true, orElse: () => false })

/**
 * The driver's error code inside a statement's failure (SQLite: `SQLITE_BUSY`..., PostgreSQL: SQLSTATE), also when
 * the SqlError is wrapped (a ManifestQueryError names the operation around it).
 */
export const driverCode = (error: unknown): string | undefined => {
  for (let at = error, depth = 0; at !== null && typeof at === "object" && depth < 4; at = (at as { cause?: unknown }).cause, depth++) {
    if (at instanceof SqlError) {
      const code = (at.cause as { code?: unknown } | undefined)?.code
      return typeof code === "string" ? code : undefined
    }
  }
  return undefined
}

/**
 * PostgreSQL gave up on a statement because of another transaction (a deadlock, a serialization conflict): the
 * same statement run again can succeed. Two processes' batches that touch the same rows in a different order meet
 * this way.
 */
export const isPostgresConflict = (error: unknown): boolean => {
  const code = driverCode(error)
  return code === "40P01" || code === "40001"
}
