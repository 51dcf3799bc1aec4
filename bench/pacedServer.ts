import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

/** Connections being answered right now, and the most there were at once since `maxInFlight` was last reset. */
export interface ServerLoad {
  inFlight: number
  maxInFlight: number
}

/**
 * Serves one file at every path from 127.0.0.1, each connection paced: the body goes out in slices every 100 ms,
 * spread over `secondsPerFile`, whatever else the server is sending. So a download takes as long as a host that
 * paces each connection makes it, and many at once do not slow each other down (a real host's per-connection
 * throttle, not a shared link). HEAD answers the headers alone. The one paced server of the benches (download, cluster).
 */
export const pacedFileServer = (file: string, secondsPerFile: number, contentType = "audio/mpeg") =>
  new Promise<{
    readonly url: (path: string) => string
    readonly requests: () => number
    readonly load: ServerLoad
    readonly close: () => void
  }>((resolve) => {
    const body = readFileSync(file)
    const slices = Math.max(1, Math.round(secondsPerFile * 10))
    let requests = 0
    const load: ServerLoad = { inFlight: 0, maxInFlight: 0 }
    const server = createServer((req, res) => {
      requests++
      load.inFlight++
      load.maxInFlight = Math.max(load.maxInFlight, load.inFlight)
      res.writeHead(200, { "content-type": contentType, "content-length": body.length })
      if (req.method === "HEAD") {
        load.inFlight--
        return void res.end()
      }
      let sent = 0
      const next = () => {
        res.write(body.subarray(Math.round((body.length * sent) / slices), Math.round((body.length * (sent + 1)) / slices)))
        sent++
        if (sent === slices) res.end()
        else timer = setTimeout(next, (secondsPerFile * 1000) / slices)
      }
      let timer: NodeJS.Timeout | undefined
      res.on("close", () => {
        load.inFlight--
        clearTimeout(timer)
      })
      next()
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: (path) => `http://127.0.0.1:${port}${path}`,
        requests: () => requests,
        load,
        close: () => {
          server.closeAllConnections()
          server.close()
        }
      })
    })
  })
