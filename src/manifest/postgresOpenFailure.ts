import { Cause } from "effect"
import { causeChain } from "../domain/causeChain.js"

/**
 * SQLSTATEs with which a PostgreSQL server says "not now" rather than "no": connection exceptions (class 08), the
 * server starting up or shutting down (57P03, 57P01) and no free connection slot (53300).
 */
const notNow = (sqlState: string) => sqlState.startsWith("08") || sqlState === "57P03" || sqlState === "57P01" || sqlState === "53300"

/** The SQLSTATEs the server answered with anywhere in `cause` (node-postgres errors carry `code` and `severity`). */
const serverAnswers = (cause: Cause.Cause<unknown>): ReadonlyArray<string> =>
  [...Cause.failures(cause), ...Cause.defects(cause)].flatMap((error) =>
    causeChain(error).flatMap((inner) => {
      const { code, severity } = (typeof inner === "object" ? inner : {}) as { readonly code?: unknown; readonly severity?: unknown }
      return typeof code === "string" && typeof severity === "string" ? [code] : []
    })
  )

/**
 * Whether opening a PostgreSQL manifest may work if tried again, pure: yes unless the server answered with a refusal
 * that stays (a wrong password 28P01, a missing database 3D000, a migration's SQL error). A server that could not be
 * reached, timed out or said "not now" is the kind a runner starting beside its database waits for; a refusal that
 * stays is said at once, not after every try.
 */
export const openMayWorkLater = (cause: Cause.Cause<unknown>): boolean => serverAnswers(cause).every(notNow)
