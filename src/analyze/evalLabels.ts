import { Data, Either } from "effect"
import { extname, isAbsolute, join, dirname } from "node:path"

/** One labelled recording: is the voice in it a child's? */
export interface LabelledFile {
  readonly path: string
  readonly child: boolean
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

/**
 * Reads a labels file: CSV lines `path,child` (an optional header line starting with `file` or `path`;
 * `#` comments and blank lines skipped), or, for `.jsonl`, one `{"file": ..., "child": ...}` a line.
 * Relative paths are relative to the labels file. The first bad line fails the whole file, by line number.
 */
export const parseLabels = (file: string, text: string): Either.Either<ReadonlyArray<LabelledFile>, LabelsFileError> => {
  const jsonl = [".jsonl", ".ndjson"].includes(extname(file).toLowerCase())
  const resolve = (path: string) => (isAbsolute(path) ? path : join(dirname(file), path))
  const entries: Array<LabelledFile> = []
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1
    const raw = lines[i]!.trim()
    if (raw === "" || raw.startsWith("#")) continue
    const fail = (reason: string) => Either.left(new LabelsFileError({ file, line, reason }))
    let path: unknown
    let verdict: unknown
    if (jsonl) {
      let parsed: unknown
      try {
        parsed = JSON.parse(raw)
      } catch (e) {
        return fail(`not JSON: ${(e as Error).message}`)
      }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return fail("expected an object with file and child")
      path = (parsed as Record<string, unknown>)["file"] ?? (parsed as Record<string, unknown>)["path"]
      verdict = (parsed as Record<string, unknown>)["child"]
      if (verdict === undefined) return fail("no child field")
    } else {
      const cut = raw.lastIndexOf(",")
      if (cut < 0) return fail("expected path,child")
      path = raw.slice(0, cut).trim().replace(/^"(.*)"$/, "$1")
      verdict = raw.slice(cut + 1)
      if (entries.length === 0 && /^(file|path)$/i.test(String(path))) continue // the header
    }
    if (typeof path !== "string" || path.trim() === "") return fail("no file path")
    const child = parseVerdict(verdict)
    if (typeof child === "string") return fail(child)
    entries.push({ path: resolve(path.trim()), child, line })
  }
  if (entries.length === 0) return Either.left(new LabelsFileError({ file, line: 0, reason: "no labelled files in it" }))
  return Either.right(entries)
}

/** A recording's child score: its segments' scores weighted by their length; 0 with no speech at all. */
export const fileScore = (segments: ReadonlyArray<{ readonly start: number; readonly end: number; readonly childScore: number }>): number => {
  const speech = segments.reduce((sum, s) => sum + (s.end - s.start), 0)
  return speech > 0 ? segments.reduce((sum, s) => sum + s.childScore * (s.end - s.start), 0) / speech : 0
}
