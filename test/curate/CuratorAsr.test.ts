import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Transcriber, TranscriptionError } from "../../src/analyze/Transcriber.js"
import { Curator, type CurateSettings } from "../../src/curate/Curator.js"
import { writeDatasetFiles } from "../../src/curate/datasetFiles.js"
import { Analysis, SpeechSegment } from "../../src/domain/Analysis.js"
import { CaptionCue, CaptionTrack } from "../../src/domain/Captions.js"
import { ClipRules, CurateRules, ModelSettings } from "../../src/domain/Config.js"
import { Workspace } from "../../src/domain/Workspace.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { wavHeader } from "../../src/media/WavFile.js"
import { curatorLayer } from "../../src/pipeline/layers.js"
import { candidate, manifestAt, scopedTempDir } from "../support/manifest.js"

const asrModels = join(import.meta.dirname, "..", "fixtures", "models", "asr")

const settings = (requireTranscript: "manual" | "any" | "none" = "none"): CurateSettings => ({
  rules: CurateRules.make({ minChildSpeechSeconds: 1, minChildShare: 0.25, minChildScore: 0.8, allowedLanguages: [], minDurationSeconds: 3, maxDurationSeconds: 3600, requireTranscript }),
  clips: ClipRules.make({ minSeconds: 1, maxSeconds: 30, mergeGapSeconds: 0.6, loudnessDbfs: null })
})

/** 6 s of 16 kHz mono audio with one child segment (1-3 s); the tiny decoders ignore what it sounds like. */
const analysis = Analysis.make({
  durationSeconds: 6, speechSeconds: 2, childSpeechSeconds: 2, childShare: 1, language: "cs", languageConfidence: 0.9,
  languageSource: "test", classifier: "test", segments: [SpeechSegment.make({ start: 1, end: 3, childScore: 0.95, medianF0: 260 })]
})
const captions = [CaptionTrack.make({ language: "cs", source: "manual", cues: [CaptionCue.make({ start: 1, end: 3, text: "ahoj děti" })] })]

/** A working directory with videos 1 (no captions) and 2 (creator's captions) analyzed, curated through `curator`. */
const curateBoth = (curator: Layer.Layer<Curator, unknown, Manifest | Workspace>, requireTranscript?: "manual" | "any" | "none") =>
  Effect.gen(function* () {
    const out = yield* scopedTempDir("curate-asr")
    const audio = join(out, "audio.wav")
    const pcm = Buffer.from(Int16Array.from({ length: 6 * 16000 }, (_, n) => Math.round(8000 * Math.sin(n / 10))).buffer)
    writeFileSync(audio, Buffer.concat([wavHeader(16000, 1, pcm.length), pcm]))
    return yield* Effect.gen(function* () {
      const manifest = yield* Manifest
      yield* manifest.addCandidates([candidate(1), candidate(2)])
      yield* manifest.claim("download", 2)
      yield* manifest.completeDownload(candidate(1).id, { audioPath: audio, measuredDurationSeconds: 6 })
      yield* manifest.completeDownload(candidate(2).id, { audioPath: audio, measuredDurationSeconds: 6, captions })
      yield* manifest.claim("analyze", 2)
      const verdicts = yield* Effect.forEach([candidate(1).id, candidate(2).id], (id) =>
        Effect.gen(function* () {
          yield* manifest.completeAnalysis(id, analysis)
          return yield* (yield* Curator).curate(yield* manifest.get(id), settings(requireTranscript))
        }))
      const clips = yield* manifest.clipsPage("", 10)
      const files = yield* writeDatasetFiles("kidvoice curate")
      return { verdicts, clips, metadata: readFileSync(files.metadata, "utf8"), card: readFileSync(files.card, "utf8") }
    }).pipe(Effect.provide(curator.pipe(Layer.provideMerge(Layer.merge(Workspace.layer(out), manifestAt(join(out, "manifest.sqlite")))))))
  })

const models = (asr: string) => ModelSettings.make({ dir: asrModels, childVoice: "auto", language: "none", asr })
const failing = Curator.layer.pipe(Layer.provide(Layer.succeed(Transcriber, {
  model: "broken-whisper",
  transcribe: () => Effect.fail(new TranscriptionError({ model: "broken-whisper", reason: "the decoder ran out of memory" }))
})))

describe("curate with a speech recogniser", () => {
  it.scoped("a clip without captions gets the installed Whisper model's text, marked asr; a captioned clip keeps its captions", () =>
    Effect.gen(function* () {
      const { verdicts, clips, metadata, card } = yield* curateBoth(curatorLayer(models("auto")))
      expect(verdicts.map((v) => v.accepted)).toEqual([true, true])
      expect(verdicts[0]!.detail).toContain("speech recognition (tiny-whisper-asr) gave text for 1 of 1 clips")
      expect(clips.map((c) => [c.videoId, c.text, c.textSource, c.textModel, c.textError])).toEqual([
        [candidate(1).id, "hello world děti", "asr", "tiny-whisper-asr", null],
        [candidate(2).id, "ahoj děti", "manual", null, null]
      ])
      const lines = metadata.trim().split("\n").map((l) => JSON.parse(l))
      expect(lines.map((l) => [l.text, l.text_source, l.text_model])).toEqual([
        ["hello world děti", "asr", "tiny-whisper-asr"],
        ["ahoj děti", "manual", null]
      ])
      expect(card).toContain("| tiny-whisper-asr | 1 |")
    }))

  it.scoped("--asr off leaves a clip without captions without text", () =>
    Effect.gen(function* () {
      const { clips } = yield* curateBoth(curatorLayer(models("off")))
      expect(clips.map((c) => [c.text, c.textSource, c.textModel])).toEqual([["", "none", null], ["ahoj děti", "manual", null]])
    }))

  it.scoped("a failed transcription is the clip's: it keeps no text and the typed error, and the video is accepted", () =>
    Effect.gen(function* () {
      const { verdicts, clips, card } = yield* curateBoth(failing)
      expect(verdicts[0]).toMatchObject({ accepted: true, clips: 1 })
      expect(clips[0]).toMatchObject({ text: "", textSource: "none", textModel: null })
      expect(clips[0]!.textError).toBe("TranscriptionError: speech recognition by broken-whisper failed: the decoder ran out of memory")
      expect(card).toContain("The recogniser failed on 1 clips")
    }))

  it.scoped("--require-transcript any takes asr text, but not a clip the recogniser failed on; manual never takes asr", () =>
    Effect.gen(function* () {
      const any = yield* curateBoth(curatorLayer(models("auto")), "any")
      expect(any.verdicts.map((v) => v.accepted)).toEqual([true, true])
      const anyFailing = yield* curateBoth(failing, "any")
      expect(anyFailing.verdicts[0]).toMatchObject({ accepted: false, rule: "transcript", clips: 0 })
      expect(anyFailing.verdicts[0]!.detail).toContain("failed on 1")
      const manual = yield* curateBoth(curatorLayer(models("auto")), "manual")
      expect(manual.verdicts.map((v) => [v.accepted, v.rule])).toEqual([[false, "transcript"], [true, "accepted"]])
    }))

  it.effect("a named recogniser that is not installed is an error naming what is", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Layer.build(curatorLayer(models("whisper-large")).pipe(Layer.provide(Layer.merge(Workspace.layer("/nonexistent"), Layer.succeed(Manifest, {} as never))))).pipe(Effect.scoped))
      expect(error.message).toContain("no speech recognition")
      expect(error.message).toContain("tiny-whisper-asr, tiny-whisper-loop")
    }))
})
