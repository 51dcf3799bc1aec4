import { Effect, Schema } from "effect"
import { dirname, join, relative } from "node:path"
import type { DatasetClip } from "../domain/Analysis.js"
import type { WorkspacePaths } from "../domain/Workspace.js"
import { type FileWriteError, writeLinesAtomic } from "../files/atomicWrite.js"
import { Manifest } from "./Manifest.js"
import type { ManifestQueryError } from "./ManifestErrors.js"

/**
 * Files derived from the manifest. Row formats: `jsonl` (the manifest itself), `urls` (remote sources).
 * Clip formats: `hf` (Hugging Face audiofolder metadata.jsonl), `nemo` (NeMo/Lhotse-style JSONL), `csv`.
 */
export const ExportFormat = Schema.Literal("hf", "nemo", "csv", "urls", "jsonl")
export type ExportFormat = typeof ExportFormat.Type

export const defaultExportPath = (paths: WorkspacePaths, format: ExportFormat): string =>
  ({
    hf: join(paths.dataset, "metadata.jsonl"),
    nemo: join(paths.exports, "nemo_manifest.jsonl"),
    csv: join(paths.exports, "clips.csv"),
    urls: join(paths.exports, "urls.txt"),
    jsonl: join(paths.exports, "manifest.jsonl")
  })[format]

const pageSize = 1000
const round = (value: number, digits: number) => Number(value.toFixed(digits))

/** A stored row as one JSON line, its analysis as an object rather than a string of JSON. */
const rowLine = (row: Record<string, unknown>) =>
  JSON.stringify({ ...row, analysis: typeof row["analysis"] === "string" ? JSON.parse(row["analysis"]) : null })

const clipFields = (clip: DatasetClip) => ({
  video_id: clip.videoId,
  source_url: clip.sourceUrl,
  start: round(clip.start, 3),
  end: round(clip.end, 3),
  duration: round(clip.end - clip.start, 3),
  child_score: round(clip.childScore, 4),
  language: clip.language
})

const csvCell = (value: string | number) => {
  const text = String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export const csvHeader = "file_name,video_id,source_url,start,end,duration,child_score,language"

/** One clip's line in a clip format. Paths are relative to the export's folder (hf, csv) or absolute (nemo). */
export const clipLine = (format: "hf" | "nemo" | "csv", clip: DatasetClip, datasetDir: string, exportDir: string): string => {
  const absolute = join(datasetDir, clip.fileName)
  const fields = clipFields(clip)
  switch (format) {
    case "hf":
      return JSON.stringify({ file_name: relative(exportDir, absolute), ...fields })
    case "nemo":
      return JSON.stringify({ audio_filepath: absolute, text: "", ...fields })
    case "csv":
      return [relative(exportDir, absolute), ...Object.values(fields)].map(csvCell).join(",")
  }
}

/** Pages through the manifest's clips, `pageSize` at a time. */
export const forEachClipPage = <E, R>(use: (clips: ReadonlyArray<DatasetClip>) => Effect.Effect<void, E, R>) =>
  Effect.gen(function* () {
    const manifest = yield* Manifest
    let after = ""
    while (true) {
      const clips = yield* manifest.clipsPage(after, pageSize)
      if (clips.length === 0) return
      yield* use(clips)
      after = clips.at(-1)!.fileName
    }
  })

/**
 * Writes an export derived from the manifest, page by page and atomically: a URL is in the URL list only
 * because its row is in the manifest, never the other way round.
 */
export const writeExport = (
  format: ExportFormat,
  path: string,
  paths: WorkspacePaths
): Effect.Effect<{ readonly path: string; readonly lines: number }, FileWriteError | ManifestQueryError, Manifest> =>
  Effect.gen(function* () {
    const manifest = yield* Manifest
    let lines = 0
    yield* writeLinesAtomic(path, (emit) => {
      const count = (page: ReadonlyArray<string>) => {
        lines += page.length
        return emit(page)
      }
      if (format === "urls" || format === "jsonl") {
        return Effect.gen(function* () {
          let afterId = ""
          while (true) {
            // Local files have a path, not a URL: they are not in the URL list.
            const lines = format === "urls"
              ? (yield* manifest.sourceUrlsPage(afterId, pageSize)).map((row) => ({ id: row.id, line: row.kind === "local" ? [] : [row.sourceUrl] }))
              : (yield* manifest.storedRowsPage(afterId, pageSize)).map((row) => ({ id: row.id, line: [rowLine(row)] }))
            if (lines.length === 0) return
            yield* count(lines.flatMap((l) => l.line))
            afterId = lines.at(-1)!.id
          }
        })
      }
      const header = format === "csv" ? emit([csvHeader]) : Effect.void
      return header.pipe(
        Effect.zipRight(forEachClipPage((clips) => count(clips.map((clip) => clipLine(format, clip, paths.dataset, dirname(path))))))
      )
    })
    return { path, lines }
  })
