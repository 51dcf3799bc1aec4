import { Context, Data, Effect, Layer } from "effect"
import { promises as fs } from "node:fs"
import { join } from "node:path"
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

      /** Copies the clip's samples straight out of the WAV; a clip already in place (same name, same range) is kept. */
      const cutClip = (audioPath: string, info: WavInfo, clip: Clip, loudnessDbfs: number | null) =>
        Effect.gen(function* () {
          const target = join(workspace.dataset, clip.fileName)
          const range = excerptRange(info, clip.start, clip.end)
          const existing = yield* Effect.promise(() => fs.stat(target).then((s) => s.size, () => -1))
          if (existing === 44 + range.length) return
          const samples = Buffer.alloc(range.length)
          yield* Effect.promise(async () => {
            const handle = await fs.open(audioPath, "r")
            try {
              await handle.read(samples, 0, range.length, range.offset)
            } finally {
              await handle.close()
            }
          })
          const pcm = new Int16Array(samples.buffer, samples.byteOffset, samples.length >> 1)
          const leveled = loudnessDbfs === null ? pcm : applyGain(pcm, loudnessGain(pcm, loudnessDbfs))
          yield* writeAtomic(target, (write) =>
            write(Buffer.concat([wavHeader(info.sampleRate, info.channels, range.length), Buffer.from(leveled.buffer, leveled.byteOffset, leveled.byteLength)])))
        })

      const curate = (row: ManifestRow, settings: CurateSettings) =>
        Effect.gen(function* () {
          if (!row.analysis || !row.audioPath) return yield* new NotAnalyzed({ videoId: row.id })
          const language = row.analysis.language
          const track = transcriptTrack(row.captions ?? [], language)
          const verdict = decide(row.analysis, settings.rules, track?.source ?? "none")
          const clip = (planned: { start: number; end: number; childScore: number }) =>
            ({ fileName: clipFileName(row.id, language, planned), start: planned.start, end: planned.end, childScore: planned.childScore, language })
          // With a transcript, clips follow its cues and carry their text; without one, they follow the speech.
          const clips = !verdict.accepted
            ? []
            : track !== null
            ? planCaptionClips(track.cues, row.analysis.segments, settings.rules.minChildScore, settings.clips).map((planned) =>
              Clip.make({ ...clip(planned), text: planned.text, textSource: track.source, cueStart: planned.cueStart, cueEnd: planned.cueEnd })
            )
            : planClips(row.analysis.segments, settings.rules.minChildScore, settings.clips).map((planned) => Clip.make(clip(planned)))
          if (clips.length > 0) {
            const info = yield* readWavInfo(row.audioPath)
            yield* Effect.forEach(clips, (clip) => cutClip(row.audioPath!, info, clip, settings.clips.loudnessDbfs), { discard: true })
          }
          yield* manifest.decide(row.id, { ...verdict, acceptedUnder: verdict.accepted ? acceptedUnder(settings, row.analysis.classifier) : null }, clips)
          return { ...verdict, clips: clips.length }
        }).pipe(Effect.withSpan("Curator.curate", { attributes: { videoId: row.id } }))

      return { curate }
    })
  )
}
