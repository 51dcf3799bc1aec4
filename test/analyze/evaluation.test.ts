import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { bestF1, metricsAt, rocAuc, thresholdSweep } from "../../src/analyze/evaluation.js"

const items = fc.array(fc.record({ score: fc.double({ min: 0, max: 1, noNaN: true }), positive: fc.boolean() }), { maxLength: 60 })

describe("metricsAt", () => {
  it("counts a score at the threshold as positive and derives precision, recall, F1", () => {
    const m = metricsAt([
      { score: 0.9, positive: true },
      { score: 0.5, positive: true },
      { score: 0.2, positive: true },
      { score: 0.6, positive: false },
      { score: 0.1, positive: false }
    ], 0.5)
    expect(m).toMatchObject({ truePositives: 2, falseNegatives: 1, falsePositives: 1, trueNegatives: 1 })
    expect(m.precision).toBeCloseTo(2 / 3)
    expect(m.recall).toBeCloseTo(2 / 3)
    expect(m.f1).toBeCloseTo(2 / 3)
    expect(m.accuracy).toBeCloseTo(3 / 5)
    expect(m.falsePositiveRate).toBeCloseTo(1 / 2)
  })

  it("is 0, not NaN, with nothing to divide by", () => {
    const m = metricsAt([{ score: 0.1, positive: false }], 0.5)
    expect([m.precision, m.recall, m.f1, m.falsePositiveRate]).toEqual([0, 0, 0, 0])
  })

  it.prop("every item is counted once, and recall never rises with the threshold", [items], ([list]) => {
    const sweep = thresholdSweep(list)
    expect(sweep.map((m) => m.threshold)).toEqual(Array.from({ length: 19 }, (_, i) => Number(((i + 1) * 0.05).toFixed(10))))
    for (const m of sweep) expect(m.truePositives + m.falsePositives + m.trueNegatives + m.falseNegatives).toBe(list.length)
    for (let i = 1; i < sweep.length; i++) expect(sweep[i]!.recall).toBeLessThanOrEqual(sweep[i - 1]!.recall)
  })

  it.prop("the best-F1 row has the highest F1 of the sweep, the lowest threshold on a tie", [items], ([list]) => {
    const sweep = thresholdSweep(list)
    const best = bestF1(sweep)!
    expect(best.f1).toBe(Math.max(...sweep.map((m) => m.f1)))
    expect(sweep.find((m) => m.f1 === best.f1)).toBe(best)
  })
})

describe("rocAuc", () => {
  it("is 1 for a perfect ranking, 0 for a reversed one, 0.5 for ties or a missing class", () => {
    expect(rocAuc([{ score: 0.9, positive: true }, { score: 0.1, positive: false }])).toBe(1)
    expect(rocAuc([{ score: 0.1, positive: true }, { score: 0.9, positive: false }])).toBe(0)
    expect(rocAuc([{ score: 0.5, positive: true }, { score: 0.5, positive: false }])).toBe(0.5)
    expect(rocAuc([{ score: 0.5, positive: true }])).toBe(0.5)
  })

  it.prop("equals the share of positive-negative pairs ranked right (ties half)", [items], ([list]) => {
    const positives = list.filter((i) => i.positive)
    const negatives = list.filter((i) => !i.positive)
    if (positives.length === 0 || negatives.length === 0) return
    let wins = 0
    for (const p of positives) for (const n of negatives) wins += p.score > n.score ? 1 : p.score === n.score ? 0.5 : 0
    expect(rocAuc(list)).toBeCloseTo(wins / (positives.length * negatives.length), 10)
  })
})
