import { SqlClient } from "@effect/sql"
import { Clock, Effect } from "effect"
import { type ListingBookmarks, ListingBookmarksError } from "../pipeline/discovery.js"

/**
 * Where each search, channel and playlist listing of the cluster stands (`kidvoice_listing_positions`): the next
 * page token and how many videos were listed, or complete. Written by whichever runner lists, after each page's
 * findings committed, so a discovery singleton taken over by another runner goes on at the next page. A table, not
 * an entity: one row per target, written by the one runner listing it, read when a listing starts.
 */
export const ensureListingPositionsTable = Effect.flatMap(SqlClient.SqlClient, (sql) => sql`
  CREATE TABLE IF NOT EXISTS kidvoice_listing_positions (
    target TEXT PRIMARY KEY,
    page_token TEXT,
    listed INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    updated_at BIGINT NOT NULL
  )`)

export const makeListingPositions = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const failed = (key: string) => Effect.mapError((cause: unknown) => new ListingBookmarksError({ key, cause }))
  return {
    load: (key) =>
      sql<{ pageToken: string | null; listed: number; complete: number }>`
        SELECT page_token, listed, complete FROM kidvoice_listing_positions WHERE target = ${key}`.pipe(
        Effect.map(([row]) =>
          row === undefined ? null
          : Number(row.complete) === 1 ? "complete" as const
          : row.pageToken === null ? null
          : { pageToken: row.pageToken, listed: Number(row.listed) }
        ),
        failed(key)
      ),
    save: (key, at) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const row = at === "complete" ? { pageToken: null, listed: 0, complete: 1 } : { pageToken: at.pageToken, listed: at.listed, complete: 0 }
        return sql`
          INSERT INTO kidvoice_listing_positions (target, page_token, listed, complete, updated_at)
          VALUES (${key}, ${row.pageToken}, ${row.listed}, ${row.complete}, ${now})
          ON CONFLICT (target) DO UPDATE SET page_token = ${row.pageToken}, listed = ${row.listed}, complete = ${row.complete}, updated_at = ${now}`
      }).pipe(Effect.asVoid, failed(key))
  } satisfies ListingBookmarks
})
