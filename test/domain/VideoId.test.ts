import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, ParseResult, Schema } from "effect"
import { localVideoId, urlVideoId, VideoId, youTubeIdOfUrl } from "../../src/domain/VideoId.js"

const decode = Schema.decodeUnknownEither(VideoId)

const errorOf = (input: unknown) => {
  const result = decode(input)
  if (Either.isRight(result)) throw new Error(`expected ${JSON.stringify(input)} to be rejected`)
  return ParseResult.TreeFormatter.formatErrorSync(result.left)
}

describe("VideoId", () => {
  it("accepts a YouTube id, local-<16 hex> and url-<16 hex>", () => {
    for (const id of ["dQw4w9WgXcQ", "a-b_c-d_e-f", "local-0123456789abcdef", "url-fedcba9876543210"]) {
      expect(decode(id)).toEqual(Either.right(id))
    }
  })

  it("rejects anything else with a message holding the bad value", () => {
    const bad = [
      "../etc/passwd",
      "..%2Fetc%2Fpa",
      "abcdefghij",
      "abcdefghijkl",
      "abcdefghíj", // 11 characters, one not ASCII
      "ĐaBcDeFgHiJ",
      "abc/defghij",
      "abc.defghij",
      "abcdefghijk\n",
      " abcdefghijk",
      "local-0123456789ABCDEF",
      "local-0123456789abcde",
      "local-0123456789abcdef0",
      "url-0123456789abcdeg",
      "file-0123456789abcdef",
      ""
    ]
    for (const input of bad) {
      const message = errorOf(input)
      expect(message).toContain("not a video id")
      expect(message).toContain(JSON.stringify(input))
    }
    expect(Either.isLeft(decode(12345678901))).toBe(true)
    expect(Either.isLeft(decode(null))).toBe(true)
  })

  it.prop("every string that decodes is a safe file name", [
    fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.fullUnicodeString({ minLength: 11, maxLength: 11 }),
      fc.stringMatching(/^(?:[A-Za-z0-9_./-]{11}|local-[0-9a-fA-F]{16}|url-[0-9a-f]{15,17})$/)
    )
  ], ([input]) => {
    const result = decode(input)
    if (Either.isRight(result)) {
      expect(result.right).toMatch(/^[A-Za-z0-9_-]+$/)
      expect(result.right).toBe(input)
    } else {
      expect(ParseResult.TreeFormatter.formatErrorSync(result.left)).toContain(JSON.stringify(input))
    }
  })

  it.prop("ids made from URLs and content hashes always decode", [
    fc.webUrl(),
    fc.stringMatching(/^[0-9a-f]{64}$/)
  ], ([url, sha]) => {
    expect(decode(urlVideoId(url))).toEqual(Either.right(urlVideoId(url)))
    expect(urlVideoId(url)).toBe(urlVideoId(url))
    expect(decode(localVideoId(sha))).toEqual(Either.right(`local-${sha.slice(0, 16)}`))
  })
})

describe("youTubeIdOfUrl", () => {
  it("finds the id in watch, shorts, embed, live and youtu.be URLs only", () => {
    expect(youTubeIdOfUrl("https://www.youtube.com/watch?v=dQw4w9WgXcQ")).toBe("dQw4w9WgXcQ")
    expect(youTubeIdOfUrl("https://music.youtube.com/watch?list=x&v=dQw4w9WgXcQ#t=3")).toBe("dQw4w9WgXcQ")
    expect(youTubeIdOfUrl("https://youtube.com/shorts/dQw4w9WgXcQ/")).toBe("dQw4w9WgXcQ")
    expect(youTubeIdOfUrl("http://m.youtube.com/embed/dQw4w9WgXcQ?start=1")).toBe("dQw4w9WgXcQ")
    expect(youTubeIdOfUrl("https://www.youtube.com/live/dQw4w9WgXcQ")).toBe("dQw4w9WgXcQ")
    expect(youTubeIdOfUrl("https://youtu.be/dQw4w9WgXcQ?si=abc")).toBe("dQw4w9WgXcQ")
    expect(youTubeIdOfUrl("https://www.youtube.com/watch?v=dQw4w9WgXcQx")).toBeUndefined()
    expect(youTubeIdOfUrl("https://www.youtube.com/@channel")).toBeUndefined()
    expect(youTubeIdOfUrl("https://evil.example/watch?v=dQw4w9WgXcQ")).toBeUndefined()
    expect(youTubeIdOfUrl("https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ")).toBeUndefined()
  })
})
