import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { freshManifest } from "../support/manifest.js"

/**
 * The manifest's hot reads walk an index rather than sort: a sort per page made a curate of a large backlog
 * quadratic. Checked on SQLite's own plan, so a dropped index or a query that stops using it is caught.
 */
describe("query plans", () => {
  it.scoped("a page of one state in id order walks videos_state_id, with no sort", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const plan = yield* sql<{ detail: string }>`
        EXPLAIN QUERY PLAN SELECT * FROM videos WHERE id > ${""} AND state IN ${sql.in(["analyzed"])} ORDER BY id LIMIT ${100}`
      const details = plan.map((row) => row.detail).join("\n")
      expect(details).toContain("videos_state_id")
      expect(details).not.toContain("TEMP B-TREE")
    }).pipe(Effect.provide(freshManifest())))
})
