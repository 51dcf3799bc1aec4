/**
 * Pure pieces of the upload protocol (see `Uploader.ts` for the whole exchange): what a status code means,
 * how long a server asks us to wait, where a file lives on the server, whose credentials go with it.
 */

/** The requests the uploader makes. GET only reads back a file whose size matched, to compare its sha256. */
export type UploadMethod = "HEAD" | "GET" | "PUT" | "MKCOL"

/**
 * How files are laid out on the server:
 * - `dataset`: the dataset folder as it is (clips under their dataset paths, then `metadata.jsonl` and the card),
 *   by WebDAV-compatible PUT, with MKCOL for folders;
 * - `content-addressed`: clips only, each at `clips/<sha256>`, with its dataset path in a header.
 */
export type UploadLayout = "dataset" | "content-addressed"

/** What one response tells the uploader to do. */
export type ResponseClass =
  /** HEAD: the server already holds these bytes. */
  | "held"
  /** HEAD: the server does not hold them yet; send them. */
  | "absent"
  /** PUT: the server stored the bytes. */
  | "stored"
  /** Worth trying again later: overload, rate limit, a server or gateway error, a slow request. */
  | "transient"
  /** This clip will never be accepted as sent; trying again cannot help. */
  | "permanent"
  /** The token is missing or wrong: every other clip would be refused too. */
  | "unauthorized"

const transientStatuses = new Set([408, 425, 429])

/**
 * Classifies a status code of a HEAD or GET (is the file there?), a PUT (store the file) or a MKCOL (make a
 * folder: 201 made; 405 is WebDAV's answer when it already exists, which is as good).
 */
export const classifyResponse = (method: UploadMethod, status: number): ResponseClass => {
  if (status === 401 || status === 403) return "unauthorized"
  if (transientStatuses.has(status) || (status >= 500 && status <= 599)) return "transient"
  if (method === "HEAD" || method === "GET") {
    if (status === 200) return "held"
    if (status === 404) return "absent"
    return "permanent"
  }
  if (method === "MKCOL") {
    if (status === 201) return "stored"
    if (status === 405) return "held"
    return "permanent"
  }
  // 202 Accepted would mean "maybe later": not a receipt we can record, so not "stored".
  if (status === 200 || status === 201 || status === 204) return "stored"
  return "permanent"
}

/** The longest wait a server's `Retry-After` can impose on one retry; beyond it the normal attempt cap decides. */
export const maxRetryAfterMs = 60_000

/**
 * The wait a `Retry-After` header asks for, in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3),
 * capped at `maxRetryAfterMs`; undefined when absent or unreadable.
 */
export const retryAfterMs = (header: string | undefined, nowMs: number): number | undefined => {
  if (header === undefined) return undefined
  const text = header.trim()
  if (/^\d+$/.test(text)) return Math.min(maxRetryAfterMs, Number(text) * 1000)
  // An HTTP date names its weekday and month; this keeps Date.parse from reading "-5" as a year.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN
  if (Number.isNaN(date)) return undefined
  return Math.min(maxRetryAfterMs, Math.max(0, date - nowMs))
}

/** The endpoint without trailing slashes, so `{endpoint}/clips/...` and the manifest's target key are stable. */
export const normalizeEndpoint = (endpoint: string): string => endpoint.trim().replace(/\/+$/, "")

/** Where the server keeps a clip: addressed by its content, so the same bytes always have the same place. */
export const clipUrl = (endpoint: string, sha256: string): string => `${endpoint}/clips/${sha256}`

/** The endpoint as it may appear in messages and logs: user name and password in the URL are dropped. */
export const displayEndpoint = (endpoint: string): string => splitCredentials(endpoint).endpoint

/** An endpoint's user name and password, taken out of its URL (fetch refuses URLs that carry them). */
export interface EndpointCredentials {
  readonly user: string
  readonly password: string
}

/**
 * The endpoint without credentials (what requests go to, what the manifest records, what logs show) and the
 * credentials its URL carried, percent-decoded (`https://alice:p%40ss@host/kv` → alice, p@ss).
 */
export const splitCredentials = (endpoint: string): { readonly endpoint: string; readonly credentials: EndpointCredentials | undefined } => {
  const normalized = normalizeEndpoint(endpoint)
  let url: URL
  try {
    url = new URL(normalized)
  } catch {
    return { endpoint: normalized, credentials: undefined }
  }
  if (url.username === "" && url.password === "") return { endpoint: normalized, credentials: undefined }
  const credentials = { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
  url.username = ""
  url.password = ""
  return { endpoint: normalizeEndpoint(url.toString()), credentials }
}

/** The `authorization` header value of HTTP Basic auth (RFC 7617, UTF-8). */
export const basicAuthorization = (credentials: EndpointCredentials): string =>
  `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`, "utf8").toString("base64")}`

/** The manifest's key for what a target holds: the same server in another layout holds other files. */
export const uploadTarget = (layout: UploadLayout, endpoint: string): string =>
  layout === "content-addressed" ? endpoint : `${endpoint} (dataset)`

/** Where a file of the dataset folder lives on the server: its relative path, each segment percent-encoded. */
export const datasetFileUrl = (endpoint: string, relativePath: string): string =>
  `${endpoint}/${relativePath.split("/").map(encodeURIComponent).join("/")}`

/** The folders a file's path needs, outermost first: `en/ab/c.wav` → [`en`, `en/ab`]. */
export const foldersOf = (relativePath: string): Array<string> => {
  const segments = relativePath.split("/").slice(0, -1)
  return segments.map((_, i) => segments.slice(0, i + 1).join("/"))
}

/** The content type a dataset file is sent with. */
export const contentTypeOf = (relativePath: string): string => {
  const extension = relativePath.slice(relativePath.lastIndexOf(".") + 1).toLowerCase()
  switch (extension) {
    case "wav": return "audio/wav"
    case "flac": return "audio/flac"
    case "jsonl": return "application/jsonl"
    case "json": return "application/json"
    case "md": return "text/markdown; charset=utf-8"
    case "csv": return "text/csv; charset=utf-8"
    default: return "application/octet-stream"
  }
}

/**
 * The shared pause after failures, in ms: it doubles with each failure in a row across all files (not per file),
 * from `baseMs` up to `capMs`, scaled by `jitter` (0.8–1.2), and never shorter than what a server's Retry-After asked.
 */
export const pauseAfterFailures = (failuresInARow: number, baseMs: number, capMs: number, jitter: number, retryAfter: number | undefined): number => {
  const backoff = Math.min(capMs, baseMs * 2 ** Math.max(0, failuresInARow - 1)) * jitter
  return Math.max(Math.round(backoff), retryAfter ?? 0)
}

/**
 * Text with the `user:password@` of every URL in it removed, e.g. a command line quoted in the dataset card
 * (`--upload-endpoint https://me:pw@host/dav` → `--upload-endpoint https://host/dav`).
 */
export const withoutUrlCredentials = (text: string): string => text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi, "$1")
