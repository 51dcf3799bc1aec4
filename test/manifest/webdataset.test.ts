import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { makeShardWriter, sampleMembers, shardName, tarMember } from "../../src/manifest/webdataset.js"
import { scopedTempDir } from "../support/manifest.js"

/** GNU tar's listing of an archive: names and sizes, and whether it reads it without complaint. */
const tarList = (file: string) =>
  execFileSync("tar", ["-tvf", file], { encoding: "utf8" }).trim().split("\n").map((line) => {
    const parts = line.trim().split(/\s+/)
    return [parts.at(-1), Number(parts[2])]
  })

describe("WebDataset shards", () => {
  it("a tar member has a valid ustar header, padded to whole blocks", () => {
    const member = tarMember("key.txt", Buffer.from("hello"))
    expect(member.length).toBe(1024)
    expect(member.subarray(257, 263).toString("ascii")).toBe("ustar\0")
    const stored = parseInt(member.subarray(148, 154).toString("ascii"), 8)
    const copy = Buffer.from(member.subarray(0, 512))
    copy.write("        ", 148, "ascii")
    expect(stored).toBe(copy.reduce((sum, byte) => sum + byte, 0))
  })

  it.scoped("samples go into shards under the size bound, each readable by GNU tar with the members of a key together; stale shards go", () =>
    Effect.gen(function* () {
      const dir = join(yield* scopedTempDir("webdataset"), "webdataset")
      const sample = (n: number) => sampleMembers(`cs/clip_${n}.wav`, Buffer.alloc(3000, n), { text: `t${n}`, language: "cs" }, `t${n}`)
      // Each sample is 3 members: 3 headers + 3072 + 512 + 512 bytes = 5632; two fit under 12 KiB with the end blocks.
      const writer = makeShardWriter(dir, 12 * 1024)
      yield* Effect.forEach([1, 2, 3, 4, 5], (n) => writer.add(sample(n)), { discard: true })
      expect(yield* writer.close).toBe(3)
      const shards = readdirSync(dir).sort()
      expect(shards).toEqual([shardName(0), shardName(1), shardName(2)])
      for (const shard of shards) expect(statSync(join(dir, shard)).size).toBeLessThanOrEqual(12 * 1024)
      expect(tarList(join(dir, shardName(0)))).toEqual([["clip_1.wav", 3000], ["clip_1.json", 29], ["clip_1.txt", 2], ["clip_2.wav", 3000], ["clip_2.json", 29], ["clip_2.txt", 2]])
      expect(execFileSync("tar", ["-xOf", join(dir, shardName(2)), "clip_5.txt"], { encoding: "utf8" })).toBe("t5")
      // A smaller export later leaves no shard of the earlier one behind.
      const again = makeShardWriter(dir, 12 * 1024)
      yield* again.add(sample(1))
      expect(yield* again.close).toBe(1)
      expect(readdirSync(dir)).toEqual([shardName(0)])
    }))
})
