/**
 * Writes tiny ONNX models with the same input/output signatures as the real ones kidvoice runs
 * (audeering's wav2vec2 age/gender export; a Whisper encoder + decoder pair), and their cards,
 * into test/fixtures/models/. Their weights are made up: tests use them to run the real loading
 * and inference code, not to judge voices or languages.
 *
 *   npx tsx scripts/make-test-models.ts
 */
import { createHash } from "node:crypto"
import { writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import onnxProto from "onnx-proto"

const { onnx } = onnxProto
const out = join(dirname(fileURLToPath(import.meta.url)), "..", "test", "fixtures", "models")
const FLOAT = onnx.TensorProto.DataType.FLOAT
const INT64 = onnx.TensorProto.DataType.INT64

type Dim = number | string
const valueInfo = (name: string, elemType: number, dims: ReadonlyArray<Dim>) =>
  onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) }
      }
    }
  })
const floats = (name: string, dims: ReadonlyArray<number>, data: ReadonlyArray<number>) =>
  onnx.TensorProto.create({ name, dataType: FLOAT, dims: [...dims], floatData: [...data] })
const node = (opType: string, input: Array<string>, output: Array<string>, attrs: Record<string, number | Array<number>> = {}) =>
  onnx.NodeProto.create({
    opType,
    input,
    output,
    attribute: Object.entries(attrs).map(([name, v]) =>
      Array.isArray(v)
        ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v })
        : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v }))
  })

const writeModel = (file: string, graph: onnxProto.onnx.IGraphProto) => {
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: 8,
    producerName: "kidvoice scripts/make-test-models.ts",
    opsetImport: [{ domain: "", version: 13 }],
    graph
  })).finish()
  writeFileSync(join(out, file), bytes)
  return createHash("sha256").update(bytes).digest("hex")
}
const writeCard = (file: string, card: object) => writeFileSync(join(out, file), `${JSON.stringify(card, null, 2)}\n`)

/**
 * Age/gender: features = [mean(signal²), mean(|signal|)]; logits_gender = features·W + b over
 * [female, male, child]; logits_age = features·A + c; hidden_states = the features.
 * Loud audio leans to "child", quiet audio to "female" (the test computes the same numbers).
 */
const ageGenderWeights = {
  gender: { w: [[-4, 0, 8], [0, 1, 0]], b: [1, 0, -1] },
  age: { w: [[-1], [0.5]], b: [0.3] }
}
const ageGenderSha = writeModel("tiny-age-gender.onnx", onnx.GraphProto.create({
  name: "tiny-age-gender",
  input: [valueInfo("signal", FLOAT, [1, "samples"])],
  output: [
    valueInfo("hidden_states", FLOAT, [1, 2]),
    valueInfo("logits_age", FLOAT, [1, 1]),
    valueInfo("logits_gender", FLOAT, [1, 3])
  ],
  initializer: [
    floats("gender_w", [2, 3], ageGenderWeights.gender.w.flat()),
    floats("gender_b", [3], ageGenderWeights.gender.b),
    floats("age_w", [2, 1], ageGenderWeights.age.w.flat()),
    floats("age_b", [1], ageGenderWeights.age.b)
  ],
  node: [
    node("Mul", ["signal", "signal"], ["squared"]),
    node("ReduceMean", ["squared"], ["energy"], { axes: [1], keepdims: 1 }),
    node("Abs", ["signal"], ["magnitude"]),
    node("ReduceMean", ["magnitude"], ["level"], { axes: [1], keepdims: 1 }),
    node("Concat", ["energy", "level"], ["hidden_states"], { axis: 1 }),
    node("Gemm", ["hidden_states", "gender_w", "gender_b"], ["logits_gender"]),
    node("Gemm", ["hidden_states", "age_w", "age_b"], ["logits_age"])
  ]
}))
writeCard("tiny-age-gender.json", {
  name: "tiny-age-gender",
  task: "child-voice",
  kind: "wav2vec2-age-gender",
  file: "tiny-age-gender.onnx",
  sha256: ageGenderSha,
  sampleRate: 16000,
  windowSamples: 16000,
  inputs: ["signal"],
  outputs: ["hidden_states", "logits_age", "logits_gender"],
  io: { signal: "signal", age: "logits_age", gender: "logits_gender" },
  labels: ["female", "male", "child"],
  thresholds: { child: 0.5 },
  source: "test fixture made by scripts/make-test-models.ts (same signature as audeering's wav2vec2 age-gender ONNX export)",
  licence: "MIT"
})

/**
 * Whisper-shaped pair over a 6-token vocabulary: 0 <|startoftranscript|>, 1 <|en|>, 2 <|vi|>, 3 <|cs|>,
 * 4 <|notimestamps|>, 5 a text token. Encoder: the mean log-mel of each of the 80 bins, as [1, 1, 80].
 * Decoder: logits = embedding[input_ids] + hidden·W. W favours <|en|> on low mel bins (< 30, below ~1.2 kHz),
 * <|cs|> on the middle ones (30-49, ~1.2-2.5 kHz) and <|vi|> on high ones (50+); the embedding of
 * <|startoftranscript|> makes <|notimestamps|> the overall winner, which a language read-out must ignore.
 */
const vocab = 6
const nMels = 80
// 100 × the mean of each band, so silence and padding (equal in every band) favour none of them.
const projection = Array.from({ length: nMels }, (_, bin) =>
  [0, bin < 30 ? 100 / 30 : 0, bin >= 50 ? 100 / 30 : 0, bin >= 30 && bin < 50 ? 100 / 20 : 0, 0, 0])
const embedding = Array.from({ length: vocab }, (_, token) => (token === 0 ? [0, 0, 0, 0, 50, 0] : [0, 0, 0, 0, 0, 0]))
const encoderSha = writeModel("tiny-whisper-encoder.onnx", onnx.GraphProto.create({
  name: "tiny-whisper-encoder",
  input: [valueInfo("input_features", FLOAT, [1, nMels, 3000])],
  output: [valueInfo("last_hidden_state", FLOAT, [1, 1, nMels])],
  node: [
    node("ReduceMean", ["input_features"], ["pooled"], { axes: [2], keepdims: 1 }),
    node("Transpose", ["pooled"], ["last_hidden_state"], { perm: [0, 2, 1] })
  ]
}))
const decoderSha = writeModel("tiny-whisper-decoder.onnx", onnx.GraphProto.create({
  name: "tiny-whisper-decoder",
  input: [valueInfo("input_ids", INT64, [1, "tokens"]), valueInfo("encoder_hidden_states", FLOAT, [1, 1, nMels])],
  output: [valueInfo("logits", FLOAT, [1, "tokens", vocab])],
  initializer: [floats("projection", [nMels, vocab], projection.flat()), floats("embedding", [vocab, vocab], embedding.flat())],
  node: [
    node("Gather", ["embedding", "input_ids"], ["embedded"], { axis: 0 }),
    node("MatMul", ["encoder_hidden_states", "projection"], ["audio"]),
    node("Add", ["embedded", "audio"], ["logits"])
  ]
}))
const whisperCard = (part: "encoder" | "decoder", sha256: string, inputs: Array<string>, outputs: Array<string>) => ({
  name: `tiny-whisper-${part}`,
  task: "language-part",
  file: `tiny-whisper-${part}.onnx`,
  sha256,
  sampleRate: 16000,
  windowSamples: 480000,
  inputs,
  outputs,
  labels: [],
  thresholds: {},
  source: "test fixture made by scripts/make-test-models.ts (same input/output names as an optimum Whisper ONNX export)",
  licence: "MIT"
})
writeCard("tiny-whisper-encoder.json", whisperCard("encoder", encoderSha, ["input_features"], ["last_hidden_state"]))
writeCard("tiny-whisper-decoder.json", whisperCard("decoder", decoderSha, ["input_ids", "encoder_hidden_states"], ["logits"]))
writeCard("tiny-whisper.json", {
  name: "tiny-whisper",
  task: "language",
  kind: "whisper",
  encoder: "tiny-whisper-encoder.json",
  decoder: "tiny-whisper-decoder.json",
  io: { features: "input_features", encoderOutput: "last_hidden_state", inputIds: "input_ids", encoderHidden: "encoder_hidden_states", logits: "logits" },
  tokens: { startOfTranscript: 0, languages: { en: 1, vi: 2, cs: 3 } },
  source: "test fixture made by scripts/make-test-models.ts",
  licence: "MIT"
})
