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
