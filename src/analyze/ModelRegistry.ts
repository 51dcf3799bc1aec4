import { Data, Effect, Schema } from "effect"
import { promises as fs } from "node:fs"
import { dirname, join } from "node:path"
import { modelsDir } from "./ModelCard.js"

/**
 * The models kidvoice can install, with what to download and how to check it. Every URL names an immutable
 * revision (a hub commit), so the bytes behind it cannot change. A file's sha256 and size may be pinned here
 * by someone who checked them; otherwise the first install records them in the lock file (trust on first
 * use, see ModelLock.ts) and every later install is checked against that.
 */

/** A plain file name: nothing a registry says can write outside the models folder. */
const FileName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/),
  Schema.filter((n) => (n !== "registry.json" && n !== "registry.lock.json") || `${n} is reserved`)
)

/**
 * Why a URL does not name an immutable revision, or null when it does. On the Hugging Face hub only
 * `/resolve/<40-hex commit>/` is immutable: a branch or tag (`main`, `v1`) can be moved to other bytes.
 */
export const mutableRevisionReason = (url: string): string | null => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `${url} is not a URL`
  }
  if (parsed.hostname !== "huggingface.co" && !parsed.hostname.endsWith(".huggingface.co")) return null
  return /^\/[^/]+\/[^/]+\/resolve\/[0-9a-f]{40}\/./.test(parsed.pathname)
    ? null
    : `${url} does not pin a hub commit: use https://huggingface.co/<repo>/resolve/<40-hex commit>/<file>, never a branch such as main`
}

export const Sha256Hex = Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/, { message: () => "a sha256 is 64 lower-case hex digits" }))

export class RegistryFile extends Schema.Class<RegistryFile>("RegistryFile")({
  /** Name in the models folder; the card refers to it by this name. */
  name: FileName,
  url: Schema.String.pipe(Schema.pattern(/^https?:\/\//), Schema.filter((url) => mutableRevisionReason(url) ?? true)),
  /** Pinned by someone who checked the bytes; without it the lock file's record (first install) is the check. */
  sha256: Schema.optional(Sha256Hex),
  size: Schema.optional(Schema.Int.pipe(Schema.positive()))
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
  /** The licence's text, printed with it. */
  licenceUrl: Schema.optional(Schema.String),
  /** The licence restricts use (non-commercial): install only with `--accept-licence`. */
  licenceMustBeAccepted: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** Where the model comes from: the page to read before using it. */
  source: Schema.String
}) {}

export class Registry extends Schema.Class<Registry>("Registry")({
  about: Schema.optional(Schema.String),
  /** Folder of the entries' card templates, beside the registry (default: the registry's own folder). */
  cardsDir: Schema.optional(FileName),
  models: Schema.Array(RegistryEntry).pipe(
    Schema.filter((entries) => {
      const names = entries.map((e) => e.name)
      const twice = names.find((n, i) => names.indexOf(n) !== i)
      return twice === undefined || `model ${twice} is listed twice`
    })
  )
}) {}

export const defaultRegistryPath = join(modelsDir, "registry.json")

/** The lock file lives beside the registry it locks, like package-lock.json beside package.json (see ModelLock.ts). */
export const lockPathOf = (registryPath: string) => join(dirname(registryPath), "registry.lock.json")

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
    return { path, registry, cardsDir: join(dirname(path), registry.cardsDir ?? ".") } satisfies LoadedRegistry
  })

export const findEntry = (loaded: LoadedRegistry, name: string) => {
  const entry = loaded.registry.models.find((m) => m.name === name)
  return entry
    ? Effect.succeed(entry)
    : Effect.fail(new UnknownModel({ name, registry: loaded.path, known: loaded.registry.models.map((m) => m.name) }))
}
