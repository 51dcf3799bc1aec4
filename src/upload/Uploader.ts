/**
 * The upload stage: pushes the clips of accepted videos to a clip server, idempotently.
 *
 * Protocol, per clip (`endpoint` without a trailing slash; `<sha256>` is the lower-case hex SHA-256 of the
 * clip file's bytes, so a clip's server address is a function of its content):
 *
 *   HEAD {endpoint}/clips/<sha256>
 *     200 → the server already holds these bytes: record the upload in the manifest without sending them.
 *     404 → send them:
 *   PUT {endpoint}/clips/<sha256>
 *     body: the WAV file's bytes, `content-type: audio/wav`
 *     `x-kidvoice-file-name`: the clip's path relative to the dataset folder (e.g. `en/<video>_<start>_<end>.wav`),
 *     `x-kidvoice-language`, `x-kidvoice-video-id`; header values are percent-encoded as by `encodeURI`,
 *     so plain ASCII values arrive unchanged.
 *     `authorization: Bearer <token>` on both requests when a token is given.
 *     200/201/204 → record `{fileName, videoId, target: endpoint, sha256, remote: {endpoint}/clips/<sha256>}`.
 *     The server is expected to check that the body hashes to <sha256> (400 otherwise).
 *
 * Idempotence: the address is the content hash, and HEAD comes first on every attempt. So a second run, a retry
 * after a PUT whose answer was lost, or a run after a crash between the server's receipt and the manifest record
 * never sends the same bytes twice; they are found with HEAD and only recorded.
 *
 * Failures: 408/425/429/5xx, connection errors and request timeouts are transient and retried (exponential backoff
 * with jitter, `maxAttempts` attempts of HEAD+PUT per clip, `Retry-After` honoured on 429/503). Any other status
 * fails that clip only (it stays unrecorded, so a later run tries it again) and the run goes on. 401/403 stop the
 * whole run: every other clip would be refused too.
 *
 * Memory stays flat: the manifest is read a page at a time, each page uploaded with bounded concurrency, and only
 * the clips being sent are held in memory.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import type { HttpClientError } from "@effect/platform/HttpClientError"
import { Clock, Context, Data, Duration, Effect, Layer, Metric, Option, Redacted, Schedule } from "effect"
import { createHash } from "node:crypto"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import type { VideoId } from "../domain/VideoId.js"
import { Workspace } from "../domain/Workspace.js"
import { Manifest } from "../manifest/Manifest.js"
import type { ManifestError } from "../manifest/ManifestErrors.js"
import { failuresByTag } from "../pipeline/metrics.js"
import { classifyResponse, clipUrl, displayEndpoint, normalizeEndpoint, retryAfterMs } from "./protocol.js"

export interface UploadOptions {
  /** Base URL of the clip server, e.g. `https://data.example.org/kidvoice`. */
  readonly endpoint: string
  readonly token: Option.Option<Redacted.Redacted<string>>
  /** Clips in flight at once. */
  readonly concurrency: number
  /** Limit for one HTTP request, answer body included. */
  readonly requestTimeoutMs: number
  /** Attempts per clip (HEAD + PUT) before a transient failure is given up for this run. */
  readonly maxAttempts: number
  /** First retry delay; doubles with each attempt, jittered. */
  readonly retryBaseMs: number
}

export interface UploadSummary {
  /** Clips whose bytes were sent in this run. */
  readonly sent: number
  /** Clips the server already held (an earlier run, or another machine): recorded without sending. */
  readonly alreadyThere: number
  /** Clips that could not be uploaded in this run; they stay unrecorded, so the next run tries them again. */
  readonly failed: ReadonlyArray<{ readonly fileName: string; readonly reason: string }>
}

type Method = "HEAD" | "PUT"

/** The clip file cannot be read: missing (curate's output was moved or deleted) or unreadable. */
export class ClipFileUnreadable extends Data.TaggedError("ClipFileUnreadable")<{
  readonly fileName: string
  readonly path: string
  readonly code: string
  readonly detail: string
}> {
  readonly retryable = false
  override get message() {
    return this.code === "ENOENT"
      ? `the clip file ${this.path} is missing; it was not uploaded (run curate again for its video, or \`kidvoice doctor\`)`
      : `cannot read the clip file ${this.path}: ${this.detail}; it was not uploaded`
  }
}

/** The server refused this clip for good (400, 404 on PUT, 409, 413, 415, ...). Other clips go on. */
export class UploadRejected extends Data.TaggedError("UploadRejected")<{
  readonly endpoint: string
  readonly fileName: string
  readonly method: Method
  readonly status: number
  readonly detail: string
}> {
  readonly retryable = false
  override get message() {
    return `${this.endpoint} refused ${this.method} of ${this.fileName} with HTTP ${this.status}${this.detail ? ` (${this.detail})` : ""}; ` +
      `the clip is left for a later run`
  }
}

/** A status worth trying again: 408, 425, 429, 5xx. */
export class UploadServerError extends Data.TaggedError("UploadServerError")<{
  readonly endpoint: string
  readonly fileName: string
  readonly method: Method
  readonly status: number
  readonly detail: string
  /** What the server's `Retry-After` asked for, if anything. */
  readonly retryAfterMs: number | undefined
}> {
  readonly retryable = true
  override get message() {
    return `${this.endpoint} answered ${this.method} of ${this.fileName} with HTTP ${this.status}${this.detail ? ` (${this.detail})` : ""}`
  }
}

/** No answer: connection refused or reset, DNS, TLS. Transport problems are retried; a request that cannot be built is not. */
export class UploadConnectionError extends Data.TaggedError("UploadConnectionError")<{
  readonly endpoint: string
  readonly fileName: string
  readonly method: Method
  readonly detail: string
  readonly retryable: boolean
}> {
  override get message() {
    return `${this.method} of ${this.fileName} to ${this.endpoint} failed: ${this.detail}`
  }
}

/** One request (answer body included) took longer than `requestTimeoutMs`; it was aborted. */
export class UploadTimeout extends Data.TaggedError("UploadTimeout")<{
  readonly endpoint: string
  readonly fileName: string
  readonly method: Method
  readonly timeoutMs: number
}> {
  readonly retryable = true
  override get message() {
    return `${this.method} of ${this.fileName} to ${this.endpoint} got no answer within ${this.timeoutMs} ms; the request was aborted`
  }
}

/** 401/403: the run stops, since every other clip would be refused the same way. The token itself is never shown. */
export class UploadUnauthorized extends Data.TaggedError("UploadUnauthorized")<{
  readonly endpoint: string
  readonly fileName: string
  readonly method: Method
  readonly status: number
  readonly tokenGiven: boolean
}> {
  readonly retryable = false
  override get message() {
    const why = this.tokenGiven ? "the upload token was not accepted" : "it requires an upload token and none was given"
    return `${this.endpoint} refused ${this.method} of ${this.fileName} with HTTP ${this.status}: ${why}. ` +
      `The upload stopped; clips recorded so far stay recorded.`
  }
}

export class UploadEndpointInvalid extends Data.TaggedError("UploadEndpointInvalid")<{
  readonly endpoint: string
  readonly reason: string
}> {
  readonly retryable = false
  override get message() {
    return `cannot upload to ${JSON.stringify(this.endpoint)}: ${this.reason}. Give an http:// or https:// URL.`
  }
}

/** `kidvoice upload` without an endpoint configured. */
export class UploadEndpointMissing extends Data.TaggedError("UploadEndpointMissing")<{}> {
  override get message() {
    return "no upload endpoint: give --upload-endpoint URL (or KIDVOICE_UPLOAD_ENDPOINT, or upload.endpoint in the config file)"
  }
}

/** Failures that cost one clip, not the run. */
export type ClipUploadError = ClipFileUnreadable | UploadRejected | UploadServerError | UploadConnectionError | UploadTimeout

/** Failures that end the run. */
export type UploadError = UploadUnauthorized | UploadEndpointInvalid | ManifestError

export interface UploaderApi {
  readonly uploadAll: (options: UploadOptions) => Effect.Effect<UploadSummary, UploadError>
}

/** Clips leaving the upload stage, tagged by outcome (sent, alreadyThere, failed). */
export const uploadClipOutcomes = Metric.counter("kidvoice_upload_clips_total", { description: "clips leaving the upload stage, by outcome", incremental: true })
/** Attempts that failed transiently and were tried again. */
export const uploadRetries = Metric.counter("kidvoice_upload_retries_total", { description: "upload attempts retried after a transient failure", incremental: true })
/** Clip bytes sent in PUT bodies. */
export const uploadBytes = Metric.counter("kidvoice_upload_bytes_total", { description: "clip bytes sent to upload targets", incremental: true })

/** The longest backoff between two attempts, however many attempts are allowed. */
const maxBackoff = Duration.seconds(30)
/** Clips read from the manifest per query. */
const pageSize = 100
/** How much of a server's error body goes into a message. */
const detailChars = 200

interface ClipToUpload {
  readonly fileName: string
  readonly videoId: VideoId
  readonly language: string
}

type ClipOutcome =
  | { readonly _tag: "sent" }
  | { readonly _tag: "alreadyThere" }
  | { readonly _tag: "failed"; readonly fileName: string; readonly reason: string }

/** Messages of an error and its causes, e.g. `fetch failed: connect ECONNREFUSED 127.0.0.1:1`. */
const describeCause = (cause: unknown): string => {
  const parts: Array<string> = []
  let current: unknown = cause
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const text = current instanceof Error ? current.message : String(current)
    if (text && !parts.includes(text)) parts.push(text)
    current = current instanceof Error ? current.cause : undefined
  }
  return parts.join(": ") || "unknown error"
}

export class Uploader extends Context.Tag("kidvoice/Uploader")<Uploader, UploaderApi>() {
  static readonly layer = Layer.effect(
    Uploader,
    Effect.gen(function* () {
      const manifest = yield* Manifest
      const workspace = yield* Workspace
      const client = yield* HttpClient.HttpClient

      const uploadAll = (options: UploadOptions) =>
        Effect.gen(function* () {
          const endpoint = normalizeEndpoint(options.endpoint)
          const shown = displayEndpoint(endpoint)
          yield* validateEndpoint(endpoint, shown)
          const timeoutMs = Math.max(1, options.requestTimeoutMs)
          const maxAttempts = Math.max(1, Math.floor(options.maxAttempts))
          const tokenValue = Option.map(options.token, Redacted.value)
          // A server could echo the request in an error body; what we quote from it must not carry the token.
          const scrub = (text: string) =>
            Option.match(tokenValue, {
              onNone: () => text,
              onSome: (token) => (token === "" ? text : text.split(token).join("<redacted>"))
            })
          const authorize = (request: HttpClientRequest.HttpClientRequest) =>
            Option.match(options.token, { onNone: () => request, onSome: (token) => HttpClientRequest.bearerToken(request, token) })

          const exchange = (request: HttpClientRequest.HttpClientRequest, method: Method, clip: ClipToUpload) =>
            client.execute(authorize(request)).pipe(
              Effect.flatMap((response) =>
                response.text.pipe(
                  Effect.orElseSucceed(() => ""),
                  Effect.map((body) => ({ status: response.status, retryAfter: response.headers["retry-after"], body }))
                )
              ),
              Effect.mapError((error: HttpClientError) =>
                new UploadConnectionError({
                  endpoint: shown,
                  fileName: clip.fileName,
                  method,
                  detail: scrub(error._tag === "RequestError" ? `${error.reason}: ${describeCause(error.cause ?? error.description)}` : describeCause(error.cause ?? error.description)),
                  retryable: error._tag === "ResponseError" || error.reason === "Transport"
                })
              ),
              Effect.timeoutFail({
                duration: Duration.millis(timeoutMs),
                onTimeout: () => new UploadTimeout({ endpoint: shown, fileName: clip.fileName, method, timeoutMs })
              }),
              Effect.flatMap((answer) => interpret(answer, method, clip))
            )

          const interpret = (answer: { status: number; retryAfter: string | undefined; body: string }, method: Method, clip: ClipToUpload) =>
            Effect.gen(function* () {
              const verdict = classifyResponse(method, answer.status)
              const detail = scrub(answer.body.replace(/\s+/g, " ").trim().slice(0, detailChars))
              const context = { endpoint: shown, fileName: clip.fileName, method, status: answer.status }
              switch (verdict) {
                case "held":
                case "absent":
                case "stored":
                  return verdict
                case "transient": {
                  const now = yield* Clock.currentTimeMillis
                  const wait = answer.status === 429 || answer.status === 503 ? retryAfterMs(answer.retryAfter, now) : undefined
                  return yield* new UploadServerError({ ...context, detail, retryAfterMs: wait })
                }
                case "unauthorized":
                  return yield* new UploadUnauthorized({ ...context, tokenGiven: Option.isSome(options.token) })
                case "permanent":
                  return yield* new UploadRejected({ ...context, detail })
              }
            })

          /** One attempt: HEAD, and PUT only when the server lacks the bytes. */
          const attempt = (clip: ClipToUpload, bytes: Uint8Array, sha256: string) =>
            Effect.gen(function* () {
              const url = clipUrl(endpoint, sha256)
              const held = yield* exchange(HttpClientRequest.head(url), "HEAD", clip)
              if (held === "held") return "alreadyThere" as const
              const put = HttpClientRequest.put(url).pipe(
                HttpClientRequest.bodyUint8Array(bytes, "audio/wav"),
                HttpClientRequest.setHeaders({
                  "x-kidvoice-file-name": encodeURI(clip.fileName),
                  "x-kidvoice-language": encodeURI(clip.language),
                  "x-kidvoice-video-id": encodeURI(clip.videoId)
                })
              )
              yield* exchange(put, "PUT", clip)
              return "sent" as const
            })

          // Exponential with jitter, each wait capped, at most maxAttempts in all, transient errors only;
          // a server's Retry-After lengthens the wait, never shortens it.
          const retrySchedule = Schedule.exponential(Duration.millis(Math.max(0, options.retryBaseMs))).pipe(
            Schedule.jittered,
            Schedule.intersect(Schedule.recurs(maxAttempts - 1)),
            Schedule.intersect(Schedule.identity<ClipUploadError | UploadUnauthorized>()),
            Schedule.whileInput((error: ClipUploadError | UploadUnauthorized) => error.retryable),
            Schedule.modifyDelay(([, error], delay) => {
              const backoff = Duration.min(delay, maxBackoff)
              return error._tag === "UploadServerError" && error.retryAfterMs !== undefined
                ? Duration.max(backoff, Duration.millis(error.retryAfterMs))
                : backoff
            })
          )

          const uploadClip = (clip: ClipToUpload) =>
            Effect.gen(function* () {
              const path = join(workspace.dataset, clip.fileName)
              const bytes = yield* Effect.tryPromise({
                try: () => fs.readFile(path),
                catch: (cause) =>
                  new ClipFileUnreadable({
                    fileName: clip.fileName,
                    path,
                    code: (cause as NodeJS.ErrnoException).code ?? "",
                    detail: describeCause(cause)
                  })
              })
              const sha256 = createHash("sha256").update(bytes).digest("hex")
              let attempts = 0
              const outcome = yield* Effect.suspend(() => {
                attempts += 1
                const n = attempts
                return attempt(clip, bytes, sha256).pipe(
                  Effect.tapError((error) =>
                    error.retryable && n < maxAttempts
                      ? Effect.logWarning(`attempt ${n} of ${maxAttempts} failed, trying again: ${error.message}`).pipe(
                        Effect.zipRight(Metric.increment(uploadRetries))
                      )
                      : Effect.void
                  ),
                  Effect.annotateLogs("attempt", n)
                )
              }).pipe(Effect.retry(retrySchedule))
              yield* manifest.recordUpload({ fileName: clip.fileName, videoId: clip.videoId, target: endpoint, sha256, remote: clipUrl(endpoint, sha256) })
              yield* Metric.increment(Metric.tagged(uploadClipOutcomes, "outcome", outcome))
              if (outcome === "sent") yield* Metric.incrementBy(uploadBytes, bytes.length)
              yield* Effect.logInfo(
                outcome === "sent"
                  ? `uploaded ${clip.fileName} (${bytes.length} bytes)`
                  : `${clip.fileName} is already on the server; recorded without sending`
              )
              return (outcome === "sent" ? { _tag: "sent" } : { _tag: "alreadyThere" }) satisfies ClipOutcome as ClipOutcome
            }).pipe(
              Effect.tapErrorTag("UploadUnauthorized", (e) => Effect.logError(`stopping the upload: ${e.message}`)),
              Effect.catchTags({
                ClipFileUnreadable: (e) => clipFailed(clip, e),
                UploadRejected: (e) => clipFailed(clip, e),
                UploadServerError: (e) => clipFailed(clip, e),
                UploadConnectionError: (e) => clipFailed(clip, e),
                UploadTimeout: (e) => clipFailed(clip, e)
              }),
              Effect.annotateLogs({ videoId: clip.videoId, stage: "upload", fileName: clip.fileName })
            )

          let sent = 0
          let alreadyThere = 0
          const failed: Array<{ fileName: string; reason: string }> = []
          // A cursor, so clips that failed (and stay unrecorded for the next run) are not offered again in this one.
          let after = ""
          while (true) {
            const page = yield* manifest.clipsToUpload(endpoint, pageSize, after)
            if (page.length === 0) break
            after = page.at(-1)!.fileName
            const outcomes = yield* Effect.forEach(page, uploadClip, { concurrency: Math.max(1, Math.floor(options.concurrency)) })
            for (const outcome of outcomes) {
              if (outcome._tag === "sent") sent += 1
              else if (outcome._tag === "alreadyThere") alreadyThere += 1
              else failed.push({ fileName: outcome.fileName, reason: outcome.reason })
            }
          }
          const summary: UploadSummary = { sent, alreadyThere, failed }
          yield* (failed.length === 0 ? Effect.logInfo : Effect.logWarning)(
            `upload to ${shown} finished: ${sent} sent, ${alreadyThere} already there, ${failed.length} failed`
          )
          return summary
        }).pipe(
          Effect.annotateLogs({ stage: "upload" }),
          Effect.withSpan("Uploader.uploadAll", { attributes: { endpoint: displayEndpoint(normalizeEndpoint(options.endpoint)) } })
        )

      return { uploadAll }
    })
  )
}

const clipFailed = (clip: ClipToUpload, error: ClipUploadError) =>
  Effect.logWarning(`not uploaded: ${error.message}`).pipe(
    Effect.zipRight(Metric.increment(Metric.tagged(uploadClipOutcomes, "outcome", "failed"))),
    Effect.zipRight(Metric.increment(Metric.tagged(failuresByTag, "tag", error._tag))),
    Effect.as<ClipOutcome>({ _tag: "failed", fileName: clip.fileName, reason: error.message })
  )

const validateEndpoint = (endpoint: string, shown: string) => {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return Effect.fail(new UploadEndpointInvalid({ endpoint: shown, reason: "not a URL" }))
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Effect.fail(new UploadEndpointInvalid({ endpoint: shown, reason: `unsupported scheme ${url.protocol}` }))
  }
  if (url.search !== "" || url.hash !== "") {
    return Effect.fail(new UploadEndpointInvalid({ endpoint: shown, reason: "a query or fragment cannot be combined with /clips/<sha256>" }))
  }
  return Effect.void
}
