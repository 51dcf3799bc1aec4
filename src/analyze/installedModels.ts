import { Data, Effect, Option, Schema } from "effect"
import { promises as fs } from "node:fs"
import { join } from "node:path"

/** What every card says about itself, whatever its backend: enough to choose one. */
const CardHeader = Schema.Struct({ name: Schema.String, task: Schema.String, kind: Schema.optional(Schema.String) })

export interface InstalledCard {
  readonly name: string
  readonly task: string
  readonly kind: string | null
  readonly path: string
}

/** The model cards in a models folder (its registry.json and files that are not cards are not). */
export const installedCards = (modelsDir: string) =>
  Effect.gen(function* () {
    const names = yield* Effect.promise(() => fs.readdir(modelsDir).catch(() => [] as Array<string>))
    const cards = yield* Effect.forEach(
      names.filter((n) => n.endsWith(".json") && n !== "registry.json" && !n.startsWith(".")).sort(),
      (name) =>
        Effect.promise(() => fs.readFile(join(modelsDir, name), "utf8").catch(() => "")).pipe(
          Effect.map((text) => Schema.decodeUnknownOption(Schema.parseJson(CardHeader))(text)),
          Effect.map(Option.map((h): InstalledCard => ({ name: h.name, task: h.task, kind: h.kind ?? null, path: join(modelsDir, name) })))
        )
    )
    return cards.flatMap(Option.toArray)
  })

export class ModelNotInstalled extends Data.TaggedError("ModelNotInstalled")<{
  readonly name: string
  readonly task: string
  readonly modelsDir: string
  readonly installed: ReadonlyArray<string>
}> {
  override get message() {
    return `no ${this.task} model named ${this.name} in ${this.modelsDir} ` +
      `(installed: ${this.installed.length === 0 ? "none" : this.installed.join(", ")}); kidvoice models list shows what can be installed`
  }
}

/**
 * The card to use for a task: the one named, or with `auto` the first installed card of the task whose kind
 * is not in `fallbackKinds` (a learned model beats a heuristic), else the first fallback, else none.
 */
export const selectCard = (
  requested: string,
  task: string,
  cards: ReadonlyArray<InstalledCard>,
  fallbackKinds: ReadonlyArray<string> = []
): InstalledCard | null | "missing" => {
  const forTask = cards.filter((c) => c.task === task)
  if (requested === "none") return null
  if (requested !== "auto") return forTask.find((c) => c.name === requested) ?? "missing"
  return forTask.find((c) => !fallbackKinds.includes(c.kind ?? "")) ?? forTask[0] ?? null
}
