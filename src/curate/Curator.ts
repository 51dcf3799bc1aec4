import { Context, Data, Effect, Layer, Option } from "effect"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import { type TranscriberApi, Transcriber, TranscriptionError } from "../analyze/Transcriber.js"
import { Clip } from "../domain/Analysis.js"
import type { ClipRules, CurateRules } from "../domain/Config.js"
import type { ManifestRow } from "../domain/ManifestRow.js"
import { Workspace } from "../domain/Workspace.js"
import { type FileWriteError, writeAtomic } from "../files/atomicWrite.js"
import { Manifest } from "../manifest/Manifest.js"
import type { ManifestError } from "../manifest/ManifestErrors.js"
import { excerptRange, readWavInfo, wavHeader, type WavFormatError, type WavInfo } from "../media/WavFile.js"
import { clipFileName, planCaptionClips, planClips, transcriptTrack } from "./clipPlan.js"
import { applyGain, loudnessGain } from "./loudness.js"
import { decide, type Verdict } from "./rules.js"

export class NotAnalyzed extends Data.TaggedError("NotAnalyzed")<{ readonly videoId: string }> {
  override get message() {
    return `${this.videoId} has no analysis or audio to curate; run analyze first`
  }
}

export interface CurateSettings {
  readonly rules: CurateRules
  readonly clips: ClipRules
}

/**
 * The rules an accepted video met, as stable JSON: a later, stricter run must not make the card claim rules
 * these clips never met, so the card reads them from here rather than from the flags of the run that wrote it.
 */
export const acceptedUnder = (settings: CurateSettings, classifier: string): string =>
  JSON.stringify({
    classifier,
    minChildScore: settings.rules.minChildScore,
    minChildSpeechSeconds: settings.rules.minChildSpeechSeconds,
    minChildShare: settings.rules.minChildShare,
    minDurationSeconds: settings.rules.minDurationSeconds,
    maxDurationSeconds: settings.rules.maxDurationSeconds,
    allowedLanguages: settings.rules.allowedLanguages,
    requireTranscript: settings.rules.requireTranscript,
    clipMinSeconds: settings.clips.minSeconds,
    clipMaxSeconds: settings.clips.maxSeconds,
    clipMergeGapSeconds: settings.clips.mergeGapSeconds
  })

/**
 * The verdict and clips once the recogniser has spoken: when a transcript is required, a clip it gave no text is
 * left out, and a video left with none is rejected (`transcript`); the detail says how many clips it transcribed.
 */
export const withRecognisedText = (
  verdict: Verdict,
  clips: ReadonlyArray<Clip>,
  model: string,
  rules: CurateSettings["rules"]
): { readonly verdict: Verdict; readonly clips: ReadonlyArray<Clip> } => {
  const texted = clips.filter((c) => c.textSource === "asr")
  const failed = clips.filter((c) => c.textError !== null)
  const tally = `speech recognition (${model}) gave text for ${texted.length} of ${clips.length} clips` +
    (failed.length > 0 ? `, failed on ${failed.length} (${failed[0]!.textError})` : "")
  if (!verdict.accepted || clips.length === 0) return { verdict, clips }
  if (rules.requireTranscript !== "none" && clips.length > 0 && texted.length === 0) {
    return { verdict: { accepted: false, rule: "transcript", detail: `no captions, and ${tally}; --require-transcript ${rules.requireTranscript}` }, clips: [] }
  }
  return { verdict: { ...verdict, detail: `${verdict.detail}; ${tally}` }, clips: rules.requireTranscript === "none" ? clips : texted }
}

export type CurateError = NotAnalyzed | WavFormatError | FileWriteError | ManifestError

export interface CuratorApi {
  /** Decides an analyzed video and, if accepted, cuts its clips; the verdict and clips land in one transaction. */
  readonly curate: (row: ManifestRow, settings: CurateSettings) => Effect.Effect<Verdict & { readonly clips: number }, CurateError>
}

export class Curator extends Context.Tag("kidvoice/Curator")<Curator, CuratorApi>() {
  static readonly layer = Layer.effect(
    Curator,
    Effect.gen(function* () {
      const workspace = yield* Workspace
      const manifest = yield* Manifest

      // Only when a Whisper model that transcribes is chosen (`--asr`): clips without captions then get its text.
      const transcriber = yield* Effect.serviceOption(Transcriber)

      /** A clip's 16-bit samples, straight out of the WAV. */
      const readPcm = (audioPath: string, info: WavInfo, clip: Clip) =>
        Effect.gen(function* () {
          const range = excerptRange(info, clip.start, clip.end)
          const samples = Buffer.alloc(range.length)
          yield* Effect.promise(async () => {
            const handle = await fs.open(audioPath, "r")
            try {
              await handle.read(samples, 0, range.length, range.offset)
            } finally {
              await handle.close()
            }
          })
          return new Int16Array(samples.buffer, samples.byteOffset, samples.length >> 1)
        })

      /** Copies the clip's samples out of the WAV; a clip already in place (same name, same range) is kept. */
      const cutClip = (audioPath: string, info: WavInfo, clip: Clip, loudnessDbfs: number | null) =>
        Effect.gen(function* () {
          const target = join(workspace.dataset, clip.fileName)
          const range = excerptRange(info, clip.start, clip.end)
          const existing = yield* Effect.promise(() => fs.stat(target).then((s) => s.size, () => -1))
          if (existing === 44 + range.length) return
          const pcm = yield* readPcm(audioPath, info, clip)
          const leveled = loudnessDbfs === null ? pcm : applyGain(pcm, loudnessGain(pcm, loudnessDbfs))
          yield* writeAtomic(target, (write) =>
            write(Buffer.concat([wavHeader(info.sampleRate, info.channels, range.length), Buffer.from(leveled.buffer, leveled.byteOffset, leveled.byteLength)])))
        })

      /**
       * A clip's text from the speech recogniser. A failure is the clip's, not the video's: it keeps no text
       * (`text_source: none`) and the error beside it, and the other clips are still transcribed.
       */
      const transcribeClip = (asr: TranscriberApi, audioPath: string, info: WavInfo, clip: Clip) =>
        Effect.gen(function* () {
          if (info.sampleRate !== 16000 || info.channels !== 1) {
            return yield* new TranscriptionError({ model: asr.model, reason: `the audio is ${info.sampleRate} Hz with ${info.channels} channels; Whisper reads 16 kHz mono (download again to convert it)` })
          }
          const pcm = yield* readPcm(audioPath, info, clip)
          const result = yield* asr.transcribe(Float32Array.from(pcm, (v) => v / 32768), clip.language === "unknown" ? null : clip.language)
          // Nothing recognised is no transcript: the clip stays without text, and without an error.
          return result.text.length === 0 ? clip : Clip.make({ ...clip, text: result.text, textSource: "asr", textModel: asr.model })
        }).pipe(
          Effect.catchTag("TranscriptionError", (error) =>
            Effect.logWarning(`clip ${clip.fileName} keeps no text: ${error.message}`).pipe(
              Effect.as(Clip.make({ ...clip, textError: `${error._tag}: ${error.message}` }))
            ))
        )

      const curate = (row: ManifestRow, settings: CurateSettings) =>
        Effect.gen(function* () {
          if (!row.analysis || !row.audioPath) return yield* new NotAnalyzed({ videoId: row.id })
          const language = row.analysis.language
          const track = transcriptTrack(row.captions ?? [], language)
          const asr = track === null ? Option.getOrNull(transcriber) : null
          const decided = decide(row.analysis, settings.rules, track?.source ?? (asr !== null ? "asr" : "none"))
          const clip = (planned: { start: number; end: number; childScore: number }) =>
            ({ fileName: clipFileName(row.id, language, planned), start: planned.start, end: planned.end, childScore: planned.childScore, language })
          // With a transcript, clips follow its cues and carry their text; without one, they follow the speech.
          const planned = !decided.accepted
            ? []
            : track !== null
            ? planCaptionClips(track.cues, row.analysis.segments, settings.rules.minChildScore, settings.clips).map((planned) =>
              Clip.make({ ...clip(planned), text: planned.text, textSource: track.source, cueStart: planned.cueStart, cueEnd: planned.cueEnd })
            )
            : planClips(row.analysis.segments, settings.rules.minChildScore, settings.clips).map((planned) => Clip.make(clip(planned)))
          const info = planned.length > 0 ? yield* readWavInfo(row.audioPath) : null
          const transcribed = asr !== null && info !== null
            ? yield* Effect.forEach(planned, (clip) => transcribeClip(asr, row.audioPath!, info, clip))
            : planned
          const { verdict, clips } = asr === null ? { verdict: decided, clips: planned } : withRecognisedText(decided, transcribed, asr.model, settings.rules)
          if (info !== null) yield* Effect.forEach(clips, (clip) => cutClip(row.audioPath!, info, clip, settings.clips.loudnessDbfs), { discard: true })
          yield* manifest.decide(row.id, { ...verdict, acceptedUnder: verdict.accepted ? acceptedUnder(settings, row.analysis.classifier) : null }, clips)
          return { ...verdict, clips: clips.length }
        }).pipe(Effect.withSpan("Curator.curate", { attributes: { videoId: row.id } }))

      return { curate }
    })
  )
}
