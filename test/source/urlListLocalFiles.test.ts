import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { defaultConfig } from "../../src/domain/Config.js"
import { Source } from "../../src/source/Source.js"
import { ytDlpCatalogLayer } from "../../src/source/YtDlpSearch.js"
import { scopedTempDir } from "../support/manifest.js"

/** A URL list may name local media files (`find … > list.txt`): each is a local candidate, as if given alone as --input. */
describe("a URL list naming local files", () => {
  it.scoped("reads absolute and list-relative paths as local candidates beside the URLs; a missing file, or a folder, is passed over by line", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("list-local")
      mkdirSync(join(dir, "memos"))
      mkdirSync(join(dir, "lists"))
      writeFileSync(join(dir, "memos", "ana.amr"), "a voice memo")
      copyFileSync(join(dir, "memos", "ana.amr"), join(dir, "memos", "ana-copy.amr"))
      writeFileSync(join(dir, "party.mts"), "a camcorder clip")
      mkdirSync(join(dir, "album.mp3"))
      const list = join(dir, "lists", "todo.txt")
      writeFileSync(list, ["../memos/ana.amr", join(dir, "party.mts"), "https://example.com/v.mp4", "../memos/gone.amr", "../memos/ana-copy.amr", "../album.mp3"].join("\n"))

      const found = yield* Effect.flatMap(Source, (s) => s.discover(list)).pipe(
        Effect.provide(Source.layer),
        Effect.provide(ytDlpCatalogLayer("yt-dlp", defaultConfig.download))
      )
      const local = found.candidates.filter((c) => c.kind === "local")
      expect(local.map((c) => [c.title, c.sourceUrl, c.sourceRoot])).toEqual([
        ["ana", join(dir, "memos", "ana.amr"), join(dir, "memos")],
        ["party", join(dir, "party.mts"), dir],
        ["ana-copy", join(dir, "memos", "ana-copy.amr"), join(dir, "memos")]
      ])
      // The id comes from the content: a copy is the same video (the manifest keeps it once).
      expect(local[2]!.id).toBe(local[0]!.id)
      expect(found.candidates.filter((c) => c.kind === "url").map((c) => c.sourceUrl)).toEqual(["https://example.com/v.mp4"])
      expect(found.passedOver).toEqual([
        { where: `${list}:4`, reason: `no such media file: ${join(dir, "memos", "gone.amr")}` },
        { where: `${list}:6`, reason: `no such media file: ${join(dir, "album.mp3")}` }
      ])
    }))
})
