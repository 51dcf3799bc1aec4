import { Context, Effect, Layer, Stream } from "effect"
import { Analysis, childSpeechAt, SpeechSegment } from "../domain/Analysis.js"
import type { VadSettings } from "../domain/Config.js"
import { ChildVoiceClassifier, type ChildVoiceInferenceError } from "./ChildVoiceClassifier.js"
import { decideLanguage, loadTextLanguageIdentifier, type TextHints } from "./languageHints.js"
import { SileroVad } from "./SileroVad.js"
import { type LanguageInferenceError, SpokenLanguage } from "./SpokenLanguage.js"
import { SpeechSegmenter } from "./SpeechSegmenter.js"
import { readWavInfo, streamWavWindows, WavFormatError } from "../media/WavFile.js"
import { type FrameFeatures, measureFrame } from "./voiceFeatures.js"

/** Frames read from disk at a time: 1000 VAD frames, 32 s at 16 kHz. Memory per worker stays at this. */
const framesPerWindow = 1000

/** Less speech than this is too little for the audio language model: the title and metadata decide. */
const minLanguageSamples = 16000

/** What the segmenter carries per frame: acoustic features where there may be speech, the samples when a model reads them. */
interface FramePayload {
  readonly features: FrameFeatures | null
  readonly samples: Float32Array | null
}

export interface AnalyzerApi {
  /** Voice activity, per-segment child-voice scores and the spoken language of one WAV file; `hints` are the video's title and metadata. */
  readonly analyze: (wavPath: string, settings: VadSettings, minChildScore: number, hints?: TextHints) => Effect.Effect<Analysis, AnalyzeError>
}

export type AnalyzeError = WavFormatError | import("./SileroVad.js").VadInferenceError | ChildVoiceInferenceError | LanguageInferenceError

const concatSamples = (frames: ReadonlyArray<FramePayload>) => {
  const audio = new Float32Array(frames.reduce((n, f) => n + (f.samples?.length ?? 0), 0))
  let offset = 0
  for (const f of frames) {
    if (f.samples === null) continue
    audio.set(f.samples, offset)
    offset += f.samples.length
  }
  return audio
}

export class Analyzer extends Context.Tag("kidvoice/Analyzer")<Analyzer, AnalyzerApi>() {
  static readonly layer = Layer.effect(
    Analyzer,
    Effect.gen(function* () {
      const vad = yield* SileroVad
      const classifier = yield* ChildVoiceClassifier
      const spokenLanguage = yield* SpokenLanguage
      yield* loadTextLanguageIdentifier
      const frameSeconds = vad.frameSamples / vad.sampleRate

      const analyze = (wavPath: string, settings: VadSettings, minChildScore: number, hints: TextHints = { title: null }) =>
        Effect.gen(function* () {
          const info = yield* readWavInfo(wavPath)
          if (info.sampleRate !== vad.sampleRate) {
            return yield* new WavFormatError({ path: wavPath, reason: `expected ${vad.sampleRate} Hz, found ${info.sampleRate} Hz` })
          }
          const stream = yield* Effect.acquireRelease(Effect.sync(vad.newStream), (s) => Effect.sync(s.close))
          const segmenter = new SpeechSegmenter<FramePayload>({
            threshold: settings.threshold,
            minSpeechFrames: Math.ceil(settings.minSpeechMs / 1000 / frameSeconds),
            minSilenceFrames: Math.ceil(settings.minSilenceMs / 1000 / frameSeconds),
            maxSegmentFrames: Math.floor(settings.maxSegmentSeconds / frameSeconds)
          })
          const segments: Array<SpeechSegment> = []
          // The file's first speech, up to what the language model reads: bounded, however long the file.
          const speech = new Float32Array(spokenLanguage.maxSamples)
          let speechSamples = 0
          // Samples are copied only while someone will read them: the classifier, or the language model until its buffer is full.
          const keepSamples = () => classifier.needsAudio || speechSamples < speech.length
          // The speech's energy, and the part of it above 4.2 kHz: whether the audio is narrowband (Analysis.upperBandShare).
          let speechEnergy = 0
          let upperBandEnergy = 0
          const record = (closed: ReturnType<typeof segmenter.push>) =>
            Effect.gen(function* () {
              if (!closed) return
              for (const f of closed.frames) {
                if (f.features === null) continue
                speechEnergy += f.features.energy
                upperBandEnergy += f.features.energy * f.features.upperBand
              }
              const audio = closed.frames.some((f) => f.samples !== null) ? concatSamples(closed.frames) : null
              const score = yield* classifier.scoreSegment({
                frames: closed.frames.flatMap((f) => (f.features === null ? [] : [f.features])),
                audio: classifier.needsAudio ? audio : null
              })
              if (audio !== null && speechSamples < speech.length) {
                const taken = audio.subarray(0, speech.length - speechSamples)
                speech.set(taken, speechSamples)
                speechSamples += taken.length
              }
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
                  // Most frames close no segment: no effect to run for them.
                  const closed = segmenter.push(probability, { features, samples: keepSamples() ? frame.slice() : null })
                  if (closed) yield* record(closed)
                }
              })
            )
          )
          yield* record(segmenter.flush())
          const heard = spokenLanguage.name !== null && speechSamples >= minLanguageSamples
            ? yield* spokenLanguage.identify(speech.subarray(0, speechSamples))
            : null
          const language = decideLanguage(heard, hints)
          return Analysis.make({
            durationSeconds: info.durationSeconds,
            ...childSpeechAt(segments, minChildScore),
            language: language.language,
            languageConfidence: language.confidence,
            languageSource: language.source,
            classifier: classifier.name,
            segments,
            upperBandShare: speechEnergy > 0 ? upperBandEnergy / speechEnergy : null
          })
        }).pipe(Effect.scoped, Effect.withSpan("Analyzer.analyze", { attributes: { wavPath } }))

      return { analyze }
    })
  )
}
