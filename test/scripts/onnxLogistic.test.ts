import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import ort from "onnxruntime-node"
import { averageNetworks, type LogisticModel, logisticOnnx } from "../../scripts/onnxLogistic.js"

describe("logisticOnnx", () => {
  it.effect("writes a model onnxruntime runs to sigmoid(((x - mean) / std) · w + b) for every row", () =>
    Effect.gen(function* () {
      const model = { mean: [1, -2, 0.5], std: [2, 0.5, 1], weights: [0.7, -1.2, 0.3], bias: -0.4 }
      const session = yield* Effect.acquireRelease(
        Effect.promise(() => ort.InferenceSession.create(logisticOnnx(model, "features", "child_probability", "test"))),
        (s) => Effect.promise(() => s.release())
      )
      expect(session.inputNames).toEqual(["features"])
      expect(session.outputNames).toEqual(["child_probability"])
      const rows = [[0, 0, 0], [1, -2, 0.5], [3, 1, -2], [-5, 4, 9]]
      const result = yield* Effect.promise(() => session.run({ features: new ort.Tensor("float32", Float32Array.from(rows.flat()), [rows.length, 3]) }))
      const output = result["child_probability"]!
      expect(output.dims).toEqual([rows.length, 1])
      rows.forEach((x, i) => {
        const logit = x.reduce((sum, v, j) => sum + ((v - model.mean[j]!) / model.std[j]!) * model.weights[j]!, model.bias)
        expect((output.data as Float32Array)[i]!).toBeCloseTo(1 / (1 + Math.exp(-logit)), 5)
      })
    }).pipe(Effect.scoped))

  it.effect("runs averaged networks as one: the probability of the mean of the members' logits", () =>
    Effect.gen(function* () {
      const scale = { mean: [1, -2], std: [2, 0.5] }
      // Two members of different widths: 2 hidden units, then 1.
      const members: Array<LogisticModel> = [
        { ...scale, hidden: { weights: [0.5, -0.3, 0.8, 0.1], bias: [0.2, -0.1] }, weights: [1.5, -0.7], bias: 0.3 },
        { ...scale, hidden: { weights: [-0.4, 0.9], bias: [0.05] }, weights: [2.1], bias: -0.6 }
      ]
      const memberLogit = (m: LogisticModel, x: ReadonlyArray<number>) => {
        const h = m.hidden!.bias.length
        const z = x.map((v, j) => (v - m.mean[j]!) / m.std[j]!)
        return m.weights.reduce((sum, w, k) => sum + w * Math.tanh(z.reduce((a, v, j) => a + v * m.hidden!.weights[j * h + k]!, m.hidden!.bias[k]!)), m.bias)
      }
      const session = yield* Effect.acquireRelease(
        Effect.promise(() => ort.InferenceSession.create(logisticOnnx(averageNetworks(members), "features", "p", "test"))),
        (s) => Effect.promise(() => s.release())
      )
      const rows = [[0, 0], [1, -2], [3, 1], [-5, 4]]
      const result = yield* Effect.promise(() => session.run({ features: new ort.Tensor("float32", Float32Array.from(rows.flat()), [rows.length, 2]) }))
      rows.forEach((x, i) => {
        const logit = members.reduce((sum, m) => sum + memberLogit(m, x), 0) / members.length
        expect((result["p"]!.data as Float32Array)[i]!).toBeCloseTo(1 / (1 + Math.exp(-logit)), 5)
      })
    }).pipe(Effect.scoped))

  it("refuses networks with different standardisations", () => {
    const net = (mean: Array<number>): LogisticModel => ({ mean, std: [1], hidden: { weights: [1], bias: [0] }, weights: [1], bias: 0 })
    expect(() => averageNetworks([net([0]), net([1])])).toThrow(/same standardisation/)
  })
})
