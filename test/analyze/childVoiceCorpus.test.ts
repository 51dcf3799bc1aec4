import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { baseRecordings, variantsOf } from "../../scripts/childVoiceCorpus.js"

// The training corpus's split rules, checked on the recordings list itself (no audio is made): whatever packages are
// installed here, a speaker must never be on both sides, and no source of the hidden judge sets may be used.
describe("childVoiceCorpus", () => {
  it.effect("keeps every speaker on one side, the real child on the test side only, and later rounds' sources on the train side", () =>
    Effect.gen(function* () {
      const bases = yield* Effect.promise(() => baseRecordings())
      const sides = new Map<string, Set<string>>()
      for (const b of bases) sides.set(b.speaker, (sides.get(b.speaker) ?? new Set()).add(b.split))
      expect([...sides].filter(([, s]) => s.size > 1).map(([speaker]) => speaker)).toEqual([])
      expect(bases.filter((b) => b.child).every((b) => b.split === "test" && b.speaker === "krb")).toBe(true)
      expect(bases.filter((b) => b.round !== undefined && b.split !== "train")).toEqual([])
      expect(bases.filter((b) => /asterisk|klettres/i.test(b.source))).toEqual([])
      // The same ids on every call: the corpus (and every PRNG seeded by an id) is fixed by the packages.
      expect((yield* Effect.promise(() => baseRecordings())).map((b) => b.id)).toEqual(bases.map((b) => b.id))
      expect(new Set(bases.map((b) => b.id)).size).toBe(bases.length)
    }))

  it.effect("labels proxies child and adult variants adult, within their cent ranges, the same on every call", () =>
    Effect.gen(function* () {
      const adult = (yield* Effect.promise(() => baseRecordings())).find((b) => !b.child && b.proxies)!
      for (const sex of ["female", "male"] as const) {
        const variants = variantsOf(adult, sex)
        expect(variants.map((v) => [v.kind, v.child])).toEqual([["natural", false], ["adult-raised", false], ["proxy", true], ["proxy", true]])
        const [low, high] = sex === "female" ? [400, 900] : [1000, 1500]
        expect(variants.filter((v) => v.kind === "proxy").every((v) => v.cents >= low && v.cents <= high)).toBe(true)
        expect(variantsOf(adult, sex)).toEqual(variants)
      }
    }))
})
