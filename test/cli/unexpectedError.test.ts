import { SqlError } from "@effect/sql/SqlError"
import { describe, expect, it } from "@effect/vitest"
import { Cause } from "effect"
import { Data } from "effect"
import { failureReport, underlyingCauses, unexpectedErrorReport } from "../../src/cli/unexpectedError.js"
import { ManifestQueryError } from "../../src/manifest/ManifestErrors.js"

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

describe("the report of a failure", () => {
  const permission = serverError("permission denied for schema public", { code: "42501" })

  it("adds the driver's words under a library's wrapper that reached the top without them", () => {
    expect(failureReport(new SqlError({ cause: permission, message: "Failed to execute statement" }))).toBe(
      "kidvoice: Failed to execute statement\ncaused by: permission denied for schema public (code 42501)"
    )
  })

  it("is the message alone when it already says them, or has no error under it", () => {
    const query = new ManifestQueryError({ operation: "claim download", cause: new SqlError({ cause: permission, message: "Failed to execute statement" }) })
    expect(failureReport(query)).toBe(`kidvoice: ${query.message}`)
    expect(query.message).toContain("permission denied for schema public")
    class Tagged extends Data.TaggedError("Tagged")<{ readonly cause: { readonly _tag: "Undecodable" } }> {
      override get message() {
        return "cannot decode"
      }
    }
    expect(failureReport(new Tagged({ cause: { _tag: "Undecodable" } }))).toBe("kidvoice: cannot decode")
  })
})
