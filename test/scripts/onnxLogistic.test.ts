import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import ort from "onnxruntime-node"
import { logisticOnnx } from "../../scripts/onnxLogistic.js"

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
})
