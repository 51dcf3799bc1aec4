import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { baseRecordings, eightKHzTwin, inRound, sideIn, variantsOf } from "../../scripts/childVoiceCorpus.js"

// The training corpus's split rules, checked on the recordings list itself (no audio is made): whatever packages are
// installed here, a speaker must never be on both sides, and no source of the hidden judge sets may be used.
describe("childVoiceCorpus", () => {
  it.effect("keeps every speaker on one side in every round, the real child and each round's fresh speakers on the test side", () =>
    Effect.gen(function* () {
      const bases = yield* Effect.promise(() => baseRecordings())
      for (const round of [3, 4, 5, 6, 7, 8]) {
        const sides = new Map<string, Set<string>>()
        for (const b of bases.filter((b) => inRound(b, round))) sides.set(b.speaker, (sides.get(b.speaker) ?? new Set()).add(sideIn(b, round)))
        expect([...sides].filter(([, s]) => s.size > 1).map(([speaker]) => speaker)).toEqual([])
      }
      expect(bases.filter((b) => b.child).every((b) => b.split === "test" && b.speaker === "krb" && b.trainFrom === undefined)).toBe(true)
      // A later round's source is trained on, or is that round's fresh test side: never trained on in its own round.
      for (const b of bases.filter((b) => b.round !== undefined)) {
        if (b.split === "train") expect(b.trainFrom).toBeUndefined()
        else expect(b.trainFrom ?? Infinity).toBeGreaterThan(b.round!)
      }
      // The hidden judge sets' sources are never used; other prompt packages only as a test side, never trained on.
      expect(bases.filter((b) => /asterisk-core-sounds|klettres/i.test(b.source))).toEqual([])
      expect(bases.filter((b) => /asterisk/i.test(b.source) && (b.split !== "test" || b.trainFrom !== undefined))).toEqual([])
      // The same ids on every call: the corpus (and every PRNG seeded by an id) is fixed by the packages.
      expect((yield* Effect.promise(() => baseRecordings())).map((b) => b.id)).toEqual(bases.map((b) => b.id))
      expect(new Set(bases.map((b) => b.id)).size).toBe(bases.length)
    }))

  it("sides: a fresh test speaker is on the test side in its round and on the train side from its trainFrom round", () => {
    const fresh = { split: "test", round: 6, trainFrom: 7 } as const
    const base = { id: "x", speaker: "x", child: false, sex: "female", real: true, language: "la", source: "s", licence: "l", proxies: true, make: async () => {} } as const
    expect([5, 6, 7, 8].map((round) => [inRound({ ...base, ...fresh }, round), sideIn({ ...base, ...fresh }, round)])).toEqual([[false, "test"], [true, "test"], [true, "train"], [true, "train"]])
    expect(sideIn({ ...base, split: "test" }, 7)).toBe("test")
  })

  it.effect("makes an 8 kHz twin of a variant: same speaker, kind, shift and label, its own id, an 8 kHz condition", () =>
    Effect.gen(function* () {
      const adult = (yield* Effect.promise(() => baseRecordings())).find((b) => !b.child && b.proxies)!
      const variants = variantsOf(adult, "female")
      const twins = variants.map(eightKHzTwin)
      expect(twins.map((t) => [t.kind, t.cents, t.child, t.base])).toEqual(variants.map((v) => [v.kind, v.cents, v.child, v.base]))
      expect(twins.map((t) => t.id)).toEqual(variants.map((v) => `${v.id}.8k`))
      expect(twins.every((t) => t.condition === "8k" || t.condition === "8k-ulaw")).toBe(true)
      expect(variants.map(eightKHzTwin)).toEqual(twins)
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
