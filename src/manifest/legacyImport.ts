/**
 * `kidvoice import`: the Python crawler's `manifest.json` (and its `discovered_urls.txt`) into the manifest,
 * so people who used the old crawler keep their history.
 *
 * Reading is tolerant, writing is not: every record is decoded on its own by a lenient Schema (unknown keys
 * ignored; a field of the wrong type or `null` counts as missing), and a record that cannot become a row is
 * reported with its index and the reason instead of failing the import. Only a file that cannot be read, is not
 * JSON, or has no `records` list fails, with a typed error naming the file and what to do.
 *
 * Mapping (one legacy record → at most one row):
 * - id: `video_id` when it is a YouTube id; else the YouTube id inside `url`; else `url-<hash>` of an http(s)
 *   `url` (kind `url`), exactly as `parseUrlList` keys the same line, so a URL in `discovered_urls.txt` and its
 *   manifest record meet on one row. Neither → reported, not imported.
 * - source_url: the canonical watch URL for YouTube ids (a legacy URL may carry `&list=…`, which yt-dlp would
 *   follow into a whole playlist); the normalised URL otherwise.
 * - title as written (Vietnamese diacritics untouched); duration_seconds → declared and measured duration;
 *   language from `language_folder`, else from the folder holding `output_path` (Windows or POSIX separators),
 *   when it looks like a language code (`vi`, `en-US`); otherwise null.
 * - created_at = updated_at = the legacy `timestamp` (ISO text, or epoch seconds/milliseconds), else now.
 * - state:
 *   - a verdict (`classified` with `containing_children_voice` true or false) is history worth keeping:
 *     child → `accepted`, or `uploaded` when the record says it was uploaded; no child → `rejected`;
 *     decision_rule `legacy-import`, decision_detail naming the legacy confidence. audio_path keeps the legacy
 *     `output_path` as written when `file_available` is true, else NULL. Nothing in the pipeline reads the audio
 *     of a decided row; the path is history, and legacy rows have no clips (the old crawler cut none).
 *   - no verdict, status failed/error/failure → `failed` in `download`, attempts 1, last_error_tag
 *     `LegacyImport`, next_retry_at NULL: the old crawler gave up, and we do not know whether trying again helps.
 *   - no verdict, status skipped → `skipped` with the same tag: the old crawler decided never to fetch it.
 *   - everything else (downloaded, success, processing, pending, uploaded without a verdict, unknown or missing
 *     status) → `discovered`. A legacy download is not something our analyzer can use: it is neither at our layout
 *     (`audio/<id>.wav`) nor known to be 16 kHz mono, and an unfinished legacy run says nothing reliable, so the
 *     new pipeline downloads and analyzes it again. audio_path NULL.
 * - duplicates inside `manifest.json`: the record with the strongest state wins (uploaded > accepted/rejected >
 *   anything without a verdict), then the later timestamp, then the later record; the others are reported.
 * - `discovered_urls.txt`: parsed by `parseUrlList` (junk lines reported with their line number, duplicates
 *   folded); a URL whose video is not in `manifest.json` becomes a `discovered` row.
 *
 * Writing: one transaction of `INSERT … ON CONFLICT (id) DO NOTHING`. A video already in the manifest is left as
 * it is (never duplicated, never overwritten), so importing twice changes nothing.
 */
import { SqlClient } from "@effect/sql"
import { Clock, Data, Effect, Either, Option, ParseResult, Schema } from "effect"
import { readFile, stat } from "node:fs/promises"
import { basename, dirname, join } from "node:path"
import type { SourceKind } from "../domain/Candidate.js"
import type { ClaimingStage, VideoState } from "../domain/VideoState.js"
import { YouTubeId, type VideoId } from "../domain/VideoId.js"
import { parseUrlList } from "../source/urlList.js"
import { ManifestQueryError } from "./ManifestErrors.js"

// ---------------------------------------------------------------------------------------------------------------
// The legacy record, decoded leniently

/** A field that decodes anything: what `parse` cannot use becomes null, a missing key too. */
const lenient = <A>(to: Schema.Schema<A>, parse: (u: unknown) => A | null, key: string) =>
  Schema.optionalWith(
    Schema.transform(Schema.Unknown, Schema.NullOr(Schema.typeSchema(to)), {
      strict: true,
      decode: (u) => parse(u),
      encode: (a) => a
    }),
    { default: () => null }
  ).pipe(Schema.fromKey(key))

const text = (u: unknown): string | null => (typeof u === "string" && u.trim() !== "" ? u : null)

const finiteNumber = (u: unknown): number | null => {
  const n = typeof u === "number" ? u : typeof u === "string" && u.trim() !== "" ? Number(u) : NaN
  return Number.isFinite(n) ? n : null
}

const flag = (u: unknown): boolean | null => {
  if (typeof u === "boolean") return u
  if (u === 1 || u === 0) return u === 1
  if (typeof u === "string") {
    const s = u.trim().toLowerCase()
    if (s === "true" || s === "yes" || s === "1") return true
    if (s === "false" || s === "no" || s === "0") return false
  }
  return null
}

/** Epoch milliseconds from ISO text (Python's `isoformat()`, naive or not) or epoch seconds/milliseconds. */
export const legacyTimestampMs = (u: unknown): number | null => {
  const numeric = typeof u === "number" || (typeof u === "string" && /^\s*\d+(\.\d+)?\s*$/.test(u)) ? finiteNumber(u) : null
  // Below 1e11 a number is seconds (1e11 seconds is the year 5138); above, milliseconds.
  const ms = numeric !== null ? (numeric < 1e11 ? numeric * 1000 : numeric) : typeof u === "string" ? Date.parse(u.trim()) : NaN
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : null
}

/** One record of the legacy `manifest.json`. Keys not named here are ignored. */
export const LegacyRecord = Schema.Struct({
  videoId: lenient(Schema.String, (u) => (typeof u === "string" ? u.trim() || null : null), "video_id"),
  url: lenient(Schema.String, (u) => (typeof u === "string" ? u.trim() || null : null), "url"),
  outputPath: lenient(Schema.String, text, "output_path"),
  status: lenient(Schema.String, (u) => (typeof u === "string" ? u.trim().toLowerCase() || null : null), "status"),
  timestampMs: lenient(Schema.Number, legacyTimestampMs, "timestamp"),
  durationSeconds: lenient(Schema.Number, (u) => {
    const n = finiteNumber(u)
    return n !== null && n > 0 ? n : null
  }, "duration_seconds"),
  title: lenient(Schema.String, text, "title"),
  languageFolder: lenient(Schema.String, text, "language_folder"),
  classified: lenient(Schema.Boolean, flag, "classified"),
  containingChildrenVoice: lenient(Schema.Boolean, flag, "containing_children_voice"),
  voiceAnalysisConfidence: lenient(Schema.Number, finiteNumber, "voice_analysis_confidence"),
  uploaded: lenient(Schema.Boolean, flag, "uploaded"),
  fileAvailable: lenient(Schema.Boolean, flag, "file_available")
})
export type LegacyRecord = typeof LegacyRecord.Type

const decodeRecord = Schema.decodeUnknownEither(LegacyRecord, { onExcessProperty: "ignore" })

const LegacyManifestFile = Schema.Struct({
  records: Schema.Array(Schema.Unknown),
  totalDurationSeconds: Schema.optionalWith(Schema.Unknown, { default: () => null }).pipe(Schema.fromKey("total_duration_seconds"))
})
const decodeManifestFile = Schema.decodeUnknownEither(LegacyManifestFile, { onExcessProperty: "ignore" })

// ---------------------------------------------------------------------------------------------------------------
// Mapping

/** The row a legacy record becomes: every column the insert writes, camelCase (the client maps to snake_case). */
export interface ImportedRow {
  readonly id: VideoId
  readonly kind: SourceKind
  readonly sourceUrl: string
  readonly title: string | null
  readonly declaredDurationSeconds: number | null
  readonly measuredDurationSeconds: number | null
  readonly state: VideoState
  readonly failedStage: ClaimingStage | null
  readonly attempts: number
  readonly lastErrorTag: string | null
  readonly lastErrorMessage: string | null
  readonly nextRetryAt: number | null
  readonly audioPath: string | null
  readonly language: string | null
  readonly decisionRule: string | null
  readonly decisionDetail: string | null
  readonly createdAt: number
  readonly updatedAt: number
}

export const legacyDecisionRule = "legacy-import"
export const legacyErrorTag = "LegacyImport"

const failedStatuses = new Set(["failed", "error", "failure", "errored"])
const skippedStatuses = new Set(["skipped", "skip"])

/** `vi`, `en`, `en-US`, `zh-Hant`: a folder named like a language, not `output`, `unknown` or `misc`. */
const languageCode = (name: string | null): string | null => {
  if (name === null) return null
  const match = /^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}|[A-Za-z]{4}|\d{3}))?$/.exec(name.trim())
  if (!match || ["und", "unk", "mis", "zxx"].includes(match[1]!.toLowerCase())) return null
  return match[2] ? `${match[1]!.toLowerCase()}-${match[2]}` : match[1]!.toLowerCase()
}

/** The folder holding a legacy output file, whatever separator the crawler's machine used. */
const parentFolder = (path: string | null): string | null => {
  if (path === null) return null
  const parts = path.split(/[\\/]+/).filter((p) => p !== "")
  return parts.length >= 2 ? parts[parts.length - 2]! : null
}

const identify = (record: LegacyRecord): Either.Either<{ id: VideoId; kind: SourceKind; sourceUrl: string }, string> => {
  if (record.videoId !== null && Schema.is(YouTubeId)(record.videoId)) {
    return Either.right({ id: record.videoId, kind: "youtube", sourceUrl: watchUrl(record.videoId) })
  }
  if (record.url !== null) {
    const line = record.url.split(/[\r\n]/)[0]!
    const parsed = parseUrlList(line)
    const candidate = parsed.candidates[0]
    if (candidate && candidate.kind !== "local") return Either.right({ id: candidate.id, kind: candidate.kind, sourceUrl: candidate.sourceUrl })
    const why = parsed.targets.length > 0 ? channelOrPlaylist : parsed.localFiles.length > 0 ? localFilePath : parsed.rejected[0]?.reason ?? "not a URL"
    return Either.left(
      record.videoId === null
        ? `no video_id, and the url ${JSON.stringify(line.slice(0, 200))} is unusable: ${why}`
        : `video_id ${JSON.stringify(record.videoId.slice(0, 50))} is not a YouTube id, and the url ${JSON.stringify(line.slice(0, 200))} is unusable: ${why}`
    )
  }
  return Either.left(
    record.videoId === null
      ? "neither a video_id nor a url"
      : `video_id ${JSON.stringify(record.videoId.slice(0, 50))} is not a YouTube id, and there is no url`
  )
}

/** How a channel or playlist URL is reported, in a record or in the URL list alike: it is listed by discovery, not imported. */
export const channelOrPlaylist = "a channel or playlist, not a video (kidvoice discover --input lists it)"

/** How a local file's path is reported: its video's id comes from the file's content, which discovery reads. */
const localFilePath = "a local file's path, not a URL (kidvoice discover --input reads it)"

/** The YouTube id a record's url names, when it names one, for checking it against `video_id`. */
const urlYouTubeId = (url: string | null): string | null => {
  if (url === null) return null
  const candidate = parseUrlList(url.split(/[\r\n]/)[0]!).candidates[0]
  return candidate?.kind === "youtube" ? candidate.id : null
}

const watchUrl = (id: VideoId) => `https://www.youtube.com/watch?v=${id}`

const confidenceText = (c: number | null) => (c === null ? "no confidence recorded" : `confidence ${c}`)

/**
 * The row a legacy record becomes, or why it cannot become one. Pure; `nowMs` stands in for a missing timestamp.
 * The module comment above is the specification.
 */
/** A `discovered` row knowing only where the video is and when it was seen; the mappings fill in the rest. */
const discoveredRow = (source: { id: VideoId; kind: ImportedRow["kind"]; sourceUrl: string }, at: number) => ({
  ...source,
  title: null,
  declaredDurationSeconds: null,
  measuredDurationSeconds: null,
  state: "discovered",
  failedStage: null,
  attempts: 0,
  lastErrorTag: null,
  lastErrorMessage: null,
  nextRetryAt: null,
  audioPath: null,
  language: null,
  decisionRule: null,
  decisionDetail: null,
  createdAt: at,
  updatedAt: at
} as const)

export const mapLegacyRecord = (record: LegacyRecord, nowMs: number): Either.Either<ImportedRow, string> =>
  Either.map(identify(record), (source) => {
    const base = {
      ...discoveredRow(source, record.timestampMs ?? nowMs),
      title: record.title,
      declaredDurationSeconds: record.durationSeconds,
      measuredDurationSeconds: record.durationSeconds,
      language: languageCode(record.languageFolder) ?? languageCode(parentFolder(record.outputPath))
    }
    const verdict = record.classified === true ? record.containingChildrenVoice : null
    if (verdict !== null) {
      const uploaded = verdict && (record.uploaded === true || record.status === "uploaded")
      return {
        ...base,
        state: verdict ? (uploaded ? "uploaded" : "accepted") : "rejected",
        audioPath: record.fileAvailable === true ? record.outputPath : null,
        decisionRule: legacyDecisionRule,
        decisionDetail: `imported from the legacy crawler: ${verdict ? "children's voice" : "no children's voice"} (${confidenceText(record.voiceAnalysisConfidence)})`
      }
    }
    if (record.status !== null && failedStatuses.has(record.status)) {
      return {
        ...base,
        state: "failed",
        failedStage: "download",
        attempts: 1,
        lastErrorTag: legacyErrorTag,
        lastErrorMessage: `the legacy crawler recorded status "${record.status}"`
      }
    }
    if (record.status !== null && skippedStatuses.has(record.status)) {
      return { ...base, state: "skipped", lastErrorTag: legacyErrorTag, lastErrorMessage: `the legacy crawler skipped it` }
    }
    return { ...base, state: "discovered" }
  })

/** How much a row says: a duplicate with a stronger state wins. */
const strength = (row: ImportedRow) => (row.state === "uploaded" ? 2 : row.decisionRule !== null ? 1 : 0)

// ---------------------------------------------------------------------------------------------------------------
// Reading and writing

export interface ImportSummary {
  /** Videos of `manifest.json` written as new rows. */
  readonly imported: number
  /** Videos (of either file) whose id was already in the manifest: left exactly as they were. */
  readonly alreadyKnown: number
  /** Videos only in `discovered_urls.txt`, written as new `discovered` rows. */
  readonly fromUrlList: number
  /** Records and lines not imported, each with where it is (`manifest.json records[3]`, `discovered_urls.txt line 7`) and why. */
  readonly skipped: ReadonlyArray<{ readonly where: string; readonly reason: string }>
  /** Channel and playlist URLs found in records or the URL list: for `kidvoice discover --input`. */
  readonly targets: ReadonlyArray<string>
  /** What was imported but looks wrong, or is worth knowing: a video_id its url contradicts, the declared total. */
  readonly notes: ReadonlyArray<string>
}

/** A legacy file cannot be used at all. Names the file and what to do; the manifest was not touched. */
export class LegacyImportError extends Data.TaggedError("LegacyImportError")<{
  readonly path: string
  readonly reason: string
  readonly hint: string
}> {
  override get message() {
    return `cannot import ${this.path}: ${this.reason}. Nothing was imported. ${this.hint}`
  }
}

export interface LegacyText {
  /** How the file is named in reports and errors (its path). */
  readonly name: string
  readonly text: string
}

const manifestHint = "Point `kidvoice import` at the manifest.json the Python crawler wrote (a JSON object with a \"records\" list), or restore it from a backup."

/**
 * Python's `json.dump` writes NaN and Infinity (for a failed confidence, say) as bare words, which JSON does not
 * allow; they become null, outside strings only.
 */
const pythonJsonToJson = (json: string) =>
  json.replace(/"(?:[^"\\]|\\.)*"|-?\bInfinity\b|\bNaN\b/g, (token) => (token.startsWith("\"") ? token : "null"))

const parseManifestText = (file: LegacyText): Either.Either<{ records: ReadonlyArray<unknown>; totalDurationSeconds: unknown }, LegacyImportError> => {
  const fail = (reason: string) => Either.left(new LegacyImportError({ path: file.name, reason, hint: manifestHint }))
  const body = file.text.replace(/^\uFEFF/, "")
  if (body.trim() === "") return fail("the file is empty")
  let parsed: unknown
  try {
    parsed = JSON.parse(pythonJsonToJson(body))
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e)
    return fail(/Unexpected end|Unterminated/i.test(detail)
      ? `the file is not JSON: it ends in the middle (${detail}), cut short by a full disk or a copy or write that did not finish`
      : `the file is not JSON (${detail}): overwritten or damaged`)
  }
  return Either.match(decodeManifestFile(parsed), {
    onLeft: () =>
      fail(Array.isArray(parsed) ? "the file is a JSON list, not an object with a \"records\" list" : "the file has no \"records\" list"),
    onRight: (file) => Either.right({ records: file.records, totalDurationSeconds: file.totalDurationSeconds })
  })
}

const whyUnusable = (issue: ParseResult.ParseError, value: unknown) =>
  value === null || typeof value !== "object" || Array.isArray(value)
    ? `not a record object (got ${value === null ? "null" : Array.isArray(value) ? "a list" : typeof value})`
    : ParseResult.TreeFormatter.formatErrorSync(issue)

type Planned = { readonly row: ImportedRow; readonly index: number }

/** Imports already-read legacy text. Same as `importLegacy`, for callers (and tests) that hold the text. */
export const importLegacyText = (manifest: LegacyText, urlList: Option.Option<LegacyText>) =>
  Effect.gen(function* () {
    const { records, totalDurationSeconds } = yield* parseManifestText(manifest)
    const now = yield* Clock.currentTimeMillis
    const name = basename(manifest.name)
    const skipped: Array<{ where: string; reason: string }> = []
    const targets = new Set<string>()
    const notes: Array<string> = []
    let durationSum = 0

    const chosen = new Map<VideoId, Planned>()
    records.forEach((raw, index) => {
      const where = `${name} records[${index}]`
      const decoded = decodeRecord(raw)
      if (Either.isLeft(decoded)) return void skipped.push({ where, reason: whyUnusable(decoded.left, raw) })
      const record = decoded.right
      durationSum += record.durationSeconds ?? 0
      const mapped = mapLegacyRecord(record, now)
      if (Either.isLeft(mapped)) {
        if (mapped.left.endsWith(channelOrPlaylist) && record.url !== null) targets.add(record.url.split(/[\r\n]/)[0]!)
        return void skipped.push({ where, reason: mapped.left })
      }
      const row = mapped.right
      const named = urlYouTubeId(record.url)
      if (row.kind === "youtube" && named !== null && named !== row.id) {
        notes.push(`${where}: video_id ${row.id} but its url names ${named}; imported as ${row.id} (the video_id), check which is right`)
      }
      const held = chosen.get(row.id)
      if (held === undefined) return void chosen.set(row.id, { row, index })
      const wins = strength(row) > strength(held.row) || (strength(row) === strength(held.row) && row.updatedAt >= held.row.updatedAt)
      const [kept, dropped] = wins ? [{ row, index }, held] : [held, { row, index }]
      chosen.set(row.id, kept)
      skipped.push({
        where: `${name} records[${dropped.index}]`,
        reason: `another record for video ${row.id} (records[${kept.index}], ${kept.row.state}) was imported instead`
      })
    })

    const listed: Array<ImportedRow> = []
    if (Option.isSome(urlList)) {
      const listName = basename(urlList.value.name)
      const parsed = parseUrlList(urlList.value.text)
      // History holds videos; a channel or playlist is something to discover, not to import.
      const passedOver = [
        ...parsed.rejected,
        ...parsed.targets.map((t) => ({ ...t, reason: channelOrPlaylist })),
        ...parsed.localFiles.map((f) => ({ line: f.line, text: f.path, reason: localFilePath }))
      ].sort((a, b) => a.line - b.line)
      for (const line of passedOver) skipped.push({ where: `${listName} line ${line.line}`, reason: `${line.reason}: ${JSON.stringify(line.text)}` })
      for (const target of parsed.targets) targets.add(target.text)
      for (const c of parsed.candidates) {
        if (c.kind === "local" || chosen.has(c.id)) continue
        listed.push(discoveredRow(c, now))
      }
    }

    const fromManifest = [...chosen.values()].sort((a, b) => a.index - b.index).map((p) => p.row)
    const inserted = yield* insertNew([...fromManifest, ...listed])
    const imported = fromManifest.filter((r) => inserted.has(r.id)).length
    const fromUrlList = listed.filter((r) => inserted.has(r.id)).length
    const declaredTotal = finiteNumber(totalDurationSeconds)
    if (declaredTotal !== null) notes.push(durationTotalNote(declaredTotal, durationSum))
    return {
      imported,
      alreadyKnown: fromManifest.length + listed.length - imported - fromUrlList,
      fromUrlList,
      skipped,
      targets: [...targets],
      notes
    } as ImportSummary
  })

/** The legacy file's `total_duration_seconds` against its records' durations: said either way, a gap with its size. */
export const durationTotalNote = (declared: number, summed: number): string => {
  const hours = (seconds: number) => `${(seconds / 3600).toFixed(2)} h`
  return Math.abs(declared - summed) < 1
    ? `total_duration_seconds (${hours(declared)}) matches the records' durations`
    : `total_duration_seconds says ${Math.round(declared)} s (${hours(declared)}), the records' durations add up to ${Math.round(summed)} s ` +
      `(${hours(summed)}): ${Math.round(Math.abs(declared - summed))} s ${declared > summed ? "are in no record (records lost?)" : "more than the total says"}`
}

/** Rows per statement, well under SQLite's bound-parameter limit. */
const chunkSize = 200

/** Inserts the rows that are new, all in one transaction; returns their ids. */
const insertNew = (rows: ReadonlyArray<ImportedRow>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const inserted = new Set<string>()
    if (rows.length === 0) return inserted
    yield* Effect.gen(function* () {
      for (let start = 0; start < rows.length; start += chunkSize) {
        const chunk = rows.slice(start, start + chunkSize).map((r) => ({ ...r }))
        const returned = yield* sql<{ id: string }>`INSERT INTO videos ${sql.insert(chunk)} ON CONFLICT (id) DO NOTHING RETURNING id`
        for (const r of returned) inserted.add(r.id)
      }
    }).pipe(
      sql.withTransaction,
      Effect.mapError((cause) => new ManifestQueryError({ operation: "import legacy manifest", cause }))
    )
    return inserted
  })

const readText = (path: string, what: string, hint: string) =>
  Effect.tryPromise({
    try: async () => new TextDecoder("utf-8", { fatal: true }).decode(await readFile(path)),
    catch: (cause) => {
      const code = (cause as NodeJS.ErrnoException | undefined)?.code
      const reason = code === "ENOENT"
        ? `no such file`
        : code === "EISDIR"
        ? `it is a directory, not the ${what}`
        : code === "EACCES" || code === "EPERM"
        ? `permission denied`
        : cause instanceof TypeError
        ? `the file is not UTF-8 text`
        : `cannot read the file (${cause instanceof Error ? cause.message : String(cause)})`
      return new LegacyImportError({ path, reason, hint })
    }
  })

/**
 * Imports a legacy `manifest.json` and, when given, its `discovered_urls.txt` into the manifest the `SqlClient`
 * serves. Fails only when a file cannot be used at all (`LegacyImportError`) or the store fails (`ManifestQueryError`,
 * the transaction rolled back); bad records are reported in the summary.
 */
export const importLegacy = (
  manifestJsonPath: string,
  urlListPath: Option.Option<string>
): Effect.Effect<ImportSummary, LegacyImportError | ManifestQueryError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const manifestText = yield* readText(manifestJsonPath, "manifest.json", manifestHint)
    const urlList = yield* Option.match(urlListPath, {
      onNone: () => Effect.succeed(Option.none<LegacyText>()),
      onSome: (path) =>
        readText(path, "URL list", "Give the discovered_urls.txt the Python crawler wrote, or leave the URL list out.").pipe(
          Effect.map((text) => Option.some({ name: path, text }))
        )
    })
    return yield* importLegacyText({ name: manifestJsonPath, text: manifestText }, urlList)
  }).pipe(Effect.withSpan("legacyImport", { attributes: { manifestJsonPath } }))

/** The `discovered_urls.txt` beside a legacy `manifest.json`, when there is one: the crawler wrote both in one folder. */
export const siblingUrlList = (manifestJsonPath: string): Effect.Effect<Option.Option<string>> => {
  const path = join(dirname(manifestJsonPath), "discovered_urls.txt")
  return Effect.promise(() => stat(path).then((s) => s.isFile(), () => false)).pipe(
    Effect.map((exists) => (exists ? Option.some(path) : Option.none()))
  )
}
