import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import {
  classifyResponse,
  clipUrl,
  displayEndpoint,
  maxRetryAfterMs,
  normalizeEndpoint,
  retryAfterMs
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
