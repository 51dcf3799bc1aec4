import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { defaultConfig } from "../../src/domain/Config.js"
import { Source } from "../../src/source/Source.js"
import { ytDlpCatalogLayer } from "../../src/source/YtDlpSearch.js"
import { scopedTempDir } from "../support/manifest.js"

/** Issue 15, point 6: symlinks in an input folder are followed (loops detected), dangling ones reported. */
describe("a folder with symlinks", () => {
  it.scoped("links to files inside and outside are candidates with the resolved path; loops are walked once; dangling links are reported", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("symlinks")
      const input = join(dir, "in")
      const outside = join(dir, "outside")
      mkdirSync(input)
      mkdirSync(join(outside, "more"), { recursive: true })
      writeFileSync(join(input, "a.mp3"), "first recording")
      writeFileSync(join(outside, "b.mp3"), "second recording")
      writeFileSync(join(outside, "more", "c.ogg"), "third recording")
      symlinkSync(join(outside, "b.mp3"), join(input, "b-link.mp3"))
      symlinkSync("../outside/more", join(input, "more-link"))
      symlinkSync(".", join(input, "loop"))
      symlinkSync(join(dir, "nothing.mp3"), join(input, "gone.mp3"))

      const found = yield* Effect.flatMap(Source, (s) => s.discover(input)).pipe(
        Effect.provide(Source.layer),
        Effect.provide(ytDlpCatalogLayer("yt-dlp", defaultConfig.download))
      )
      const byTitle = Object.fromEntries(found.candidates.map((c) => [c.title, c.sourceUrl]))
      expect(byTitle).toEqual({
        a: join(input, "a.mp3"),
        "b-link": realpathSync(join(outside, "b.mp3")),
        c: realpathSync(join(outside, "more", "c.ogg"))
      })
      const reasons = found.passedOver.map((p) => `${p.where}: ${p.reason}`).join("\n")
      expect(reasons).toContain(`${join(input, "gone.mp3")}: a symlink to ${join(dir, "nothing.mp3")}, which does not exist (dangling)`)
      expect(reasons).toContain(`${join(input, "loop")}: a symlink to a folder already listed`)
    }))
})
