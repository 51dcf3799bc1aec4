import { Effect } from "effect"
import { createHash } from "node:crypto"
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** One request as the script sees it. */
export interface SeenRequest {
  readonly method: string
  /** The `<sha256>` of `/kv/clips/<sha256>`, or "" for any other path. */
  readonly hash: string
  /** 1-based number of this request among all requests. */
  readonly n: number
  /** 1-based number among requests with the same method. */
  readonly nOfMethod: number
}

/** A scripted answer instead of the normal one; "stall" never answers. */
export type Scripted = { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string } | "stall"

export interface UploadServerOptions {
  /** When set, every request must carry `authorization: Bearer <token>`, else 401. */
  readonly token?: string
  /** Consulted before the normal behaviour (and before the token check); undefined answers normally. */
  readonly script?: (request: SeenRequest) => Scripted | undefined
}

export interface StoredClip {
  readonly body: Buffer
  readonly headers: IncomingHttpHeaders
}

export interface UploadServer {
  readonly server: Server
  /** Base URL to give the uploader. */
  readonly endpoint: string
  /** Clips held, by content hash. */
  readonly stored: Map<string, StoredClip>
  /** PUTs that completed (body received, hash checked, stored, answered 201), by hash. */
  readonly puts: Map<string, number>
  readonly counts: { requests: number; heads: number; putsStarted: number; putsCompleted: number }
  /** Every request's method, hash and answered status ("stall" when never answered). */
  readonly log: Array<{ method: string; hash: string; status: number | "stall" }>
  /** Completes once at least `k` PUTs have completed. */
  readonly putsCompleted: (k: number) => Effect.Effect<void>
}

/**
 * A content-addressed clip server on 127.0.0.1 speaking the Uploader's protocol: HEAD /clips/<sha256> is 200 when
 * held and 404 otherwise; PUT stores the body when it hashes to <sha256> (400 otherwise). Closed with the scope.
 */
export const uploadServer = (options: UploadServerOptions = {}) =>
  Effect.acquireRelease(
    Effect.async<UploadServer>((resume) => {
      const stored = new Map<string, StoredClip>()
      const puts = new Map<string, number>()
      const counts = { requests: 0, heads: 0, putsStarted: 0, putsCompleted: 0 }
      const log: Array<{ method: string; hash: string; status: number | "stall" }> = []
      const perMethod = new Map<string, number>()
      const waiters: Array<{ k: number; done: () => void }> = []

      const answer = (res: ServerResponse, method: string, hash: string, status: number, headers: Record<string, string> = {}, body = "") => {
        log.push({ method, hash, status })
        res.writeHead(status, { "content-type": "text/plain", ...headers }).end(method === "HEAD" ? undefined : body)
      }

      const server = createServer((req, res) => {
        const method = req.method ?? "GET"
        const match = /^\/kv\/clips\/([0-9a-f]{64})$/.exec(new URL(req.url ?? "/", "http://127.0.0.1").pathname)
        const hash = match?.[1] ?? ""
        counts.requests += 1
        perMethod.set(method, (perMethod.get(method) ?? 0) + 1)
        if (method === "HEAD") counts.heads += 1
        if (method === "PUT") counts.putsStarted += 1
        const seen: SeenRequest = { method, hash, n: counts.requests, nOfMethod: perMethod.get(method)! }
        const chunks: Array<Buffer> = []
        req.on("data", (chunk: Buffer) => chunks.push(chunk))
        // Answer only once the whole body is in, as a real server would before storing it.
        req.on("end", () => {
          const scripted = options.script?.(seen)
          if (scripted === "stall") {
            log.push({ method, hash, status: "stall" })
            return
          }
          if (scripted) return answer(res, method, hash, scripted.status, scripted.headers, scripted.body ?? `scripted ${scripted.status}`)
          if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
            return answer(res, method, hash, 401, {}, "missing or wrong token")
          }
          if (!match) return answer(res, method, hash, 404, {}, "no such route")
          if (method === "HEAD") return answer(res, method, hash, stored.has(hash) ? 200 : 404)
          if (method !== "PUT") return answer(res, method, hash, 405, {}, "method not allowed")
          const body = Buffer.concat(chunks)
          if (createHash("sha256").update(body).digest("hex") !== hash) return answer(res, method, hash, 400, {}, "body does not match its hash")
          stored.set(hash, { body, headers: req.headers })
          puts.set(hash, (puts.get(hash) ?? 0) + 1)
          counts.putsCompleted += 1
          answer(res, method, hash, 201)
          for (const waiter of waiters.filter((w) => counts.putsCompleted >= w.k)) {
            waiters.splice(waiters.indexOf(waiter), 1)
            waiter.done()
          }
        })
      })

      const putsCompleted = (k: number) =>
        Effect.async<void>((done) => {
          if (counts.putsCompleted >= k) return done(Effect.void)
          const waiter = { k, done: () => done(Effect.void) }
          waiters.push(waiter)
          return Effect.sync(() => {
            const i = waiters.indexOf(waiter)
            if (i >= 0) waiters.splice(i, 1)
          })
        })

      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ server, endpoint: `http://127.0.0.1:${port}/kv`, stored, puts, counts, log, putsCompleted }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  )
