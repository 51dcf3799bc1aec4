import { Data, Effect, Schema } from "effect"
import { promises as fs } from "node:fs"
import { dirname, join } from "node:path"
import { modelsDir } from "./ModelCard.js"

/**
 * The models kidvoice can install, with what to download and how to check it. Every file is pinned by
 * sha256 and size: an entry whose bytes nobody has checked does not belong here (models/README.md lists
 * known sources waiting to be pinned, and how to pin one).
 */

/** A plain file name: nothing a registry says can write outside the models folder. */
const FileName = Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/), Schema.filter((n) => n !== "registry.json" || "registry.json is reserved"))

export class RegistryFile extends Schema.Class<RegistryFile>("RegistryFile")({
  /** Name in the models folder; the card refers to it by this name. */
  name: FileName,
  url: Schema.String.pipe(Schema.pattern(/^https?:\/\//)),
  sha256: Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/)),
  size: Schema.Int.pipe(Schema.positive())
}) {}

export const ModelTask = Schema.Literal("child-voice", "language", "vad")

export class RegistryEntry extends Schema.Class<RegistryEntry>("RegistryEntry")({
  name: Schema.String.pipe(Schema.pattern(/^[a-z0-9][a-z0-9._-]*$/)),
  task: ModelTask,
  description: Schema.String,
  files: Schema.NonEmptyArray(RegistryFile),
  /** Model cards shipped beside the registry, copied into the models folder once the files are in place; the first one selects the model. */
  cards: Schema.NonEmptyArray(FileName),
  licence: Schema.String,
  /** Where the model comes from: the page to read before using it. */
  source: Schema.String
}) {}

export class Registry extends Schema.Class<Registry>("Registry")({
  about: Schema.optional(Schema.String),
  models: Schema.Array(RegistryEntry).pipe(
    Schema.filter((entries) => {
      const names = entries.map((e) => e.name)
      const twice = names.find((n, i) => names.indexOf(n) !== i)
      return twice === undefined || `model ${twice} is listed twice`
    })
  )
}) {}

export const defaultRegistryPath = join(modelsDir, "registry.json")

export class RegistryError extends Data.TaggedError("RegistryError")<{ readonly path: string; readonly reason: string }> {
  override get message() {
    return `cannot read the model registry ${this.path}: ${this.reason}`
  }
}

export class UnknownModel extends Data.TaggedError("UnknownModel")<{ readonly name: string; readonly registry: string; readonly known: ReadonlyArray<string> }> {
  override get message() {
    return `no model named ${this.name} in ${this.registry}; ` +
      (this.known.length === 0 ? "it lists none" : `known: ${this.known.join(", ")}`)
  }
}

export interface LoadedRegistry {
  readonly path: string
  readonly registry: Registry
  /** Where the entries' cards are. */
  readonly cardsDir: string
}

export const readRegistry = (path: string = defaultRegistryPath) =>
  Effect.gen(function* () {
    const text = yield* Effect.tryPromise({ try: () => fs.readFile(path, "utf8"), catch: (e) => new RegistryError({ path, reason: String(e) }) })
    const registry = yield* Schema.decodeUnknown(Schema.parseJson(Registry), { onExcessProperty: "error" })(text).pipe(
      Effect.mapError((e) => new RegistryError({ path, reason: e.message }))
    )
    return { path, registry, cardsDir: dirname(path) } satisfies LoadedRegistry
  })

export const findEntry = (loaded: LoadedRegistry, name: string) => {
  const entry = loaded.registry.models.find((m) => m.name === name)
  return entry
    ? Effect.succeed(entry)
    : Effect.fail(new UnknownModel({ name, registry: loaded.path, known: loaded.registry.models.map((m) => m.name) }))
}
