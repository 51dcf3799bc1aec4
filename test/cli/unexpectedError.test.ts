import { SqlError } from "@effect/sql/SqlError"
import { describe, expect, it } from "@effect/vitest"
import { Cause } from "effect"
import { underlyingCauses, unexpectedErrorReport } from "../../src/cli/unexpectedError.js"

/** What node-postgres throws: an Error with the server's SQLSTATE and fields. */
const serverError = (message: string, fields: Record<string, string>) => Object.assign(new Error(message), fields)

describe("the report of an unexpected error", () => {
  it("names the driver's own message and code under a SqlError, which says only 'Failed to execute statement'", () => {
    const pg = serverError("duplicate key value violates unique constraint \"pg_type_typname_nsp_index\"", {
      code: "23505",
      detail: "Key (typname, typnamespace)=(cluster_runners, 2200) already exists.",
      constraint: "pg_type_typname_nsp_index"
    })
    const cause = Cause.die(new SqlError({ cause: pg, message: "Failed to execute statement" }))
    expect(underlyingCauses(cause)).toEqual([
      "caused by: duplicate key value violates unique constraint \"pg_type_typname_nsp_index\" (code 23505, " +
      "detail Key (typname, typnamespace)=(cluster_runners, 2200) already exists., constraint pg_type_typname_nsp_index)"
    ])
    const report = unexpectedErrorReport(cause)
    expect(report).toMatch(/^kidvoice: unexpected error \(please report it\):\n/)
    expect(report).toContain("Failed to execute statement")
    expect(report).toContain("code 23505")
  })

  it("follows a chain of causes, and adds nothing for an error without one", () => {
    const chained = new Error("outer", { cause: new Error("middle", { cause: "root reason" }) })
    expect(underlyingCauses(Cause.die(chained))).toEqual(["caused by: middle", "caused by: root reason"])
    expect(underlyingCauses(Cause.die(new Error("alone")))).toEqual([])
  })
})
