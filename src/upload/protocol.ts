/**
 * Pure pieces of the upload protocol (see `Uploader.ts` for the whole exchange): what a status code means,
 * how long a server asks us to wait, where a clip lives on the server.
 */

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

/** Classifies a status code of a HEAD (is the clip there?) or a PUT (store the clip). */
export const classifyResponse = (method: "HEAD" | "PUT", status: number): ResponseClass => {
  if (status === 401 || status === 403) return "unauthorized"
  if (transientStatuses.has(status) || (status >= 500 && status <= 599)) return "transient"
  if (method === "HEAD") {
    if (status === 200) return "held"
    if (status === 404) return "absent"
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
export const displayEndpoint = (endpoint: string): string => {
  try {
    const url = new URL(endpoint)
    if (url.username === "" && url.password === "") return endpoint
    url.username = ""
    url.password = ""
    return normalizeEndpoint(url.toString())
  } catch {
    return endpoint
  }
}
