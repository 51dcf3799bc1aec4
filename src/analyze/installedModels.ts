import { Data, Effect, Layer, Option, Schema } from "effect"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import { ageGenderClassifierLayer } from "./AgeGenderClassifier.js"
import { ChildVoiceClassifier } from "./ChildVoiceClassifier.js"
import { ensembleClassifierLayer } from "./EnsembleClassifier.js"
import { type ModelLoadError, modelsDir as shippedModelsDir } from "./ModelCard.js"
import { SpokenLanguage } from "./SpokenLanguage.js"
import { whisperLanguageLayer } from "./WhisperLanguage.js"

/** What every card says about itself, whatever its backend: enough to choose one. */
const CardHeader = Schema.Struct({ name: Schema.String, task: Schema.String, kind: Schema.optional(Schema.String), transcription: Schema.optional(Schema.Unknown) })

export interface InstalledCard {
  readonly name: string
  readonly task: string
  readonly kind: string | null
  readonly path: string
  /** A Whisper card with what transcription needs (its `transcription` section). */
  readonly transcribes?: boolean
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
          Effect.map(Option.map((h): InstalledCard => ({ name: h.name, task: h.task, kind: h.kind ?? null, path: join(modelsDir, name), transcribes: h.transcription !== undefined })))
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
 * The card to use for a task: the one named, or with `auto` the installed card of the most preferred kind
 * (`kinds` lists the kinds kidvoice can run, best first), or null when there is none; `none` chooses none.
 */
export const selectCard = (
  requested: string,
  task: string,
  cards: ReadonlyArray<InstalledCard>,
  kinds: ReadonlyArray<string>
): InstalledCard | null | "missing" => {
  if (requested === "none") return null
  const runnable = cards.filter((c) => c.task === task && kinds.includes(c.kind ?? ""))
  if (requested !== "auto") return runnable.find((c) => c.name === requested) ?? "missing"
  return [...runnable].sort((a, b) => kinds.indexOf(a.kind ?? "") - kinds.indexOf(b.kind ?? ""))[0] ?? null
}

export interface ModelChoice {
  /** Folder of installed models; null: the shipped models/ folder. */
  readonly dir: string | null
  /** A card name, `auto` (the best installed) or `none`. */
  readonly childVoice: string
  readonly language: string
}

/**
 * The child-voice and spoken-language back-ends the settings choose among the installed cards. A learned
 * wav2vec2 age/gender model is used with the shipped segment-features one (their mean) when both are installed, alone
 * when it is the only one; with no language model, title and metadata decide.
 */
export const selectedModelsLayer = (choice: ModelChoice) =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const dir = choice.dir ?? shippedModelsDir
      const cards = yield* installedCards(dir)
      const pick = (requested: string, task: string, kinds: ReadonlyArray<string>) => {
        const card = selectCard(requested, task, cards, kinds)
        return card === "missing"
          ? Effect.fail(new ModelNotInstalled({ name: requested, task, modelsDir: dir, installed: cards.filter((c) => c.task === task).map((c) => c.name) }))
          : Effect.succeed(card)
      }
      const child = yield* pick(choice.childVoice, "child-voice", ["wav2vec2-age-gender", "segment-features"])
      const language = yield* pick(choice.language, "language", ["whisper"])
      // With auto, a wav2vec2 model runs beside the acoustic one when both are installed: their mean (see EnsembleClassifier).
      const acoustic = choice.childVoice === "auto" ? cards.find((c) => c.task === "child-voice" && c.kind === "segment-features") : undefined
      const childLayer: Layer.Layer<ChildVoiceClassifier, ModelLoadError> = child === null
        ? ChildVoiceClassifier.layer
        : child.kind !== "wav2vec2-age-gender"
        ? ChildVoiceClassifier.layerFromCard(child.path)
        : acoustic
        ? ensembleClassifierLayer([ChildVoiceClassifier.layerFromCard(acoustic.path), ageGenderClassifierLayer(child.path)])
        : ageGenderClassifierLayer(child.path)
      const languageLayer = language === null ? SpokenLanguage.none : whisperLanguageLayer(language.path)
      return Layer.merge(childLayer, languageLayer)
    })
  )

/**
 * The Whisper card speech recognition uses (`--asr`): the one named, or with `auto` the first installed Whisper
 * card that can transcribe; null with `off`, or with `auto` when none is installed (clips without captions then
 * keep no text).
 */
export const selectedTranscriberCard = (choice: Pick<ModelChoice, "dir"> & { readonly asr: string }) =>
  Effect.gen(function* () {
    const dir = choice.dir ?? shippedModelsDir
    const cards = (yield* installedCards(dir)).filter((c) => c.transcribes === true)
    const card = selectCard(choice.asr === "off" ? "none" : choice.asr, "language", cards, ["whisper"])
    return card === "missing"
      ? yield* new ModelNotInstalled({ name: choice.asr, task: "speech recognition (a Whisper card with a transcription section)", modelsDir: dir, installed: cards.map((c) => c.name) })
      : card
  })
