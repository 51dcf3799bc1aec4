import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { projectRoot } from "./cli.js"

export interface ApiRequest {
  /** The endpoint: search, videos, playlistItems, channels. */
  readonly endpoint: string
  readonly params: URLSearchParams
  /** The x-goog-api-key header. */
  readonly key: string | undefined
  readonly url: string
}

export interface ApiAnswer {
  readonly status: number
  readonly body: string
  readonly headers?: Record<string, string>
}

export const apiFixture = (name: string) => readFileSync(join(projectRoot, "test", "fixtures", "youtube-api", name), "utf8")

export const errorAnswer = (status: number, fixture: string, headers?: Record<string, string>): ApiAnswer => ({ status, body: apiFixture(fixture), headers })

/**
 * What the Data API answered when these fixtures were recorded: two search pages, two pages of a channel's
 * uploads, a handle lookup, and `videos.list` giving the recorded details of whichever ids it is asked for.
 */
export const recordedAnswer = (request: ApiRequest): ApiAnswer => {
  const page2 = request.params.has("pageToken")
  switch (request.endpoint) {
    case "search":
      return { status: 200, body: apiFixture(page2 ? "search-page2.json" : "search-page1.json") }
    case "playlistItems":
      return { status: 200, body: apiFixture(page2 ? "playlistItems-uploads-page2.json" : "playlistItems-uploads-page1.json") }
    case "channels":
      return { status: 200, body: apiFixture("channels-for-handle.json") }
    case "videos": {
      // As the real API does: maxResults is refused beside id.
      if (request.params.has("maxResults")) return errorAnswer(400, "error-invalid-parameter.json")
      const all = JSON.parse(apiFixture("videos.json")) as { items: Array<{ id: string }> }
      const byId = new Map(all.items.map((item) => [item.id, item]))
      const items = (request.params.get("id") ?? "").split(",").flatMap((id) => byId.get(id) ?? [])
      return { status: 200, body: JSON.stringify({ ...all, items }) }
    }
    default:
      return errorAnswer(404, "error-invalid-parameter.json")
  }
}

/**
 * A stand-in for https://www.googleapis.com/youtube/v3 on 127.0.0.1: `script` answers each request (its index
 * among all requests given), recorded fixtures by default. Every request is kept for the test to inspect.
 */
export const youTubeApiServer = (script: (request: ApiRequest, index: number) => ApiAnswer = recordedAnswer) =>
  Effect.acquireRelease(
    Effect.async<{ readonly baseUrl: string; readonly requests: Array<ApiRequest>; readonly server: Server }>((resume) => {
      const requests: Array<ApiRequest> = []
      const server = createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1")
        const request: ApiRequest = {
          endpoint: url.pathname.replace(/^\/youtube\/v3\//, ""),
          params: url.searchParams,
          key: req.headers["x-goog-api-key"] as string | undefined,
          url: req.url ?? ""
        }
        const answer = script(request, requests.length)
        requests.push(request)
        res.writeHead(answer.status, { "content-type": "application/json; charset=UTF-8", ...answer.headers }).end(answer.body)
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ baseUrl: `http://127.0.0.1:${port}/youtube/v3`, requests, server }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  )
