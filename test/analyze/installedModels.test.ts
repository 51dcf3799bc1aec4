import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { copyFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { type InstalledCard, installedCards, selectCard } from "../../src/analyze/installedModels.js"
import { scopedTempDir } from "../support/manifest.js"

const card = (name: string, task: string, kind: string | null): InstalledCard => ({ name, task, kind, path: `/m/${name}.json` })
const acoustic = card("child-voice-acoustic", "child-voice", "segment-features")
const learned = card("wav2vec2-age-gender-6", "child-voice", "wav2vec2-age-gender")
const someoneElses = card("other-learned", "child-voice", "kind-we-cannot-run")
const whisper = card("whisper-tiny", "language", "whisper")
const childKinds = ["wav2vec2-age-gender", "segment-features"]

describe("selectCard", () => {
  it("auto prefers the wav2vec2 child-voice model, skips kinds it cannot run, and falls back to the shipped one", () => {
    expect(selectCard("auto", "child-voice", [acoustic, someoneElses, learned], childKinds)).toBe(learned)
    expect(selectCard("auto", "child-voice", [someoneElses, acoustic], childKinds)).toBe(acoustic)
    expect(selectCard("auto", "child-voice", [], childKinds)).toBeNull()
  })

  it("a named model must be installed for that task; none means none", () => {
    expect(selectCard("child-voice-acoustic", "child-voice", [acoustic, learned], childKinds)).toBe(acoustic)
    expect(selectCard("whisper-tiny", "child-voice", [whisper], childKinds)).toBe("missing")
    expect(selectCard("auto", "language", [acoustic, whisper], ["whisper"])).toBe(whisper)
    expect(selectCard("auto", "language", [acoustic], ["whisper"])).toBeNull()
    expect(selectCard("none", "language", [whisper], ["whisper"])).toBeNull()
  })
})

describe("installedCards", () => {
  it.scoped("lists the cards in a folder, not its registry, temp files or other JSON", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("installed")
      const fixtures = join(import.meta.dirname, "..", "fixtures", "models")
      copyFileSync(join(fixtures, "tiny-whisper.json"), join(dir, "tiny-whisper.json"))
      copyFileSync(join(fixtures, "tiny-age-gender.json"), join(dir, "tiny-age-gender.json"))
      writeFileSync(join(dir, "registry.json"), JSON.stringify({ name: "r", task: "language" }))
      writeFileSync(join(dir, ".tiny.json.1.2.tmp"), "{")
      writeFileSync(join(dir, "notes.json"), JSON.stringify({ hello: 1 }))
      const cards = yield* installedCards(dir)
      expect(cards.map((c) => [c.name, c.task, c.kind])).toEqual([
        ["tiny-age-gender", "child-voice", "wav2vec2-age-gender"],
        ["tiny-whisper", "language", "whisper"]
      ])
      expect(yield* installedCards(join(dir, "absent"))).toEqual([])
    }))
})
