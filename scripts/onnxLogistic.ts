/**
 * Writes a standardised classifier over feature vectors as an ONNX model (protobuf via onnx-proto):
 * features [N, F] → (x − mean) / std → [tanh(· W1 + b1)] → · weights + bias → Sigmoid → [N, 1].
 * Without a hidden layer it is a logistic regression. Used by scripts/train-child-voice.ts only; the shipped
 * runtime just reads the file.
 */
import onnxProto from "onnx-proto"

// onnx-proto is CommonJS: its namespace comes through the default export.
const { onnx } = onnxProto

export interface LogisticModel {
  readonly mean: ReadonlyArray<number>
  readonly std: ReadonlyArray<number>
  /** One tanh layer before the output, or none: `weights` [F × H] row-major, `bias` [H]. */
  readonly hidden?: { readonly weights: ReadonlyArray<number>; readonly bias: ReadonlyArray<number> } | undefined
  /** Output weights over the standardised features (no hidden layer) or over the hidden units. */
  readonly weights: ReadonlyArray<number>
  readonly bias: number
}

const tensor = (name: string, dims: ReadonlyArray<number>, values: ReadonlyArray<number>) =>
  onnx.TensorProto.create({ name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [...values] })

const floatInfo = (name: string, dims: ReadonlyArray<number | string>) =>
  onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d }))
        })
      })
    })
  })

const node = (opType: string, inputs: ReadonlyArray<string>, output: string) =>
  onnx.NodeProto.create({ opType, input: [...inputs], output: [output], name: output })

/**
 * Several one-hidden-layer networks over the same standardisation as one network whose logit is the mean of
 * theirs: the hidden layer holds every member's units side by side, the output weights are divided by the
 * number of members. The ONNX graph keeps its shape, so a bagged ensemble costs one MatMul like a single net.
 */
export const averageNetworks = (members: ReadonlyArray<LogisticModel>): LogisticModel => {
  const first = members[0]
  if (!first?.hidden) throw new Error("averageNetworks needs at least one network with a hidden layer")
  const f = first.mean.length
  const widths = members.map((m) => {
    if (!m.hidden || m.mean.some((v, j) => v !== first.mean[j]) || m.std.some((v, j) => v !== first.std[j])) {
      throw new Error("averageNetworks needs networks with a hidden layer and the same standardisation")
    }
    return m.hidden.bias.length
  })
  const width = widths.reduce((a, b) => a + b, 0)
  const weights = new Array<number>(f * width)
  let offset = 0
  members.forEach((m, i) => {
    const h = widths[i]!
    for (let j = 0; j < f; j++) for (let k = 0; k < h; k++) weights[j * width + offset + k] = m.hidden!.weights[j * h + k]!
    offset += h
  })
  return {
    mean: first.mean,
    std: first.std,
    hidden: { weights, bias: members.flatMap((m) => [...m.hidden!.bias]) },
    weights: members.flatMap((m) => m.weights.map((w) => w / members.length)),
    bias: members.reduce((sum, m) => sum + m.bias, 0) / members.length
  }
}

export const logisticOnnx = (model: LogisticModel, input: string, output: string, docString: string): Uint8Array => {
  const f = model.mean.length
  const h = model.hidden ? model.hidden.bias.length : 0
  const head = model.hidden
    ? [
      node("MatMul", ["standardised", "hidden_weights"], "hidden_weighted"),
      node("Add", ["hidden_weighted", "hidden_bias"], "hidden_logit"),
      node("Tanh", ["hidden_logit"], "hidden")
    ]
    : []
  const graph = onnx.GraphProto.create({
    name: "child_voice_classifier",
    node: [
      node("Sub", [input, "mean"], "centred"),
      node("Div", ["centred", "std"], "standardised"),
      ...head,
      node("MatMul", [model.hidden ? "hidden" : "standardised", "weights"], "weighted"),
      node("Add", ["weighted", "bias"], "logit"),
      node("Sigmoid", ["logit"], output)
    ],
    initializer: [
      tensor("mean", [f], model.mean),
      tensor("std", [f], model.std),
      ...(model.hidden ? [tensor("hidden_weights", [f, h], model.hidden.weights), tensor("hidden_bias", [h], model.hidden.bias)] : []),
      tensor("weights", [model.hidden ? h : f, 1], model.weights),
      tensor("bias", [1], [model.bias])
    ],
    input: [floatInfo(input, ["N", f])],
    output: [floatInfo(output, ["N", 1])]
  })
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    producerName: "kidvoice scripts/train-child-voice.ts",
    docString,
    graph
  })
  return onnx.ModelProto.encode(proto).finish()
}
