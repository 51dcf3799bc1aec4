import { Cause } from "effect"
import { causeChain } from "../domain/causeChain.js"

/** The fields a driver error carries beside its message (PostgreSQL's SQLSTATE, detail and failing statement part). */
interface DriverFields {
  readonly code?: unknown
  readonly detail?: unknown
  readonly table?: unknown
  readonly constraint?: unknown
}

const driverFields = (error: DriverFields) =>
  (["code", "detail", "table", "constraint"] as const)
    .filter((field) => typeof error[field] === "string" && error[field] !== "")
    .map((field) => `${field} ${String(error[field])}`)

/** The causes under `error`, outermost first (at most 5 deep). */
const causesUnder = (error: unknown): ReadonlyArray<unknown> => causeChain(error, 6).slice(1)

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * Every `cause` under the defects of `cause`, outermost first: a wrapper such as "SqlError: Failed to execute
 * statement" says nothing until the driver's own message ("relation … already exists", code 42P07) is printed too.
 */
export const underlyingCauses = (cause: Cause.Cause<unknown>): ReadonlyArray<string> =>
  [...Cause.defects(cause), ...Cause.failures(cause)].flatMap((error) =>
    causesUnder(error).map((inner) => {
      const fields = typeof inner === "object" && inner !== null ? driverFields(inner as DriverFields) : []
      return `caused by: ${messageOf(inner)}${fields.length > 0 ? ` (${fields.join(", ")})` : ""}`
    })
  )

/** What kidvoice prints for a defect: the report to file, with what the wrappers hide. */
export const unexpectedErrorReport = (cause: Cause.Cause<unknown>): string =>
  [`kidvoice: unexpected error (please report it):`, Cause.pretty(cause), ...underlyingCauses(cause)].join("\n")

/**
 * What kidvoice prints for a failure: its message, and the causes under it when the message carries none of their
 * words. kidvoice's own errors say the driver's message themselves; a library's wrapper reaching the top (a
 * SqlError from the runner's schema work: "Failed to execute statement") would otherwise say nothing to act on.
 */
export const failureReport = (error: { readonly message: string }): string => {
  const chain = causesUnder(error).filter((inner) => inner instanceof Error)
  const said = chain.some((inner) => messageOf(inner) !== "" && error.message.includes(messageOf(inner)))
  return [`kidvoice: ${error.message}`, ...(said || chain.length === 0 ? [] : underlyingCauses(Cause.fail(error)))].join("\n")
}
