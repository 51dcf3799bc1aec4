/**
 * The upload stage: pushes the dataset of accepted videos to a server, idempotently, in one of two layouts.
 *
 * `dataset` layout (the default): the dataset folder as it is, for any WebDAV-compatible server (nginx's DAV module,
 * Apache mod_dav, rclone serve webdav, Nextcloud, ...). Per clip, `<path>` being its path in the dataset folder:
 *
 *   MKCOL {endpoint}/<folder>/   once per folder per run, outermost first; 201 made, 405 already there.
 *   HEAD {endpoint}/<path>       200 with the clip's size → GET it and compare sha256: the same bytes are
 *                                recorded without sending them (a crash after the server's receipt).
 *   PUT {endpoint}/<path>        200/201/204 → recorded in the manifest (target `<endpoint> (dataset)`).
 *
 * Then, once every clip is on the server, the dataset's top-level files (`metadata.jsonl`, the card `README.md`)
 * the same way, so the server never lists a clip it does not hold; they have no manifest row, so HEAD (+ GET) decides.
 * A PUT that breaks off leaves nothing at its path on nginx (it stores the body in a temp file and renames it into
 * place when complete, see docs/upload.md), so a killed run followed by a rerun leaves each file once.
 *
 * `content-addressed` layout: clips only, each at `{endpoint}/clips/<sha256>` (HEAD first, PUT when absent), with
 * `x-kidvoice-file-name`, `x-kidvoice-language`, `x-kidvoice-video-id` headers (percent-encoded as by `encodeURI`).
 *
 * Credentials: `user:password@` in the endpoint URL, else `credentials` (env KIDVOICE_UPLOAD_USER / _PASSWORD),
 * sent as HTTP Basic auth; else a bearer `token`. None of them is ever logged or quoted in a message: the endpoint
 * is shown and recorded without its credentials, and a server's error body is scrubbed of them.
 *
 * Failures: 408/425/429/5xx, connection errors and request timeouts are transient. One pause is shared by all
 * clips (serverBackoff.ts): it doubles with each failure in a row (waves of concurrent failures count once), a
 * `Retry-After` lengthens it; after `maxAttempts + 1` failures in a row the server is given up for this run and
 * the clips not yet sent are left for the next. A clip gets at most `maxAttempts` attempts. Any other status
 * fails that file only. 401/403 stop the whole run: every other file would be refused too.
 *
 * Memory stays flat: the manifest is read a page at a time, each page uploaded with bounded concurrency, and only
 * the files being sent are held in memory.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import type { HttpClientError } from "@effect/platform/HttpClientError"
import { Clock, Context, Data, Duration, Effect, Layer, Metric, Option, Redacted } from "effect"
import { createHash } from "node:crypto"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import { causeChain } from "../domain/causeChain.js"
import type { VideoId } from "../domain/VideoId.js"
import { Workspace } from "../domain/Workspace.js"
import { Manifest } from "../manifest/Manifest.js"
import type { ManifestError } from "../manifest/ManifestErrors.js"
import { failuresByTag } from "../domain/stageMetrics.js"
import {
  basicAuthorization,
  classifyResponse,
  clipUrl,
  contentTypeOf,
  datasetFileUrl,
  type EndpointCredentials,
  foldersOf,
  retryAfterMs,
  splitCredentials,
  type UploadLayout,
  type UploadMethod,
  uploadTarget
} from "./protocol.js"
import { makeServerBackoff } from "./serverBackoff.js"

export interface UploadOptions {
  /** Base URL of the server, e.g. `https://data.example.org/kidvoice`; may carry `user:password@`. */
  readonly endpoint: string
  readonly layout: UploadLayout
  readonly token: Option.Option<Redacted.Redacted<string>>
  /** Basic auth when the endpoint URL carries none (env KIDVOICE_UPLOAD_USER / KIDVOICE_UPLOAD_PASSWORD). */
  readonly credentials: Option.Option<{ readonly user: string; readonly password: Redacted.Redacted<string> }>
  /** Clips in flight at once. */
  readonly concurrency: number
  /** Limit for one HTTP request, answer body included. */
  readonly requestTimeoutMs: number
  /** Attempts per file before a transient failure is given up for this run. */
  readonly maxAttempts: number
  /** First pause after a transient failure; doubles with each failure in a row, shared by all files, jittered. */
  readonly retryBaseMs: number
  /** Only the clips cut on this machine (a cluster runner's --node): other machines' clips are theirs to send. */
  readonly audioHost?: string
  /**
   * Whether the dataset's top-level files (metadata.jsonl, the card) follow the clips (default true). A cluster
   * runner sends clips only: its folder's index would list what other machines hold (`export` writes the whole index).
   */
  readonly indexFiles?: boolean
}

export interface UploadSummary {
  /** Files whose bytes were sent in this run. */
  readonly sent: number
  /** Files the server already held (an earlier run, or another machine): recorded without sending. */
  readonly alreadyThere: number
  /** Files that could not be uploaded in this run; clips stay unrecorded, so the next run tries them again. */
  readonly failed: ReadonlyArray<{ readonly fileName: string; readonly reason: string }>
}

type Method = UploadMethod

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
    const hint = this.status === 409 && this.method === "PUT" ? "; a folder is missing on the server (does the endpoint's folder exist?)" : ""
    return `${this.endpoint} refused ${this.method} of ${this.fileName} with HTTP ${this.status}${this.detail ? ` (${this.detail})` : ""}${hint}; ` +
      `the file is left for a later run`
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

/** 401/403: the run stops, since every other file would be refused the same way. Credentials are never shown. */
export class UploadUnauthorized extends Data.TaggedError("UploadUnauthorized")<{
  readonly endpoint: string
  readonly fileName: string
  readonly method: Method
  readonly status: number
  /** What was sent: `basic` (user and password), `token` (bearer), or nothing. */
  readonly sent: "basic" | "token" | "nothing"
}> {
  readonly retryable = false
  override get message() {
    const why = this.sent === "basic"
      ? "the upload user name and password were not accepted"
      : this.sent === "token"
      ? "the upload token was not accepted"
      : "it requires credentials and none were given (user:password@ in the endpoint URL, KIDVOICE_UPLOAD_USER/KIDVOICE_UPLOAD_PASSWORD, or KIDVOICE_UPLOAD_TOKEN)"
    return `${this.endpoint} refused ${this.method} of ${this.fileName} with HTTP ${this.status}: ${why}. ` +
      `The upload stopped; files recorded so far stay recorded.`
  }
}

/** The server failed too many requests in a row: this file was not tried, and the upload stopped for this run. */
export class UploadServerUnavailable extends Data.TaggedError("UploadServerUnavailable")<{
  readonly endpoint: string
  readonly fileName: string
  readonly why: string
}> {
  readonly retryable = false
  override get message() {
    return `${this.fileName} was not sent: ${this.endpoint} is given up for this run (${this.why}); the next run tries again`
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

/** Failures that cost one file, not the run. */
export type ClipUploadError = ClipFileUnreadable | UploadRejected | UploadServerError | UploadConnectionError | UploadTimeout | UploadServerUnavailable

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

/** The longest shared pause between two attempts, however many failures in a row. */
const maxBackoffMs = 30_000
/** Clips read from the manifest per query. */
const pageSize = 100
/** How much of a server's error body goes into a message. */
const detailChars = 200

/** One file to put on the server: a clip (recorded in the manifest) or one of the dataset's top-level files. */
interface FileToUpload {
  /** Its path in the dataset folder, e.g. `en/<video>_<start>_<end>.wav` or `metadata.jsonl`. */
  readonly fileName: string
  /** Set for clips: the upload is recorded in the manifest under the video. */
  readonly clip: { readonly videoId: VideoId; readonly language: string } | undefined
}

type FileOutcome =
  | { readonly _tag: "sent" }
  | { readonly _tag: "alreadyThere" }
  | { readonly _tag: "failed"; readonly fileName: string; readonly reason: string }

interface Answer {
  readonly status: number
  readonly retryAfter: string | undefined
  readonly contentLength: number | undefined
  readonly body: Uint8Array
}

/** Messages of an error and its causes, e.g. `fetch failed: connect ECONNREFUSED 127.0.0.1:1`. */
const describeCause = (cause: unknown): string => {
  const texts = causeChain(cause).map((at) => (at instanceof Error ? at.message : String(at))).filter((text) => text !== "")
  return [...new Set(texts)].join(": ") || "unknown error"
}

/**
 * WebDAV's MKCOL. @effect/platform types only the standard methods, but its clients (undici, fetch) send any
 * method token as given, which the WebDAV tests against nginx confirm.
 */
const mkcol = HttpClientRequest.make("MKCOL" as HttpMethod)

const sha256Of = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

/** The dataset folder's top-level files (metadata.jsonl, README.md, ...), sent after the clips they list. */
const datasetIndexFiles = (datasetDir: string) =>
  Effect.promise(() => fs.readdir(datasetDir, { withFileTypes: true }).catch(() => [])).pipe(
    // Dot files are temp files of atomic writes in progress, never part of the dataset.
    Effect.map((entries) => entries.filter((e) => e.isFile() && !e.name.startsWith(".")).map((e) => e.name).sort())
  )

export class Uploader extends Context.Tag("kidvoice/Uploader")<Uploader, UploaderApi>() {
  static readonly layer = Layer.effect(
    Uploader,
    Effect.gen(function* () {
      const manifest = yield* Manifest
      const workspace = yield* Workspace
      const client = yield* HttpClient.HttpClient

      const uploadAll = (options: UploadOptions) =>
        Effect.gen(function* () {
          const { endpoint, credentials: inUrl } = splitCredentials(options.endpoint)
          const shown = endpoint
          yield* validateEndpoint(endpoint, shown)
          const credentials: EndpointCredentials | undefined = inUrl ??
            Option.getOrUndefined(Option.map(options.credentials, (c) => ({ user: c.user, password: Redacted.value(c.password) })))
          const token = Option.getOrUndefined(Option.map(options.token, Redacted.value))
          const authorization = credentials !== undefined
            ? basicAuthorization(credentials)
            : token !== undefined ? `Bearer ${token}` : undefined
          const sent = credentials !== undefined ? "basic" as const : token !== undefined ? "token" as const : "nothing" as const
          const timeoutMs = Math.max(1, options.requestTimeoutMs)
          const maxAttempts = Math.max(1, Math.floor(options.maxAttempts))
          const target = uploadTarget(options.layout, endpoint)
          // A server could echo the request in an error body; what we quote from it must not carry a secret.
          const secrets = [token, credentials?.password, authorization?.split(" ")[1]].filter((x): x is string => x !== undefined && x !== "")
          const scrub = (text: string) => secrets.reduce((t, secret) => t.split(secret).join("<redacted>"), text)
          const authorize = (request: HttpClientRequest.HttpClientRequest) =>
            authorization === undefined ? request : HttpClientRequest.setHeader(request, "authorization", authorization)
          const backoff = yield* makeServerBackoff({ baseMs: Math.max(0, options.retryBaseMs), capMs: maxBackoffMs, giveUpAfter: maxAttempts + 1 })

          const exchange = (request: HttpClientRequest.HttpClientRequest, method: Method, fileName: string) =>
            client.execute(authorize(request)).pipe(
              Effect.flatMap((response) =>
                response.arrayBuffer.pipe(
                  Effect.orElseSucceed(() => new ArrayBuffer(0)),
                  Effect.map((body): Answer => {
                    const length = Number(response.headers["content-length"])
                    return {
                      status: response.status,
                      retryAfter: response.headers["retry-after"],
                      contentLength: Number.isFinite(length) ? length : undefined,
                      body: new Uint8Array(body)
                    }
                  })
                )
              ),
              Effect.mapError((error: HttpClientError) =>
                new UploadConnectionError({
                  endpoint: shown,
                  fileName,
                  method,
                  detail: scrub(error._tag === "RequestError" ? `${error.reason}: ${describeCause(error.cause ?? error.description)}` : describeCause(error.cause ?? error.description)),
                  retryable: error._tag === "ResponseError" || error.reason === "Transport"
                })
              ),
              Effect.timeoutFail({
                duration: Duration.millis(timeoutMs),
                onTimeout: () => new UploadTimeout({ endpoint: shown, fileName, method, timeoutMs })
              }),
              Effect.flatMap((answer) => interpret(answer, method, fileName))
            )

          const interpret = (answer: Answer, method: Method, fileName: string) =>
            Effect.gen(function* () {
              const verdict = classifyResponse(method, answer.status)
              const detail = scrub(Buffer.from(answer.body.subarray(0, 4 * detailChars)).toString("utf8").replace(/\s+/g, " ").trim().slice(0, detailChars))
              const context = { endpoint: shown, fileName, method, status: answer.status }
              switch (verdict) {
                case "held":
                case "absent":
                case "stored":
                  return { verdict, answer }
                case "transient": {
                  const now = yield* Clock.currentTimeMillis
                  const wait = answer.status === 429 || answer.status === 503 ? retryAfterMs(answer.retryAfter, now) : undefined
                  return yield* new UploadServerError({ ...context, detail, retryAfterMs: wait })
                }
                case "unauthorized":
                  return yield* new UploadUnauthorized({ ...context, sent })
                case "permanent":
                  return yield* new UploadRejected({ ...context, detail })
              }
            })

          /** Content-addressed: HEAD, and PUT only when the server lacks the bytes. */
          const attemptContentAddressed = (file: FileToUpload, bytes: Uint8Array, sha256: string) =>
            Effect.gen(function* () {
              const url = clipUrl(endpoint, sha256)
              const { verdict } = yield* exchange(HttpClientRequest.head(url), "HEAD", file.fileName)
              if (verdict === "held") return "alreadyThere" as const
              const put = HttpClientRequest.put(url).pipe(
                HttpClientRequest.bodyUint8Array(bytes, "audio/wav"),
                HttpClientRequest.setHeaders({
                  "x-kidvoice-file-name": encodeURI(file.fileName),
                  "x-kidvoice-language": encodeURI(file.clip?.language ?? ""),
                  "x-kidvoice-video-id": encodeURI(file.clip?.videoId ?? "")
                })
              )
              yield* exchange(put, "PUT", file.fileName)
              return "sent" as const
            })

          // Folders made (or found) in this run; a folder two uploads ask for at once is asked twice, answered 405 once.
          const folders = new Set<string>()
          const ensureFolders = (fileName: string) =>
            Effect.forEach(foldersOf(fileName), (folder) =>
              folders.has(folder)
                ? Effect.void
                : exchange(mkcol(`${datasetFileUrl(endpoint, folder)}/`), "MKCOL", fileName).pipe(
                  Effect.tap(() => Effect.sync(() => folders.add(folder)))
                ), { discard: true })

          /** Dataset layout: the file under its own path; bytes the server already holds (same size, same sha256) are not sent. */
          const attemptDataset = (file: FileToUpload, bytes: Uint8Array, sha256: string) =>
            Effect.gen(function* () {
              const url = datasetFileUrl(endpoint, file.fileName)
              yield* ensureFolders(file.fileName)
              const head = yield* exchange(HttpClientRequest.head(url), "HEAD", file.fileName)
              if (head.verdict === "held" && head.answer.contentLength === bytes.length) {
                const held = yield* exchange(HttpClientRequest.get(url), "GET", file.fileName)
                if (held.verdict === "held" && sha256Of(held.answer.body) === sha256) return "alreadyThere" as const
              }
              const put = HttpClientRequest.put(url).pipe(HttpClientRequest.bodyUint8Array(bytes, contentTypeOf(file.fileName)))
              yield* exchange(put, "PUT", file.fileName)
              return "sent" as const
            })

          const attempt = options.layout === "dataset" ? attemptDataset : attemptContentAddressed

          /** Attempts until one succeeds, the error is permanent, `maxAttempts` are spent or the server is given up. */
          const withRetries = (file: FileToUpload, bytes: Uint8Array, sha256: string, n = 1): Effect.Effect<"sent" | "alreadyThere", ClipUploadError | UploadUnauthorized> =>
            Effect.gen(function* () {
              const turn = yield* backoff.awaitTurn
              if ("givenUp" in turn) return yield* new UploadServerUnavailable({ endpoint: shown, fileName: file.fileName, why: turn.givenUp })
              const result = yield* Effect.either(attempt(file, bytes, sha256).pipe(Effect.annotateLogs("attempt", n)))
              if (result._tag === "Right") {
                yield* backoff.succeeded
                return result.right
              }
              const error = result.left
              if (!error.retryable) return yield* error
              const givenUp = yield* backoff.failed(turn.wave, error.message, error._tag === "UploadServerError" ? error.retryAfterMs : undefined)
              if (givenUp || n >= maxAttempts) return yield* error
              yield* Effect.logWarning(`attempt ${n} of ${maxAttempts} failed, trying again: ${error.message}`)
              yield* Metric.increment(uploadRetries)
              return yield* withRetries(file, bytes, sha256, n + 1)
            })

          const uploadFile = (file: FileToUpload) =>
            Effect.gen(function* () {
              const path = join(workspace.dataset, file.fileName)
              const bytes = yield* Effect.tryPromise({
                try: () => fs.readFile(path),
                catch: (cause) =>
                  new ClipFileUnreadable({
                    fileName: file.fileName,
                    path,
                    code: (cause as NodeJS.ErrnoException).code ?? "",
                    detail: describeCause(cause)
                  })
              })
              const sha256 = sha256Of(bytes)
              const outcome = yield* withRetries(file, bytes, sha256)
              if (file.clip !== undefined) {
                const remote = options.layout === "dataset" ? datasetFileUrl(endpoint, file.fileName) : clipUrl(endpoint, sha256)
                yield* manifest.recordUpload({ fileName: file.fileName, videoId: file.clip.videoId, target, sha256, remote })
              }
              yield* Metric.increment(Metric.tagged(uploadClipOutcomes, "outcome", outcome))
              if (outcome === "sent") yield* Metric.incrementBy(uploadBytes, bytes.length)
              yield* Effect.logInfo(
                outcome === "sent"
                  ? `uploaded ${file.fileName} (${bytes.length} bytes)`
                  : `${file.fileName} is already on the server; ${file.clip ? "recorded" : "kept"} without sending`
              )
              return (outcome === "sent" ? { _tag: "sent" } : { _tag: "alreadyThere" }) satisfies FileOutcome as FileOutcome
            }).pipe(
              Effect.tapErrorTag("UploadUnauthorized", (e) => Effect.logError(`stopping the upload: ${e.message}`)),
              Effect.catchTags({
                ClipFileUnreadable: (e) => fileFailed(file, e),
                UploadRejected: (e) => fileFailed(file, e),
                UploadServerError: (e) => fileFailed(file, e),
                UploadConnectionError: (e) => fileFailed(file, e),
                UploadTimeout: (e) => fileFailed(file, e),
                UploadServerUnavailable: (e) => fileFailed(file, e)
              }),
              Effect.annotateLogs({ ...(file.clip ? { videoId: file.clip.videoId } : {}), stage: "upload", fileName: file.fileName })
            )

          let sentCount = 0
          let alreadyThere = 0
          const failed: Array<{ fileName: string; reason: string }> = []
          const uploadFiles = (files: ReadonlyArray<FileToUpload>) =>
            Effect.forEach(files, uploadFile, { concurrency: Math.max(1, Math.floor(options.concurrency)) }).pipe(
              Effect.map((outcomes) => {
                for (const outcome of outcomes) {
                  if (outcome._tag === "sent") sentCount += 1
                  else if (outcome._tag === "alreadyThere") alreadyThere += 1
                  else failed.push({ fileName: outcome.fileName, reason: outcome.reason })
                }
              })
            )

          // A cursor, so clips that failed (and stay unrecorded for the next run) are not offered again in this one.
          let after = ""
          while ((yield* backoff.givenUp) === undefined) {
            const page = yield* manifest.clipsToUpload(target, pageSize, after, options.audioHost)
            if (page.length === 0) break
            after = page.at(-1)!.fileName
            yield* uploadFiles(page.map((c) => ({ fileName: c.fileName, clip: { videoId: c.videoId, language: c.language } })))
          }
          const givenUp = yield* backoff.givenUp
          if (givenUp !== undefined) yield* Effect.logError(`stopped uploading to ${shown}: ${givenUp}; the clips not sent are left for the next run`)
          if (options.layout === "dataset" && givenUp === undefined && options.indexFiles !== false) {
            const index = yield* datasetIndexFiles(workspace.dataset)
            if (failed.length === 0) {
              yield* uploadFiles(index.map((fileName) => ({ fileName, clip: undefined })))
            } else {
              // The server must never list a clip it does not hold: the index waits for a run that sends every clip.
              const reason = `not sent: ${failed.length} clip(s) failed in this run, so the server would list clips it lacks; the next run sends it once every clip is there`
              for (const fileName of index) failed.push({ fileName, reason })
              yield* Effect.logWarning(`${index.join(", ")} ${reason}`)
            }
          }
          const summary: UploadSummary = { sent: sentCount, alreadyThere, failed }
          yield* (failed.length === 0 ? Effect.logInfo : Effect.logWarning)(
            `upload to ${shown} finished: ${sentCount} sent, ${alreadyThere} already there, ${failed.length} failed`
          )
          return summary
        }).pipe(
          Effect.annotateLogs({ stage: "upload" }),
          Effect.withSpan("Uploader.uploadAll", { attributes: { endpoint: splitCredentials(options.endpoint).endpoint, layout: options.layout } })
        )

      return { uploadAll }
    })
  )
}

const fileFailed = (file: FileToUpload, error: ClipUploadError) =>
  Effect.logWarning(`not uploaded: ${error.message}`).pipe(
    Effect.zipRight(Metric.increment(Metric.tagged(uploadClipOutcomes, "outcome", "failed"))),
    Effect.zipRight(Metric.increment(Metric.tagged(failuresByTag, "tag", error._tag))),
    Effect.as<FileOutcome>({ _tag: "failed", fileName: file.fileName, reason: error.message })
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
    return Effect.fail(new UploadEndpointInvalid({ endpoint: shown, reason: "a query or fragment cannot be combined with the files' paths" }))
  }
  return Effect.void
}
