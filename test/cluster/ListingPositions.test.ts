import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Schema } from "effect"
import { makeListingPositions, ensureListingPositionsTable } from "../../src/cluster/ListingPositions.js"
import { defaultConfig, KidvoiceConfig } from "../../src/domain/Config.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { discover } from "../../src/pipeline/discovery.js"
import { Source } from "../../src/source/Source.js"
import { youTubeDataApiLayer } from "../../src/source/YouTubeDataApi.js"
import { freshManifest } from "../support/manifest.js"
import { apiFixture, type ApiRequest, errorAnswer, recordedAnswer, youTubeApiServer } from "../support/youTubeApiServer.js"

const config = Schema.decodeSync(KidvoiceConfig)({
  ...defaultConfig,
  rules: { ...defaultConfig.rules, minDurationSeconds: 0, maxDurationSeconds: 100_000 },
  discovery: { ...defaultConfig.discovery, searchLimit: 40, channelExploreLimit: 0 }
})

/** A source listing through the Data API stand-in at `baseUrl`, as a runner's would. */
const dataApiSource = (baseUrl: string) =>
  Source.layerWith({ allowFileUrls: false }).pipe(Layer.provide(youTubeDataApiLayer({
    baseUrl,
    keys: [Redacted.make("AIzaSyKEY-ONE-0000000000000000000000000")],
    relevanceLanguage: null,
    regionCode: null,
    maxRetries: 0,
    retryBase: "1 second",
    maxBackoff: "1 second",
    requestTimeout: "30 seconds"
  }).pipe(Layer.provide(NodeHttpClient.layerUndici))))

const query = "bé đọc thơ"

const idsOfSearchPage = (fixture: string): Array<string> =>
  (JSON.parse(apiFixture(fixture)) as { items: Array<{ id: { videoId: string } }> }).items.map((item) => item.id.videoId)

/** The video ids a Data API stand-in was asked the details of (`videos.list`): what a listing paid for. */
const lookedUp = (requests: ReadonlyArray<ApiRequest>) =>
  requests.filter((r) => r.endpoint === "videos").flatMap((r) => (r.params.get("id") ?? "").split(","))

describe("listing positions: a search taken over by another runner goes on at the next page", () => {
  it.scoped("records page 1, then after the listing died on page 2, the next discovery asks for page 2 first and never for page 1", () =>
    Effect.gen(function* () {
      yield* ensureListingPositionsTable
      const positions = yield* makeListingPositions
      const manifest = yield* Manifest

      // The first runner: page 1 is listed and recorded, then the listing of page 2 fails (as if its runner died there).
      const first = yield* youTubeApiServer((request) =>
        request.endpoint === "search" && request.params.has("pageToken") ? errorAnswer(400, "error-invalid-parameter.json") : recordedAnswer(request))
      const died = yield* discover({ inputs: [], queries: [query] }, config, positions).pipe(Effect.provide(dataApiSource(first.baseUrl)))
      expect(died.failed).toBe(1)
      const pageOne = lookedUp(first.requests)
      expect(pageOne).toEqual(idsOfSearchPage("search-page1.json"))
      const rowsAfterFirst = (yield* manifest.page("", 100)).length
      expect(rowsAfterFirst).toBeGreaterThan(0)
      expect(yield* positions.load(`search:${query}`)).toEqual({ pageToken: "CAMQAA", listed: 3 })

      // Another runner takes the discovery over, on a fresh Data API connection.
      const second = yield* youTubeApiServer()
      const resumed = yield* discover({ inputs: [], queries: [query] }, config, positions).pipe(Effect.provide(dataApiSource(second.baseUrl)))
      expect(resumed.failed).toBe(0)
      const searches = second.requests.filter((r) => r.endpoint === "search")
      expect(searches.map((r) => r.params.get("pageToken"))).toEqual(["CAMQAA"])
      // Only page 2's videos were looked up: page 1's quota is not spent twice.
      // Only page 2's videos were looked up (the recorded page 2 lists one video of page 1 again, as YouTube does).
      expect(lookedUp(second.requests)).toEqual(idsOfSearchPage("search-page2.json"))
      expect((yield* manifest.page("", 100)).length).toBe(rowsAfterFirst + resumed.added + resumed.skipped)
      expect(yield* positions.load(`search:${query}`)).toBe("complete")

      // Listed to its end: a third discovery of the same search asks the API nothing.
      const third = yield* youTubeApiServer()
      yield* discover({ inputs: [], queries: [query] }, config, positions).pipe(Effect.provide(dataApiSource(third.baseUrl)))
      expect(third.requests).toEqual([])
    }).pipe(Effect.provide(freshManifest())))

  it.scoped("without bookmarks, discovery lists every page as before", () =>
    Effect.gen(function* () {
      const api = yield* youTubeApiServer()
      const summary = yield* discover({ inputs: [], queries: [query] }, config).pipe(Effect.provide(dataApiSource(api.baseUrl)))
      expect(api.requests.filter((r) => r.endpoint === "search").map((r) => r.params.get("pageToken"))).toEqual([null, "CAMQAA"])
      expect(lookedUp(api.requests)).toHaveLength(6)
      expect(summary.added + summary.skipped + summary.notYet + summary.duplicates).toBe(6)
    }).pipe(Effect.provide(freshManifest())))
})
