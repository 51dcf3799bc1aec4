import { Effect } from "effect"
import { connect, createServer, type Socket } from "node:net"

/**
 * A TCP proxy on loopback in front of an HTTP server that holds back the body of the `stallPut`-th PUT after
 * its first `stallAfterBytes` bytes, so a test can kill the client while the server has half a body, however
 * slow the machine. Everything else passes unchanged. `stalled()` says whether that PUT is being held.
 */
export const stallingProxy = (upstreamPort: number, options: { readonly stallPut: number; readonly stallAfterBytes: number }) =>
  Effect.acquireRelease(
    Effect.async<{ readonly port: number; readonly stalled: () => boolean; readonly close: () => Promise<void> }>((resume) => {
      const sockets = new Set<Socket>()
      let puts = 0
      let stalled = false
      const server = createServer((client) => {
        const upstream = connect(upstreamPort, "127.0.0.1")
        sockets.add(client).add(upstream)
        // Bytes this connection may still forward; Infinity until it carries the PUT to stall.
        let allowance = Infinity
        client.on("data", (chunk: Buffer) => {
          if (allowance === Infinity) {
            // A request line starts a chunk or follows the previous request; clip bodies (PCM) never spell this.
            let at = chunk.indexOf("PUT /")
            while (at >= 0 && allowance === Infinity) {
              puts += 1
              // Counted from this chunk's start: what precedes the PUT, then its first stallAfterBytes bytes.
              if (puts === options.stallPut) allowance = at + options.stallAfterBytes
              at = chunk.indexOf("PUT /", at + 1)
            }
          }
          if (allowance === Infinity) return void upstream.write(chunk)
          const part = chunk.subarray(0, Math.max(0, Math.min(chunk.length, allowance)))
          allowance -= part.length
          if (part.length > 0) upstream.write(part)
          if (part.length < chunk.length) stalled = true
        })
        upstream.on("data", (chunk) => client.write(chunk))
        const end = () => {
          client.destroy()
          upstream.destroy()
          sockets.delete(client)
          sockets.delete(upstream)
        }
        client.on("close", end).on("error", end)
        upstream.on("close", end).on("error", end)
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number }
        resume(Effect.succeed({
          port,
          stalled: () => stalled,
          close: () => new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          })
        }))
      })
    }),
    (proxy) => Effect.promise(() => proxy.close())
  )
