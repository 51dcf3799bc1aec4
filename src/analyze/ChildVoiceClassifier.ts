import { Context, Data, Effect, Layer, Schema } from "effect"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import { median } from "./acoustics.js"
import { modelsDir } from "./ModelCard.js"

/** What the analyzer measured on one frame of speech. */
export interface FrameFeatures {
  /** Fundamental frequency in Hz, null when unvoiced. */
  readonly f0: number | null
  readonly centroid: number | null
}

export interface ChildVoiceScore {
  readonly childScore: number
  readonly medianF0: number | null
}

/** One speech segment as the analyzer hands it over. */
export interface SegmentInput {
  readonly frames: ReadonlyArray<FrameFeatures>
  /** The segment's 16 kHz samples, or null when the classifier does not read them (see `needsAudio`). */
  readonly audio: Float32Array | null
}

export class ChildVoiceInferenceError extends Data.TaggedError("ChildVoiceInferenceError")<{ readonly model: string; readonly reason: string }> {
  readonly retryable = false
  override get message() {
    return `child-voice model ${this.model} failed: ${this.reason}`
  }
}

export interface ChildVoiceClassifierApi {
  readonly name: string
  /** Whether `scoreSegment` reads the samples: the analyzer keeps a segment's audio only then. */
  readonly needsAudio: boolean
  readonly scoreSegment: (segment: SegmentInput) => Effect.Effect<ChildVoiceScore, ChildVoiceInferenceError>
}

/** Decides how child-like the voice of a speech segment is. Back-ends differ; the analyzer sees only this. */
export class ChildVoiceClassifier extends Context.Tag("kidvoice/ChildVoiceClassifier")<ChildVoiceClassifier, ChildVoiceClassifierApi>() {}

const Curve = Schema.Struct({ boundaryHz: Schema.Number, scaleHz: Schema.Number.pipe(Schema.positive()), weight: Schema.Number })

export class AcousticCard extends Schema.Class<AcousticCard>("AcousticCard")({
  name: Schema.String,
  kind: Schema.Literal("acoustic-heuristic"),
  sampleRate: Schema.Int,
  f0: Curve,
  centroid: Curve,
  minVoicedShare: Schema.Number.pipe(Schema.between(0, 1)),
  thresholds: Schema.Struct({ child: Schema.Number }),
  source: Schema.String,
  licence: Schema.String
}) {}

export class ClassifierCardError extends Data.TaggedError("ClassifierCardError")<{ readonly card: string; readonly reason: string }> {
  override get message() {
    return `cannot use the child-voice card ${this.card}: ${this.reason}`
  }
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x))

/** The acoustic score, as a pure function of a card and a segment's frames. */
export const acousticScore = (card: AcousticCard, frames: ReadonlyArray<FrameFeatures>): ChildVoiceScore => {
  const f0s = frames.flatMap((f) => (f.f0 === null ? [] : [f.f0]))
  const medianF0 = median(f0s)
  if (medianF0 === null || f0s.length < card.minVoicedShare * frames.length) return { childScore: 0, medianF0 }
  const centroid = median(frames.flatMap((f) => (f.centroid === null ? [] : [f.centroid])))
  const pitch = logistic((medianF0 - card.f0.boundaryHz) / card.f0.scaleHz)
  const timbre = centroid === null ? pitch : logistic((centroid - card.centroid.boundaryHz) / card.centroid.scaleHz)
  const childScore = (card.f0.weight * pitch + card.centroid.weight * timbre) / (card.f0.weight + card.centroid.weight)
  return { childScore, medianF0 }
}

export const acousticClassifierLayer = (cardPath = join(modelsDir, "acoustic-child-voice.json")) =>
  Layer.effect(
    ChildVoiceClassifier,
    Effect.gen(function* () {
      const text = yield* Effect.tryPromise({
        try: () => fs.readFile(cardPath, "utf8"),
        catch: (e) => new ClassifierCardError({ card: cardPath, reason: String(e) })
      })
      const card = yield* Schema.decodeUnknown(Schema.parseJson(AcousticCard))(text).pipe(
        Effect.mapError((e) => new ClassifierCardError({ card: cardPath, reason: e.message }))
      )
      return { name: card.name, needsAudio: false, scoreSegment: ({ frames }) => Effect.succeed(acousticScore(card, frames)) } satisfies ChildVoiceClassifierApi
    })
  )
