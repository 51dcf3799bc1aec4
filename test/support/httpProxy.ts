import { Effect } from "effect"
import { createServer, request } from "node:http"
import type { AddressInfo } from "node:net"

export interface HttpProxy {
  /** The proxy URL to give yt-dlp (--proxy). */
  readonly url: string
  /** Every absolute URL asked through the proxy, in order. */
  readonly forwarded: Array<string>
}

/**
 * A forward HTTP proxy on 127.0.0.1 for plain http:// URLs (what a proxy sees from a client: `GET http://host/path`),
 * recording what it forwarded; closed with the scope. CONNECT (https) is refused: the tests' servers speak http.
 */
export const httpProxy = Effect.acquireRelease(
  Effect.async<HttpProxy & { readonly close: () => Promise<void> }>((resume) => {
    const forwarded: Array<string> = []
    const server = createServer((req, res) => {
      forwarded.push(req.url ?? "")
      const target = new URL(req.url ?? "/")
      const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      })
      upstream.on("error", (e) => res.writeHead(502).end(`proxy: ${e.message}`))
      req.pipe(upstream)
    })
    server.on("connect", (_req, socket) => socket.end("HTTP/1.1 405 Method Not Allowed\r\n\r\n"))
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({
        url: `http://127.0.0.1:${port}`,
        forwarded,
        close: () => new Promise<void>((done) => {
          server.close(() => done())
          server.closeAllConnections()
        })
      }))
    })
  }),
  (proxy) => Effect.promise(proxy.close)
)
