import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Redacted, Stream, TestClock, TestServices } from "effect"
import { classifyApiResponse, makeYouTubeDataApi, type YouTubeApiSettings } from "../../src/source/YouTubeDataApi.js"
import { YouTubeTarget, youTubeTargetOfUrl } from "../../src/source/youTubeTargets.js"
import { apiFixture, type ApiRequest, errorAnswer, recordedAnswer, youTubeApiServer } from "../support/youTubeApiServer.js"

const keyOne = "AIzaSyKEY-ONE-0000000000000000000000000"
const keyTwo = "AIzaSyKEY-TWO-0000000000000000000000000"

const settings = (baseUrl: string, keys: ReadonlyArray<string> = [keyOne]): YouTubeApiSettings => ({
  baseUrl,
  keys: keys.map((k) => Redacted.make(k)),
  relevanceLanguage: "vi",
  regionCode: "VN",
  maxRetries: 3,
  retryBase: "1 second",
  maxBackoff: "1 minute",
  // Far off, so the TestClock's pending sleeps tell a retry's wait (seconds) from a request's timeout.
  requestTimeout: "1 day"
})

const search = YouTubeTarget.Search({ query: "bé đọc thơ" })

const listAll = (config: YouTubeApiSettings, target: YouTubeTarget, limit: number) =>
  makeYouTubeDataApi(config).pipe(
    Effect.flatMap((api) => api.list(target, limit).pipe(Stream.runCollect)),
    Effect.map((batches) => Chunk.toReadonlyArray(batches)),
    Effect.provide(NodeHttpClient.layerUndici)
  )

/** Real time passes (the loopback server answers) while the TestClock stands still, until `done` holds. */
const waitUntil = (done: () => Effect.Effect<boolean>) =>
  Effect.gen(function* () {
    for (let i = 0; i < 1000; i++) {
      if (yield* done()) return
      yield* TestServices.provideLive(Effect.sleep("5 millis"))
    }
    throw new Error("condition not reached within 5 s")
  })

/**
 * When the fiber's pending retry will wake, once it waits for one (a request's timeout is a day away, and sleeps
 * already run are gone from the list).
 */
const nextRetry = Effect.gen(function* () {
  let wakeAt: number | undefined
  yield* waitUntil(() =>
    Effect.gen(function* () {
      const now = yield* TestClock.currentTimeMillis
      wakeAt = Chunk.toReadonlyArray(yield* TestClock.sleeps()).filter((t) => t < now + 3_600_000).sort((a, b) => a - b)[0]
      return wakeAt !== undefined
    }))
  return wakeAt!
})

/** Real time for the loopback server to answer anything the fiber might (wrongly) send now. */
const settle = TestServices.provideLive(Effect.sleep("50 millis"))

const ids = (batches: ReadonlyArray<ReadonlyArray<{ candidate: { id: string } }>>) => batches.flat().map((l) => l.candidate.id)

describe("classifyApiResponse", () => {
  it("tells a spent key, a pause, a server fault and a bad request apart", () => {
    expect(classifyApiResponse(200, "{}", undefined, 0)._tag).toBe("Ok")
    expect(classifyApiResponse(403, apiFixture("error-quota-exceeded.json"), undefined, 0)).toMatchObject({ _tag: "KeyRefused" })
    expect(classifyApiResponse(403, JSON.stringify({ error: { errors: [{ reason: "dailyLimitExceeded" }] } }), undefined, 0)._tag).toBe("KeyRefused")
    expect(classifyApiResponse(400, apiFixture("error-key-invalid.json"), undefined, 0)._tag).toBe("KeyRefused")
    expect(classifyApiResponse(429, apiFixture("error-rate-limit.json"), "7", 0)).toMatchObject({ _tag: "Transient", retryAfterMs: 7000 })
    expect(classifyApiResponse(403, JSON.stringify({ error: { errors: [{ reason: "rateLimitExceeded" }] } }), undefined, 0)).toMatchObject({ _tag: "Transient", retryAfterMs: null })
    expect(classifyApiResponse(503, "<html>Service Unavailable</html>", "Thu, 01 Jan 1970 00:00:10 GMT", 4000)).toMatchObject({ _tag: "Transient", retryAfterMs: 6000 })
    expect(classifyApiResponse(500, apiFixture("error-backend.json"), undefined, 0)).toMatchObject({ _tag: "Transient" })
    expect(classifyApiResponse(400, apiFixture("error-invalid-parameter.json"), undefined, 0)).toMatchObject({
      _tag: "Refused",
      detail: "invalidParameter: Invalid value for parameter relevanceLanguage."
    })
    expect(classifyApiResponse(404, "not json", undefined, 0)).toMatchObject({ _tag: "Refused", detail: "not json" })
  })
})

describe("YouTube Data API back-end", () => {
  it.scoped("pages a search up to the limit, then reads each page's durations, live status and languages with videos.list", () =>
    Effect.gen(function* () {
      const api = yield* youTubeApiServer()
      const batches = yield* listAll(settings(api.baseUrl), search, 5)
      expect(batches.map((b) => b.length)).toEqual([3, 2])
      expect(ids(batches)).toEqual(["Xk3vTq9LmA2", "b7Yh2Kp0QwE", "Qm5rT8uV1zN", "Lp2oI9uY7tR", "Wc4eR6tY8uI"])
      const searches = api.requests.filter((r) => r.endpoint === "search")
      expect(searches.map((r) => [r.params.get("maxResults"), r.params.get("pageToken")])).toEqual([["5", null], ["2", "CAMQAA"]])
      expect(Object.fromEntries(searches[0]!.params)).toMatchObject({ q: "bé đọc thơ", type: "video", relevanceLanguage: "vi", regionCode: "VN" })
      expect(api.requests.filter((r) => r.endpoint === "videos").map((r) => r.params.get("id"))).toEqual([
        "Xk3vTq9LmA2,b7Yh2Kp0QwE,Qm5rT8uV1zN",
        "Lp2oI9uY7tR,Wc4eR6tY8uI"
      ])
      // The key goes in a header, never in a URL that an error message or a proxy log could show.
      for (const r of api.requests) {
        expect(r.key).toBe(keyOne)
        expect(r.url).not.toContain(keyOne)
      }
      const [first, , live, , long] = batches.flat()
      expect(first!.candidate).toMatchObject({
        title: "Bé Na đọc thơ Trăng Sáng - Thơ thiếu nhi hay nhất",
        channel: "Bé Na Official",
        channelId: "UCq1w2e3r4t5y6u7i8o9p0aA",
        declaredDurationSeconds: 184,
        declaredLanguage: "vi",
        description: "Bé Na 4 tuổi đọc bài thơ Trăng Sáng thật dễ thương. Đăng ký kênh để xem thêm!"
      })
      expect(first!.liveStatus).toBe("not_live")
      expect(first!.availability).toBe("public")
      expect(live!.liveStatus).toBe("is_live")
      expect(long!.candidate.declaredDurationSeconds).toBe(36012)
      expect(long!.candidate.declaredLanguage).toBe("vi-VN")
    }))

  it.scoped("stops at the last page even below the limit", () =>
    Effect.gen(function* () {
      const api = yield* youTubeApiServer()
      const batches = yield* listAll(settings(api.baseUrl), search, 500)
      expect(batches.map((b) => b.length)).toEqual([3, 3])
      expect(api.requests.filter((r) => r.endpoint === "search")).toHaveLength(2)
    }))

  it.scoped("lists a channel by handle through its uploads playlist", () =>
    Effect.gen(function* () {
      const api = yield* youTubeApiServer()
      const batches = yield* listAll(settings(api.baseUrl), youTubeTargetOfUrl("https://www.youtube.com/@BeNaOfficial")!, 50)
      expect(ids(batches)).toEqual(["Hj6kL8mN0pQ", "Zx1cV3bN5mK", "Rt5yU7iO9pA", "Xk3vTq9LmA2"])
      expect(api.requests[0]!.params.get("forHandle")).toBe("@BeNaOfficial")
      expect(api.requests.filter((r) => r.endpoint === "playlistItems").map((r) => r.params.get("playlistId"))).toEqual([
        "UUq1w2e3r4t5y6u7i8o9p0aA",
        "UUq1w2e3r4t5y6u7i8o9p0aA"
      ])
      const byId = new Map(batches.flat().map((l) => [l.candidate.id as string, l]))
      expect(byId.get("Zx1cV3bN5mK")!.liveStatus).toBe("is_upcoming")
      expect(byId.get("Rt5yU7iO9pA")!.liveStatus).toBe("was_live")
    }))

  it.scoped("moves to the next key when one's quota is spent, and does not try the spent key again", () =>
    Effect.gen(function* () {
      const api = yield* youTubeApiServer((request) =>
        request.key === keyOne ? errorAnswer(403, "error-quota-exceeded.json") : recordedAnswer(request))
      const batches = yield* listAll(settings(api.baseUrl, [keyOne, keyTwo]), search, 6)
      expect(ids(batches)).toHaveLength(6)
      expect(api.requests.map((r) => r.key === keyOne ? "one" : "two")).toEqual(["one", "two", "two", "two", "two"])
    }))

  it.scoped("says all keys are exhausted, with each key's reason and no key in the message", () =>
    Effect.gen(function* () {
      const api = yield* youTubeApiServer((request) =>
        request.key === keyOne ? errorAnswer(403, "error-quota-exceeded.json") : errorAnswer(400, "error-key-invalid.json"))
      const error = yield* Effect.flip(listAll(settings(api.baseUrl, [keyOne, keyTwo]), search, 6))
      expect(error._tag).toBe("YouTubeApiKeysExhausted")
      expect(error.message).toContain("all 2 YouTube Data API keys are exhausted")
      expect(error.message).toContain("key 1: quotaExceeded")
      expect(error.message).toContain("key 2: keyInvalid")
      expect(error.message).not.toContain("AIzaSy")
      expect(JSON.stringify(error)).not.toContain("AIzaSy")
      expect(api.requests).toHaveLength(2)
    }))

  it.scoped("waits what a 429's Retry-After asks, on the same key, then goes on", () =>
    Effect.gen(function* () {
      const api = yield* youTubeApiServer((request, n) => n === 0 ? errorAnswer(429, "error-rate-limit.json", { "retry-after": "7" }) : recordedAnswer(request))
      const fiber = yield* Effect.fork(listAll(settings(api.baseUrl, [keyOne, keyTwo]), search, 3))
      expect(yield* nextRetry).toBe(7000)
      yield* TestClock.setTime(6999)
      yield* settle
      expect(api.requests).toHaveLength(1)
      yield* TestClock.setTime(7000)
      const batches = yield* Fiber.join(fiber)
      expect(ids(batches)).toHaveLength(3)
      expect(api.requests.map((r: ApiRequest) => r.key)).toEqual([keyOne, keyOne, keyOne])
    }))

  it.scoped("retries a 500 after an exponential, jittered backoff and succeeds", () =>
    Effect.gen(function* () {
      const api = yield* youTubeApiServer((request, n) => n < 2 ? errorAnswer(500, "error-backend.json") : recordedAnswer(request))
      const fiber = yield* Effect.fork(listAll(settings(api.baseUrl), search, 3))
      // 1 s, then 2 s, each ± 20 % jitter.
      const first = yield* nextRetry
      expect(first).toBeGreaterThanOrEqual(800)
      expect(first).toBeLessThanOrEqual(1200)
      yield* TestClock.setTime(first - 1)
      yield* settle
      expect(api.requests).toHaveLength(1)
      yield* TestClock.setTime(first)
      yield* waitUntil(() => Effect.succeed(api.requests.length === 2))
      const second = yield* nextRetry
      expect(second - first).toBeGreaterThanOrEqual(1600)
      expect(second - first).toBeLessThanOrEqual(2400)
      yield* TestClock.setTime(second)
      expect(ids(yield* Fiber.join(fiber))).toHaveLength(3)
      expect(api.requests.map((r) => r.endpoint)).toEqual(["search", "search", "search", "videos"])
    }))

  it.scoped("gives up on a server that keeps failing after the retries, as YouTubeApiUnavailable", () =>
    Effect.gen(function* () {
      const api = yield* youTubeApiServer(() => errorAnswer(500, "error-backend.json"))
      const fiber = yield* Effect.fork(Effect.flip(listAll(settings(api.baseUrl), search, 3)))
      yield* waitUntil(() => TestClock.adjust("1 minute").pipe(Effect.zipRight(Fiber.poll(fiber)), Effect.map((exit) => exit._tag === "Some")))
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("YouTubeApiUnavailable")
      expect(error.message).toContain("failed 4 times")
      expect(error.message).toContain("backendError")
      expect(api.requests).toHaveLength(4)
    }))

  it.scoped("does not retry a request the API refuses", () =>
    Effect.gen(function* () {
      const api = yield* youTubeApiServer(() => errorAnswer(400, "error-invalid-parameter.json"))
      const error = yield* Effect.flip(listAll(settings(api.baseUrl, [keyOne, keyTwo]), search, 3))
      expect(error._tag).toBe("YouTubeApiRequestFailed")
      expect(error.message).toContain("Invalid value for parameter relevanceLanguage")
      expect(api.requests).toHaveLength(1)
    }))
})
