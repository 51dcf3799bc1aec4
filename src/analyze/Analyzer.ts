import { Context, Effect, Layer, Stream } from "effect"
import { Analysis, SpeechSegment } from "../domain/Analysis.js"
import type { VadSettings } from "../domain/Config.js"
import { ChildVoiceClassifier, type ClassifierInferenceError } from "./ChildVoiceClassifier.js"
import { SileroVad } from "./SileroVad.js"
import { SpeechSegmenter } from "./SpeechSegmenter.js"
import { readWavInfo, streamWavWindows, WavFormatError } from "../media/WavFile.js"
import { type FrameFeatures, measureFrame } from "./voiceFeatures.js"

/** Frames read from disk at a time: 1000 VAD frames, 32 s at 16 kHz. Memory per worker stays at this. */
const framesPerWindow = 1000

export interface AnalyzerApi {
  /** Voice activity, per-segment child-voice scores and (for now) an honest `unknown` language for one WAV file. */
  readonly analyze: (wavPath: string, settings: VadSettings, minChildScore: number) => Effect.Effect<Analysis, AnalyzeError>
}

export type AnalyzeError = WavFormatError | import("./SileroVad.js").VadInferenceError | ClassifierInferenceError

export class Analyzer extends Context.Tag("kidvoice/Analyzer")<Analyzer, AnalyzerApi>() {
  static readonly layer = Layer.effect(
    Analyzer,
    Effect.gen(function* () {
      const vad = yield* SileroVad
      const classifier = yield* ChildVoiceClassifier
      const frameSeconds = vad.frameSamples / vad.sampleRate

      const analyze = (wavPath: string, settings: VadSettings, minChildScore: number) =>
        Effect.gen(function* () {
          const info = yield* readWavInfo(wavPath)
          if (info.sampleRate !== vad.sampleRate) {
            return yield* new WavFormatError({ path: wavPath, reason: `expected ${vad.sampleRate} Hz, found ${info.sampleRate} Hz` })
          }
          const stream = vad.newStream()
          const segmenter = new SpeechSegmenter<FrameFeatures | null>({
            threshold: settings.threshold,
            minSpeechFrames: Math.ceil(settings.minSpeechMs / 1000 / frameSeconds),
            minSilenceFrames: Math.ceil(settings.minSilenceMs / 1000 / frameSeconds),
            maxSegmentFrames: Math.floor(settings.maxSegmentSeconds / frameSeconds)
          })
          const segments: Array<SpeechSegment> = []
          const record = (closed: ReturnType<typeof segmenter.push>) =>
            Effect.gen(function* () {
              if (!closed) return
              const score = yield* classifier.scoreSegment(closed.frames.filter((f): f is FrameFeatures => f !== null))
              segments.push(SpeechSegment.make({
                start: closed.startFrame * frameSeconds,
                end: closed.endFrame * frameSeconds,
                childScore: score.childScore,
                medianF0: score.medianF0
              }))
            })
          // Pitch needs two periods of a low voice: the previous frame and this one together.
          const pitchWindow = new Float32Array(vad.frameSamples * 2)
          yield* streamWavWindows(wavPath, info, vad.frameSamples * framesPerWindow).pipe(
            Stream.runForEach((window) =>
              Effect.gen(function* () {
                for (let offset = 0; offset < window.length; offset += vad.frameSamples) {
                  const frame = window.subarray(offset, offset + vad.frameSamples)
                  pitchWindow.copyWithin(0, vad.frameSamples)
                  pitchWindow.set(frame, vad.frameSamples)
                  if (frame.length < vad.frameSamples) pitchWindow.fill(0, vad.frameSamples + frame.length)
                  const probability = yield* stream.probability(frame)
                  // Acoustic features only where there may be speech: most of the cost is here.
                  const features = probability >= settings.threshold - 0.15
                    ? measureFrame(pitchWindow, pitchWindow.subarray(vad.frameSamples), vad.sampleRate)
                    : null
                  yield* record(segmenter.push(probability, features))
                }
              })
            )
          )
          yield* record(segmenter.flush())
          const speechSeconds = segments.reduce((sum, s) => sum + (s.end - s.start), 0)
          const childSpeechSeconds = segments.filter((s) => s.childScore >= minChildScore).reduce((sum, s) => sum + (s.end - s.start), 0)
          return Analysis.make({
            durationSeconds: info.durationSeconds,
            speechSeconds,
            childSpeechSeconds,
            childShare: speechSeconds > 0 ? childSpeechSeconds / speechSeconds : 0,
            language: "unknown",
            languageConfidence: 0,
            languageSource: "none",
            classifier: classifier.name,
            segments
          })
        }).pipe(Effect.withSpan("Analyzer.analyze", { attributes: { wavPath } }))

      return { analyze }
    })
  )
}
