import type { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { causeChain } from "../domain/causeChain.js"

/** Whether the manifest lives in PostgreSQL; the few statements that exist in one dialect only ask this. */
export const isPostgres = (sql: SqlClient.SqlClient): boolean => sql.onDialectOrElse({ pg: () => true, orElse: () => false })

/**
 * The driver's error code inside a statement's failure (SQLite: `SQLITE_BUSY`..., PostgreSQL: SQLSTATE), also when
 * the SqlError is wrapped (a ManifestQueryError names the operation around it).
 */
export const driverCode = (error: unknown): string | undefined => {
  const failed = causeChain(error, 4).find((at): at is SqlError => at instanceof SqlError)
  const code = (failed?.cause as { code?: unknown } | undefined)?.code
  return typeof code === "string" ? code : undefined
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
