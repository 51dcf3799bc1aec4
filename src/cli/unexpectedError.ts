import { Cause } from "effect"

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

/**
 * Every `cause` under the defects of `cause`, outermost first: a wrapper such as "SqlError: Failed to execute
 * statement" says nothing until the driver's own message ("relation … already exists", code 42P07) is printed too.
 */
export const underlyingCauses = (cause: Cause.Cause<unknown>): ReadonlyArray<string> =>
  [...Cause.defects(cause), ...Cause.failures(cause)].flatMap((error) => {
    const lines: Array<string> = []
    let inner: unknown = error instanceof Error ? error.cause : undefined
    for (let depth = 0; inner !== undefined && inner !== null && depth < 5; depth++) {
      const fields = typeof inner === "object" ? driverFields(inner as DriverFields) : []
      const message = inner instanceof Error ? inner.message : String(inner)
      lines.push(`caused by: ${message}${fields.length > 0 ? ` (${fields.join(", ")})` : ""}`)
      inner = inner instanceof Error ? inner.cause : undefined
    }
    return lines
  })

/** What kidvoice prints for a defect: the report to file, with what the wrappers hide. */
export const unexpectedErrorReport = (cause: Cause.Cause<unknown>): string =>
  [`kidvoice: unexpected error (please report it):`, Cause.pretty(cause), ...underlyingCauses(cause)].join("\n")
