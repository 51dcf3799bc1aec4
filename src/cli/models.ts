import { Args, Command, Options } from "@effect/cli"
import { Console, Effect } from "effect"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import { modelsDir as shippedModelsDir } from "../analyze/ModelCard.js"
import { defaultRegistryPath, readRegistry, type RegistryEntry } from "../analyze/ModelRegistry.js"
import { onFirstUse, provideFrom } from "./lazy.js"

// Loaded when a models command runs, not at every start (src/cli/lazy.ts).
const installedModels = onFirstUse(() => import("../analyze/installedModels.js"))
const modelInstaller = onFirstUse(() => import("../analyze/ModelInstaller.js"))
const nodeHttpClient = onFirstUse(() => import("@effect/platform-node/NodeHttpClient"))

const registryOption = Options.file("registry", { exists: "yes" }).pipe(
  Options.withDescription(`the registry of installable models (default ${defaultRegistryPath})`),
  Options.withDefault(defaultRegistryPath)
)
const modelsDirOption = Options.text("models-dir").pipe(
  Options.withDescription(`folder models are installed into and read from; give run/analyze the same --models-dir (default ${shippedModelsDir})`),
  Options.withDefault(shippedModelsDir)
)

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`

const isPresent = (dir: string, entry: RegistryEntry) =>
  Effect.forEach(entry.files, (f) => Effect.promise(() => fs.stat(join(dir, f.name)).then((s) => s.size === f.size, () => false))).pipe(
    Effect.map((present) => present.every(Boolean))
  )

const list = Command.make("list", { registry: registryOption, modelsDir: modelsDirOption }, ({ registry, modelsDir }) =>
  Effect.gen(function* () {
    const loaded = yield* readRegistry(registry)
    const lines = [`registry  ${loaded.path}`]
    if (loaded.registry.models.length === 0) lines.push("  (no pinned models; models/README.md lists known sources and how to pin one)")
    for (const entry of loaded.registry.models) {
      const size = entry.files.reduce((sum, f) => sum + f.size, 0)
      const state = (yield* isPresent(modelsDir, entry)) ? "installed" : "not installed"
      lines.push(`  ${entry.name}  ${entry.task}  ${megabytes(size)}  ${state}`, `    ${entry.description}`, `    licence: ${entry.licence}`, `    source:  ${entry.source}`)
    }
    lines.push(`installed in ${modelsDir}`)
    const { installedCards } = yield* installedModels
    for (const card of yield* installedCards(modelsDir)) lines.push(`  ${card.name}  ${card.task}${card.kind ? ` (${card.kind})` : ""}`)
    yield* Console.log(lines.join("\n"))
  })).pipe(Command.withDescription("the models the registry offers, and the model cards installed"))

const install = Command.make("install", {
  name: Args.text({ name: "NAME" }).pipe(Args.withDescription("a model name from `kidvoice models list`")),
  registry: registryOption,
  modelsDir: modelsDirOption
}, ({ name, registry, modelsDir }) =>
  Effect.gen(function* () {
    const { installModel } = yield* modelInstaller
    const result = yield* installModel(yield* readRegistry(registry), name, modelsDir)
    yield* Console.log([
      ...result.files.map((f) => `${f.status === "present" ? "present   " : "downloaded"}  ${f.path}`),
      ...result.cards.map((c) => `card        ${c}`),
      // The licence binds whoever uses the weights: say it every time, not only in the docs.
      `licence     ${result.entry.licence}`,
      `source      ${result.entry.source}`
    ].join("\n"))
  }).pipe(provideFrom(nodeHttpClient, (http) => http.layerUndici))).pipe(
  Command.withDescription("download a model's files, check each against its pinned sha256, and put them and its card in the models folder")
)

export const modelsCommand = Command.make("models").pipe(
  Command.withDescription("list and install the models that score child voices and identify languages"),
  Command.withSubcommands([list, install])
)
