import { Effect, Schema } from "effect"
import { ManifestRow } from "../domain/ManifestRow.js"
import { writeLinesAtomic } from "../files/atomicWrite.js"
import { Manifest } from "./Manifest.js"

export const ExportFormat = Schema.Literal("jsonl", "urls")
export type ExportFormat = typeof ExportFormat.Type

const pageSize = 1000
const encodeRow = Schema.encodeSync(ManifestRow)

/** One line a row: the manifest as JSONL, or the source URL of every video that has a remote source. */
const lineOf = (format: ExportFormat, row: ManifestRow): ReadonlyArray<string> => {
  if (format === "jsonl") return [JSON.stringify({ ...encodeRow(row), analysis: row.analysis })]
  return row.kind === "local" ? [] : [row.sourceUrl]
}

/**
 * Writes an export derived from the manifest, page by page and atomically: a URL is in the URL list only
 * because its row is in the manifest, never the other way round.
 */
export const writeExport = (format: ExportFormat, path: string) =>
  Effect.gen(function* () {
    const manifest = yield* Manifest
    let lines = 0
    yield* writeLinesAtomic(path, (emit) =>
      Effect.gen(function* () {
        let afterId = ""
        while (true) {
          const rows = yield* manifest.page(afterId, pageSize)
          if (rows.length === 0) return
          const page = rows.flatMap((row) => lineOf(format, row))
          lines += page.length
          yield* emit(page)
          afterId = rows.at(-1)!.id
        }
      }))
    return { path, lines }
  })
