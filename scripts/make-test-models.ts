/**
 * Writes tiny ONNX models with the same input/output signatures as the real ones kidvoice runs
 * (audeering's wav2vec2 age/gender export; a Whisper encoder + decoder pair), and their cards,
 * into test/fixtures/models/. Their weights are made up: tests use them to run the real loading
 * and inference code, not to judge voices or languages.
 *
 *   npx tsx scripts/make-test-models.ts
 */
import { createHash } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
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

/**
 * Whisper-shaped decoders for transcription, in asr/ (apart, so `auto` in the folder above still finds only the
 * language card). They ignore the audio (a zero-weighted sum keeps the input in the graph) and read the next
 * token's logits from a fixed table at the current sequence length: `logits[0, i] = table[i + 1]`. So the real
 * loop, given the right 4-token prompt, must produce the expected tokens, and a wrong prompt length shifts them.
 * The vocabulary is byte-level BPE as Whisper's: "ĠdÄĽti" is " děti" (ě is the bytes C4 9B: `Ä` and `Ľ`).
 */
const asrOut = join(out, "asr")
mkdirSync(asrOut, { recursive: true })
const asrTokens = [
  "<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|cs|>", "<|transcribe|>", "<|notimestamps|>",
  "hello", "Ġworld", "Ġd", "ÄĽ", "ti", "Ġla", "<|0.00|>"
]
const asrId = (token: string) => asrTokens.indexOf(token)
const tableRows = 40
/** Row per sequence length; `picks[length]` is the winner (score 10), a timestamp scores 20 where `timestampAt` says. */
const tableOf = (picks: (length: number) => string, timestampAt: ReadonlyArray<number>) =>
  Array.from({ length: tableRows }, (_, length) =>
    asrTokens.map((token) => (token === picks(length) ? 10 : token === "<|0.00|>" && timestampAt.includes(length) ? 20 : 0))).flat()
// After <|startoftranscript|> (length 1) the language read-out favours Czech; lengths 2-3 (a short prompt) give "la".
const spoken = ["hello", "Ġworld", "Ġd", "ÄĽ", "ti"]
const helloTable = tableOf((length) => (length === 1 ? "<|cs|>" : length < 4 ? "Ġla" : spoken[length - 4] ?? "<|endoftext|>"), [4])
const loopTable = tableOf((length) => (length === 1 ? "<|cs|>" : length === 4 ? "hello" : "Ġla"), [])
const INT64_SCALAR = (name: string, value: number) => onnx.TensorProto.create({ name, dataType: INT64, dims: [], int64Data: [value] })
const tableDecoder = (name: string, table: ReadonlyArray<number>) =>
  writeModel(join("asr", `${name}.onnx`), onnx.GraphProto.create({
    name,
    input: [valueInfo("input_ids", INT64, [1, "tokens"]), valueInfo("encoder_hidden_states", FLOAT, [1, 1, nMels])],
    output: [valueInfo("logits", FLOAT, [1, "tokens", asrTokens.length])],
    initializer: [
      floats("table", [tableRows, asrTokens.length], table),
      INT64_SCALAR("one", 1),
      onnx.TensorProto.create({ name: "batch_axis", dataType: INT64, dims: [1], int64Data: [0] }),
      floats("zero", [], [0])
    ],
    node: [
      node("Shape", ["input_ids"], ["shape"]),
      node("Gather", ["shape", "one"], ["length"], { axis: 0 }),
      node("Add", ["length", "one"], ["limit"]),
      node("Range", ["one", "limit", "one"], ["positions"]),
      node("Gather", ["table", "positions"], ["rows"], { axis: 0 }),
      node("Unsqueeze", ["rows", "batch_axis"], ["batched"]),
      node("ReduceSum", ["encoder_hidden_states"], ["audio_sum"]),
      node("Mul", ["audio_sum", "zero"], ["no_audio"]),
      node("Add", ["batched", "no_audio"], ["logits"])
    ]
  }))
writeFileSync(join(asrOut, "tiny-whisper-asr-tokenizer.json"), `${JSON.stringify({
  version: "1.0",
  added_tokens: asrTokens.flatMap((content, id) => (content.startsWith("<|") ? [{ id, content, special: true }] : [])),
  model: { type: "BPE", vocab: Object.fromEntries(asrTokens.map((t, id) => [t, id]).filter(([t]) => !String(t).startsWith("<|"))), merges: [] }
}, null, 2)}\n`)
for (const [name, table] of [["tiny-whisper-asr", helloTable], ["tiny-whisper-loop", loopTable]] as const) {
  const sha256 = tableDecoder(`${name}-decoder`, table)
  writeCard(join("asr", `${name}-decoder.json`), { ...whisperCard("decoder", sha256, ["input_ids", "encoder_hidden_states"], ["logits"]), name: `${name}-decoder`, file: `${name}-decoder.onnx` })
  writeCard(join("asr", `${name}.json`), {
    name,
    task: "language",
    kind: "whisper",
    encoder: "../tiny-whisper-encoder.json",
    decoder: `${name}-decoder.json`,
    io: { features: "input_features", encoderOutput: "last_hidden_state", inputIds: "input_ids", encoderHidden: "encoder_hidden_states", logits: "logits" },
    tokens: { startOfTranscript: asrId("<|startoftranscript|>"), languages: { en: asrId("<|en|>"), cs: asrId("<|cs|>") } },
    transcription: {
      tokenizer: "tiny-whisper-asr-tokenizer.json",
      transcribe: asrId("<|transcribe|>"),
      noTimestamps: asrId("<|notimestamps|>"),
      endOfText: asrId("<|endoftext|>"),
      maxTokens: 32
    },
    source: "test fixture made by scripts/make-test-models.ts (decoder logits from a fixed table by sequence length)",
    licence: "MIT"
  })
}
