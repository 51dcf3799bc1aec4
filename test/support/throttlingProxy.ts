import { Effect } from "effect"
import { createServer, type Socket, connect } from "node:net"

/**
 * A TCP proxy on loopback that forwards what clients send at `bytesPerSecond` (answers go back at full speed),
 * so a test can catch an upload in the middle of its body. `setRate(Infinity)` lifts the limit.
 */
export const throttlingProxy = (upstreamPort: number, bytesPerSecond: number) =>
  Effect.acquireRelease(
    Effect.async<{ readonly port: number; readonly setRate: (rate: number) => void; readonly close: () => Promise<void> }>((resume) => {
      let rate = bytesPerSecond
      const sockets = new Set<Socket>()
      const tickMs = 20
      const server = createServer((client) => {
        const upstream = connect(upstreamPort, "127.0.0.1")
        sockets.add(client).add(upstream)
        const queue: Array<Buffer> = []
        let timer: NodeJS.Timeout | undefined
        const pump = () => {
          let budget = Number.isFinite(rate) ? Math.max(1, Math.floor((rate * tickMs) / 1000)) : Infinity
          while (queue.length > 0 && budget > 0) {
            const chunk = queue.shift()!
            const part = chunk.subarray(0, Math.min(chunk.length, budget))
            if (part.length < chunk.length) queue.unshift(chunk.subarray(part.length))
            budget -= part.length
            upstream.write(part)
          }
          timer = queue.length > 0 ? setTimeout(pump, tickMs) : undefined
        }
        client.on("data", (chunk) => {
          queue.push(chunk)
          if (timer === undefined) pump()
        })
        upstream.on("data", (chunk) => client.write(chunk))
        const end = () => {
          if (timer) clearTimeout(timer)
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
          setRate: (r: number) => { rate = r },
          close: () => new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          })
        }))
      })
    }),
    (proxy) => Effect.promise(() => proxy.close())
  )
