import { Data, Either } from "effect"
import { extname, isAbsolute, join, dirname } from "node:path"

/** One labelled recording: is the voice in it a child's? */
export interface LabelledFile {
  readonly path: string
  readonly child: boolean
  /** The labels file's group column (a speaker kind, language, condition...), null without one. */
  readonly group: string | null
  /** 1-based line of the labels file it came from, for messages. */
  readonly line: number
}

export class LabelsFileError extends Data.TaggedError("LabelsFileError")<{
  readonly file: string
  /** 0 when the problem is the file as a whole. */
  readonly line: number
  readonly reason: string
}> {
  override get message() {
    return `labels file ${this.file}${this.line > 0 ? `, line ${this.line}` : ""}: ${this.reason}`
  }
}

const yes = new Set(["yes", "y", "true", "1", "child"])
const no = new Set(["no", "n", "false", "0", "adult", "not-child"])

const parseVerdict = (value: unknown): boolean | string => {
  if (typeof value === "boolean") return value
  const text = String(value).trim().toLowerCase()
  if (yes.has(text)) return true
  if (no.has(text)) return false
  return `"${String(value)}" is not a child label (yes/no, true/false, 1/0, child/adult)`
}

/** One CSV line's fields: commas inside double quotes do not split, `""` inside quotes is a quote. */
export const csvFields = (line: string): Array<string> => {
  const fields: Array<string> = []
  let field = ""
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ",") {
      fields.push(field.trim())
      field = ""
    } else field += c
  }
  fields.push(field.trim())
  return fields
}

/** Where the path, label and optional group are in a CSV header line; null when the line is not a header. */
const headerColumns = (fields: ReadonlyArray<string>) => {
  const names = fields.map((f) => f.toLowerCase())
  const path = names.findIndex((n) => n === "file" || n === "path")
  const child = names.indexOf("child")
  if (path < 0) return null
  return { path, child: child < 0 ? 1 : child, group: names.indexOf("group") }
}

/**
 * Reads a labels file: CSV lines `path,child` with an optional header line `file,child[,group,...]` (any further
 * columns, in any order, as long as the header names `file` or `path` and `child`; a `group` column groups the
 * report; `#` comments and blank lines skipped), or, for `.jsonl`, one `{"file": ..., "child": ..., "group": ...}` a
 * line. Relative paths are relative to the labels file. The first bad line fails the whole file, by line number.
 */
export const parseLabels = (file: string, text: string): Either.Either<ReadonlyArray<LabelledFile>, LabelsFileError> => {
  const jsonl = [".jsonl", ".ndjson"].includes(extname(file).toLowerCase())
  const resolve = (path: string) => (isAbsolute(path) ? path : join(dirname(file), path))
  const entries: Array<LabelledFile> = []
  const lines = text.split(/\r?\n/)
  let columns: { path: number; child: number; group: number } | null = null
  let seenFirst = false
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1
    const raw = lines[i]!.trim()
    if (raw === "" || raw.startsWith("#")) continue
    const fail = (reason: string) => Either.left(new LabelsFileError({ file, line, reason }))
    let path: unknown
    let verdict: unknown
    let group: unknown = null
    if (jsonl) {
      let parsed: unknown
      try {
        parsed = JSON.parse(raw)
      } catch (e) {
        return fail(`not JSON: ${(e as Error).message}`)
      }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return fail("expected an object with file and child")
      const record = parsed as Record<string, unknown>
      path = record["file"] ?? record["path"]
      verdict = record["child"]
      group = record["group"] ?? null
      if (verdict === undefined) return fail("no child field")
    } else {
      const fields = csvFields(raw)
      if (!seenFirst) {
        seenFirst = true
        columns = headerColumns(fields)
        if (columns !== null) continue
      }
      const at = columns ?? { path: 0, child: 1, group: -1 }
      if (fields.length < 2 || fields[at.child] === undefined) return fail(columns ? `expected ${Math.max(at.path, at.child) + 1} columns as the header says` : "expected path,child")
      path = fields[at.path]
      verdict = fields[at.child]
      group = at.group >= 0 && fields[at.group] ? fields[at.group] : null
    }
    if (typeof path !== "string" || path.trim() === "") return fail("no file path")
    const child = parseVerdict(verdict)
    if (typeof child === "string") return fail(child)
    entries.push({ path: resolve(path.trim()), child, group: group === null ? null : String(group), line })
  }
  if (entries.length === 0) return Either.left(new LabelsFileError({ file, line: 0, reason: "no labelled files in it" }))
  return Either.right(entries)
}

/** A recording's child score: its segments' scores weighted by their length; 0 with no speech at all. */
export const fileScore = (segments: ReadonlyArray<{ readonly start: number; readonly end: number; readonly childScore: number }>): number => {
  const speech = segments.reduce((sum, s) => sum + (s.end - s.start), 0)
  return speech > 0 ? segments.reduce((sum, s) => sum + s.childScore * (s.end - s.start), 0) / speech : 0
}

/**
 * A recording's median F0 over its voiced speech: the segment medians, each weighted by its length (a weighted
 * median); null when no segment had a pitch. The F0-only baseline's score.
 */
export const fileMedianF0 = (segments: ReadonlyArray<{ readonly start: number; readonly end: number; readonly medianF0: number | null }>): number | null => {
  const voiced = segments.filter((s) => s.medianF0 !== null && s.end > s.start).sort((a, b) => a.medianF0! - b.medianF0!)
  const total = voiced.reduce((sum, s) => sum + (s.end - s.start), 0)
  let running = 0
  for (const s of voiced) {
    running += s.end - s.start
    if (running >= total / 2) return s.medianF0
  }
  return null
}
