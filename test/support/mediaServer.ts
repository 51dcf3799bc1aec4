import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

export interface Route {
  readonly status: number
  /** A file to serve with a 200, or nothing for an error page. */
  readonly file?: string
  /** Wait this long before answering. */
  readonly delayMs?: number
  /** Announce the whole length, send half, then cut the connection. */
  readonly truncate?: boolean
  /** Send the headers, then nothing, holding the connection open until the server closes. */
  readonly stall?: boolean
  /** The file's content type (default audio/mpeg): a web page for yt-dlp's generic extractor, captions. */
  readonly contentType?: string
}

/** A path's answers in order, one per request; the last one repeats (a 429, then the file). */
export type Script = Route | ReadonlyArray<Route>

export interface MediaServer {
  readonly server: Server
  readonly url: (path: string) => string
  /** Requests seen per path. */
  readonly requests: Map<string, number>
  /** The Cookie header of each path's last request that had one. */
  readonly cookies: Map<string, string>
  /** Requests being answered right now, and the most there ever were at once. */
  readonly load: { inFlight: number; maxInFlight: number }
}

/** A real HTTP server on 127.0.0.1 with scripted routes, counting requests per path; closed with the scope. */
export const mediaServer = (routes: Record<string, Script>) =>
  Effect.acquireRelease(
    Effect.async<MediaServer>((resume) => {
      const requests = new Map<string, number>()
      const cookies = new Map<string, string>()
      const load = { inFlight: 0, maxInFlight: 0 }
      const server = createServer((req, res) => {
        const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname
        const seen = requests.get(path) ?? 0
        requests.set(path, seen + 1)
        if (req.headers.cookie !== undefined) cookies.set(path, req.headers.cookie)
        load.inFlight++
        load.maxInFlight = Math.max(load.maxInFlight, load.inFlight)
        res.on("close", () => load.inFlight--)
        const script = routes[path] ?? { status: 404 }
        const route: Route = Array.isArray(script) ? script[Math.min(seen, script.length - 1)] : (script as Route)
        setTimeout(() => {
          if (route.status !== 200 || !route.file) {
            res.writeHead(route.status, { "content-type": "text/plain" }).end(`status ${route.status}`)
            return
          }
          const body = readFileSync(route.file)
          res.writeHead(200, { "content-type": route.contentType ?? "audio/mpeg", "content-length": body.length })
          if (req.method === "HEAD") res.end()
          else if (route.stall) res.flushHeaders()
          else if (route.truncate) res.write(body.subarray(0, body.length >> 1), () => res.destroy())
          else res.end(body)
        }, route.delayMs ?? 0)
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ server, url: (path) => `http://127.0.0.1:${port}${path}`, requests, cookies, load }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  )
