import { Args, Command, Options } from "@effect/cli"
import { Config, Console, Effect, HashMap, Option } from "effect"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import { modelsDir as shippedModelsDir } from "../analyze/ModelCard.js"
import type { DownloadProgress, InstalledFile } from "../analyze/ModelInstaller.js"
import { defaultRegistryPath, lockPathOf, readRegistry, type RegistryEntry } from "../analyze/ModelRegistry.js"
import { onFirstUse, provideFrom } from "./lazy.js"

// Loaded when a models command runs, not at every start (src/cli/lazy.ts).
const installedModels = onFirstUse(() => import("../analyze/installedModels.js"))
const modelInstaller = onFirstUse(() => import("../analyze/ModelInstaller.js"))
const modelLock = onFirstUse(() => import("../analyze/ModelLock.js"))
const nodeHttpClient = onFirstUse(() => import("@effect/platform-node/NodeHttpClient"))

const registryOption = Options.file("registry", { exists: "yes" }).pipe(
  Options.withDescription(`the registry of installable models (default ${defaultRegistryPath})`),
  Options.withDefault(defaultRegistryPath)
)
const modelsDirOption = Options.text("models-dir").pipe(
  Options.withDescription(`folder models are installed into and read from; give run/analyze the same --models-dir (default ${shippedModelsDir})`),
  Options.withDefault(shippedModelsDir)
)

const lockOption = Options.file("lock").pipe(
  Options.withDescription("the lock file of sha256/size recorded at first install (default: registry.lock.json beside the registry)"),
  Options.optional
)

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`

/** Every file of the entry is in the folder with the size the registry or the lock gives (a full check is the card's sha256 at load). */
const isPresent = (dir: string, entry: RegistryEntry, lockedSize: (url: string) => number | undefined) =>
  Effect.forEach(entry.files, (f) =>
    Effect.promise(() => fs.stat(join(dir, f.name)).then((s) => s.size === (f.size ?? lockedSize(f.url) ?? s.size), () => false))
  ).pipe(Effect.map((present) => present.every(Boolean)))

/** One progress line of a download, e.g. `whisper-tiny-encoder.onnx  12.3 / 32.9 MB  37%`. Pure. */
export const progressLine = (p: DownloadProgress) =>
  p.total === null
    ? `${p.file}  ${megabytes(p.received)}`
    : `${p.file}  ${megabytes(p.received)} / ${megabytes(p.total)}  ${Math.floor((100 * p.received) / p.total)}%`

/** Download progress redrawn in place on a terminal (at most ~10 times a second); nothing when stderr is not one. */
const terminalProgress = () => {
  if (process.stderr.isTTY !== true || process.env["CI"]) return undefined
  let shownAt = 0
  return (p: DownloadProgress) =>
    Effect.sync(() => {
      const now = Date.now()
      const done = p.total !== null && p.received >= p.total
      if (!done && now - shownAt < 100) return
      shownAt = now
      process.stderr.write(`\r\x1b[K${progressLine(p)}${done ? "\n" : ""}`)
    })
}

const describeFile = (f: InstalledFile, lockPath: string) => {
  const trust = f.trust === "recorded"
    ? `recorded in ${lockPath}${f.checkedBy.length === 0 ? " (first install, trusted as downloaded: commit the lock so other installs verify against it)" : ` (checked against ${f.checkedBy.join(", ")})`}`
    : `verified against ${f.checkedBy.join(", ")}`
  return [
    `${f.status === "present" ? "present   " : "downloaded"}  ${f.path}`,
    `            sha256 ${f.sha256}  ${f.size} bytes  ${trust}`
  ]
}

const list = Command.make("list", { registry: registryOption, modelsDir: modelsDirOption, lock: lockOption }, ({ registry, modelsDir, lock }) =>
  Effect.gen(function* () {
    const loaded = yield* readRegistry(registry)
    const { readLock } = yield* modelLock
    const locked = yield* readLock(Option.getOrElse(lock, () => lockPathOf(registry)))
    const lines = [`registry  ${loaded.path}`]
    if (loaded.registry.models.length === 0) lines.push("  (no models)")
    const lockedSize = (url: string) => locked.files[url]?.size
    for (const entry of loaded.registry.models) {
      const sizes = entry.files.map((f) => f.size ?? lockedSize(f.url))
      const size = sizes.every((s) => s !== undefined) ? megabytes(sizes.reduce((sum: number, s) => sum + s!, 0)) : "size unknown until first install"
      const state = (yield* isPresent(modelsDir, entry, lockedSize)) ? "installed" : "not installed"
      const gate = entry.licenceMustBeAccepted ? " (install with --accept-licence)" : ""
      lines.push(
        `  ${entry.name}  ${entry.task}  ${size}  ${state}`,
        `    ${entry.description}`,
        `    licence: ${entry.licence}${entry.licenceUrl ? ` ${entry.licenceUrl}` : ""}${gate}`,
        `    source:  ${entry.source}`
      )
    }
    lines.push(`installed in ${modelsDir}`)
    const { installedCards } = yield* installedModels
    for (const card of yield* installedCards(modelsDir)) lines.push(`  ${card.name}  ${card.task}${card.kind ? ` (${card.kind})` : ""}`)
    yield* Console.log(lines.join("\n"))
  })).pipe(Command.withDescription("the models the registry offers, and the model cards installed"))

const install = Command.make("install", {
  name: Args.text({ name: "NAME" }).pipe(Args.withDescription("a model name from `kidvoice models list`")),
  registry: registryOption,
  modelsDir: modelsDirOption,
  lock: lockOption,
  acceptLicence: Options.boolean("accept-licence").pipe(
    Options.withDescription("accept the model's licence (required for licences that restrict use, such as CC-BY-NC-SA-4.0: non-commercial only)")
  ),
  sha256: Options.keyValueMap("sha256").pipe(
    Options.withDescription("pin a file up front: --sha256 FILE=HEX (FILE as `models list` names it; repeat for several); the download must match it"),
    Options.optional
  ),
  mirror: Options.text("mirror").pipe(
    Options.withDescription("download from this base URL instead of the registry's host, same paths (a mirror, a local server; env KIDVOICE_MODEL_MIRROR)"),
    Options.withFallbackConfig(Config.string("KIDVOICE_MODEL_MIRROR")),
    Options.optional
  )
}, ({ name, registry, modelsDir, lock, acceptLicence, sha256, mirror }) =>
  Effect.gen(function* () {
    const { installModel } = yield* modelInstaller
    const result = yield* installModel(yield* readRegistry(registry), name, {
      modelsDir,
      lockPath: Option.getOrUndefined(lock),
      pins: Option.match(sha256, { onNone: () => ({}), onSome: (pins) => Object.fromEntries(HashMap.toEntries(pins)) }),
      acceptLicence,
      mirror: Option.getOrNull(mirror),
      onProgress: terminalProgress()
    })
    yield* Console.log([
      ...result.files.flatMap((f) => describeFile(f, result.lockPath)),
      ...result.cards.map((c) => `card        ${c}`),
      // The licence binds whoever uses the weights: say it every time, not only in the docs.
      `licence     ${result.entry.licence}${result.entry.licenceUrl ? ` ${result.entry.licenceUrl}` : ""}`,
      `source      ${result.entry.source}`
    ].join("\n"))
  }).pipe(provideFrom(nodeHttpClient, (http) => http.layerUndici))).pipe(
  Command.withDescription(
    "download a model's files at their pinned revision, check each against --sha256, the registry and the lock file " +
      "(a first install records its sha256 and size there), and put them and their cards in the models folder"
  )
)

export const modelsCommand = Command.make("models").pipe(
  Command.withDescription("list and install the models that score child voices and identify languages"),
  Command.withSubcommands([list, install])
)
