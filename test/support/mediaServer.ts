import { Effect } from "effect"
import { createReadStream, statSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

export interface Route {
  readonly status: number
  /** A file to serve with a 200, or nothing for an error page. */
  readonly file?: string
}

export interface MediaServer {
  readonly server: Server
  readonly url: (path: string) => string
  /** Requests seen per path. */
  readonly requests: Map<string, number>
}

/** A real HTTP server on 127.0.0.1 with scripted routes, counting requests per path; closed with the scope. */
export const mediaServer = (routes: Record<string, Route>) =>
  Effect.acquireRelease(
    Effect.async<MediaServer>((resume) => {
      const requests = new Map<string, number>()
      const server = createServer((req, res) => {
        const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname
        requests.set(path, (requests.get(path) ?? 0) + 1)
        const route = routes[path] ?? { status: 404 }
        if (route.status !== 200 || !route.file) {
          res.writeHead(route.status, { "content-type": "text/plain" }).end(`status ${route.status}`)
          return
        }
        res.writeHead(200, { "content-type": "audio/mpeg", "content-length": statSync(route.file).size })
        if (req.method === "HEAD") res.end()
        else createReadStream(route.file).pipe(res)
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ server, url: (path) => `http://127.0.0.1:${port}${path}`, requests }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  )
