import { Context, Effect, Layer } from "effect"
import { ChildVoiceClassifier, type ChildVoiceClassifierApi } from "./ChildVoiceClassifier.js"
import type { ModelLoadError } from "./ModelCard.js"

/** The name an ensemble of back-ends goes by in analyses, curate and eval. */
export const ensembleName = (members: ReadonlyArray<string>) => `ensemble(${members.join("+")})`

/**
 * Several child-voice back-ends as one: a segment's score is the mean of their probabilities and the threshold the
 * mean of theirs. The acoustic model and the wav2vec2 age/gender model fail differently (pitch and timbre statistics
 * versus a network that saw real children), so their mean is steadier than either on voices neither was tuned on.
 */
export const ensembleClassifierLayer = (
  members: ReadonlyArray<Layer.Layer<ChildVoiceClassifier, ModelLoadError>>
): Layer.Layer<ChildVoiceClassifier, ModelLoadError> =>
  Layer.scoped(
    ChildVoiceClassifier,
    Effect.gen(function* () {
      const classifiers = yield* Effect.forEach(members, (layer) => Layer.build(layer).pipe(Effect.map((context) => Context.get(context, ChildVoiceClassifier))))
      const mean = (values: ReadonlyArray<number>) => values.reduce((a, b) => a + b, 0) / values.length
      return {
        name: ensembleName(classifiers.map((c) => c.name)),
        threshold: mean(classifiers.map((c) => c.threshold)),
        needsAudio: classifiers.some((c) => c.needsAudio),
        scoreSegment: (segment) =>
          Effect.forEach(classifiers, (c) => c.scoreSegment({ ...segment, audio: c.needsAudio ? segment.audio : null })).pipe(
            Effect.map((scores) => ({ childScore: mean(scores.map((s) => s.childScore)), medianF0: scores[0]!.medianF0 }))
          )
      } satisfies ChildVoiceClassifierApi
    })
  )
