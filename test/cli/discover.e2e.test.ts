import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { kidvoice } from "../support/cli.js"
import { scopedTempDir } from "../support/manifest.js"
import { errorAnswer, recordedAnswer, youTubeApiServer } from "../support/youTubeApiServer.js"

describe("kidvoice discover from YouTube (loopback only)", () => {
  it.scopedLive("searches from a query file and flags through the Data API, rotates past a spent key, filters, and never prints a key", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("discover-cli")
      const api = yield* youTubeApiServer((request) => request.key === "AIzaSpentKey1" ? errorAnswer(403, "error-quota-exceeded.json") : recordedAnswer(request))
      const queries = join(dir, "queries.txt")
      writeFileSync(queries, "# Vietnamese children reading poems\nbé đọc thơ\n\nbé đọc thơ\n")
      const result = yield* Effect.promise(() =>
        kidvoice(
          [
            "discover", "--queries", queries, "--query", "thơ thiếu nhi", "--youtube-api-url", api.baseUrl,
            "--search-limit", "6", "--min-duration-seconds", "20", "--out", join(dir, "out")
          ],
          { KIDVOICE_YOUTUBE_API_KEYS: "AIzaSpentKey1, AIzaGoodKey2" }
        )
      )
      expect(result.exitCode, result.stderr).toBe(0)
      expect(api.requests.filter((r) => r.key === "AIzaSpentKey1")).toHaveLength(1)
      expect(api.requests.filter((r) => r.endpoint === "search" && r.key === "AIzaGoodKey2" && !r.params.has("pageToken")).map((r) => r.params.get("q"))).toEqual([
        "thơ thiếu nhi",
        "bé đọc thơ"
      ])
      // Each search lists the same six results (one twice): two kept, the 14 s short and the 10 h compilation skipped,
      // the live stream not yet; everything the second search lists is a duplicate.
      expect(result.stdout).toContain("2 new videos, 0 already known, 7 duplicates, 2 skipped by the metadata filter, 1 live or upcoming (not yet)")
      expect(result.stderr).toContain("key 1 of 2 refused")
      expect(result.stdout + result.stderr).not.toMatch(/AIzaSpentKey1|AIzaGoodKey2/)
    }))
})
