import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import {
  basicAuthorization,
  classifyResponse,
  clipUrl,
  contentTypeOf,
  datasetFileUrl,
  displayEndpoint,
  foldersOf,
  maxRetryAfterMs,
  normalizeEndpoint,
  pauseAfterFailures,
  retryAfterMs,
  splitCredentials,
  uploadTarget,
  withoutUrlCredentials
} from "../../src/upload/protocol.js"

describe("classifyResponse", () => {
  it("reads HEAD as held / absent, PUT as stored, and sorts failures into transient, permanent and unauthorized", () => {
    const table: Array<[method: "HEAD" | "PUT", status: number, expected: ReturnType<typeof classifyResponse>]> = [
      ["HEAD", 200, "held"],
      ["HEAD", 404, "absent"],
      ["HEAD", 204, "permanent"],
      ["HEAD", 301, "permanent"],
      ["PUT", 200, "stored"],
      ["PUT", 201, "stored"],
      ["PUT", 204, "stored"],
      ["PUT", 202, "permanent"],
      ["PUT", 404, "permanent"],
      ["PUT", 400, "permanent"],
      ["PUT", 409, "permanent"],
      ["PUT", 413, "permanent"],
      ["PUT", 415, "permanent"],
      ["PUT", 408, "transient"],
      ["PUT", 425, "transient"],
      ["PUT", 429, "transient"],
      ["HEAD", 429, "transient"],
      ["PUT", 500, "transient"],
      ["HEAD", 502, "transient"],
      ["PUT", 503, "transient"],
      ["PUT", 599, "transient"],
      ["PUT", 401, "unauthorized"],
      ["HEAD", 401, "unauthorized"],
      ["PUT", 403, "unauthorized"],
      ["HEAD", 403, "unauthorized"]
    ]
    for (const [method, status, expected] of table) {
      expect([method, status, classifyResponse(method, status)]).toEqual([method, status, expected])
    }
  })

  it.prop("only HEAD says held/absent, only PUT says stored, and both methods agree on every failure class", [
    fc.integer({ min: 100, max: 599 })
  ], ([status]) => {
    const head = classifyResponse("HEAD", status)
    const put = classifyResponse("PUT", status)
    expect(["stored"]).not.toContain(head)
    expect(["held", "absent"]).not.toContain(put)
    const failure = (c: string) => c === "transient" || c === "unauthorized"
    expect(failure(head)).toBe(failure(put))
    if (failure(head)) expect(head).toBe(put)
    if (head === "held") expect(status).toBe(200)
    if (head === "absent") expect(status).toBe(404)
    if (put === "stored") expect([200, 201, 204]).toContain(status)
  })
})

describe("retryAfterMs", () => {
  const now = Date.parse("2025-01-01T00:00:00Z")

  it("reads delta-seconds and HTTP dates, caps long waits, and ignores what it cannot read", () => {
    expect(retryAfterMs(undefined, now)).toBeUndefined()
    expect(retryAfterMs("3", now)).toBe(3000)
    expect(retryAfterMs(" 0 ", now)).toBe(0)
    expect(retryAfterMs("Wed, 01 Jan 2025 00:00:05 GMT", now)).toBe(5000)
    expect(retryAfterMs("Tue, 31 Dec 2024 23:59:00 GMT", now)).toBe(0)
    expect(retryAfterMs("86400", now)).toBe(maxRetryAfterMs)
    expect(retryAfterMs("soon", now)).toBeUndefined()
    expect(retryAfterMs("-5", now)).toBeUndefined()
  })
})

describe("endpoints", () => {
  it("drops trailing slashes, builds content addresses, and never shows credentials", () => {
    expect(normalizeEndpoint("https://h.example/kv///")).toBe("https://h.example/kv")
    expect(clipUrl("https://h.example/kv", "ab".repeat(32))).toBe(`https://h.example/kv/clips/${"ab".repeat(32)}`)
    expect(displayEndpoint("https://alice:pw@h.example/kv")).toBe("https://h.example/kv")
    expect(displayEndpoint("http://127.0.0.1:8080/kv")).toBe("http://127.0.0.1:8080/kv")
    expect(displayEndpoint("not a url")).toBe("not a url")
  })
})

describe("WebDAV pieces", () => {
  it("MKCOL: 201 made, 405 already there; GET reads like HEAD", () => {
    expect(classifyResponse("MKCOL", 201)).toBe("stored")
    expect(classifyResponse("MKCOL", 405)).toBe("held")
    expect(classifyResponse("MKCOL", 409)).toBe("permanent")
    expect(classifyResponse("MKCOL", 507)).toBe("transient")
    expect(classifyResponse("MKCOL", 401)).toBe("unauthorized")
    expect(classifyResponse("GET", 200)).toBe("held")
    expect(classifyResponse("GET", 404)).toBe("absent")
  })

  it("takes credentials out of the endpoint, percent-decoded, and builds Basic auth from them", () => {
    expect(splitCredentials("https://alice:p%40ss%20w@h.example/dav/")).toEqual({
      endpoint: "https://h.example/dav",
      credentials: { user: "alice", password: "p@ss w" }
    })
    expect(splitCredentials("https://h.example/dav")).toEqual({ endpoint: "https://h.example/dav", credentials: undefined })
    expect(splitCredentials("https://bob@h.example/")).toEqual({ endpoint: "https://h.example", credentials: { user: "bob", password: "" } })
    expect(basicAuthorization({ user: "Aladdin", password: "open sesame" })).toBe("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
  })

  it.prop("the endpoint shown never carries the password", [fc.string({ minLength: 1 }), fc.string({ minLength: 6 }).filter((p) => /^[\x21-\x7e]+$/.test(p))], ([user, password]) => {
    const endpoint = `https://${encodeURIComponent(user)}:${encodeURIComponent(password)}@h.example/dav`
    const split = splitCredentials(endpoint)
    expect(split.credentials).toEqual({ user, password })
    expect(split.endpoint).toBe("https://h.example/dav")
    expect(displayEndpoint(endpoint)).not.toContain(encodeURIComponent(password))
  })

  it("places dataset files under their own paths, folders outermost first, with a content type", () => {
    expect(datasetFileUrl("https://h.example/dav", "cs/a b#1.wav")).toBe("https://h.example/dav/cs/a%20b%231.wav")
    expect(foldersOf("cs/ab/c.wav")).toEqual(["cs", "cs/ab"])
    expect(foldersOf("metadata.jsonl")).toEqual([])
    expect(contentTypeOf("cs/x.WAV")).toBe("audio/wav")
    expect(contentTypeOf("metadata.jsonl")).toBe("application/jsonl")
    expect(contentTypeOf("README.md")).toBe("text/markdown; charset=utf-8")
    expect(uploadTarget("dataset", "https://h.example/dav")).not.toBe(uploadTarget("content-addressed", "https://h.example/dav"))
  })

  it.prop("the shared pause doubles with failures in a row up to the cap, and never undercuts a Retry-After", [
    fc.integer({ min: 1, max: 40 }),
    fc.double({ min: 0.8, max: 1.2, noNaN: true }),
    fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined })
  ], ([failures, jitter, retryAfter]) => {
    const pause = pauseAfterFailures(failures, 1000, 30_000, jitter, retryAfter)
    expect(pause).toBeGreaterThanOrEqual(retryAfter ?? 0)
    expect(pause).toBeLessThanOrEqual(Math.max(Math.round(30_000 * jitter), retryAfter ?? 0))
    if (retryAfter === undefined && failures < 5) expect(pause).toBe(Math.round(1000 * 2 ** (failures - 1) * jitter))
  })
})

describe("withoutUrlCredentials", () => {
  it("removes user:password@ from every URL in a text and leaves the rest alone", () => {
    expect(withoutUrlCredentials("kidvoice run --upload-endpoint https://me:p%40ss@dav.example/kv --input a@b.txt"))
      .toBe("kidvoice run --upload-endpoint https://dav.example/kv --input a@b.txt")
    expect(withoutUrlCredentials("http://u@h/ and HTTP://x:y@h2:8080/p?q=a@b")).toBe("http://h/ and HTTP://h2:8080/p?q=a@b")
    expect(withoutUrlCredentials("no urls, mail me@example.org")).toBe("no urls, mail me@example.org")
  })
})
