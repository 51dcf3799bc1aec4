import { Effect } from "effect"
import { createHash } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { Analysis, Clip } from "../../src/domain/Analysis.js"
import type { VideoId } from "../../src/domain/VideoId.js"
import { Workspace } from "../../src/domain/Workspace.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { wavHeader } from "../../src/media/WavFile.js"
import { candidate } from "./manifest.js"

/** Accepted (and rejected) videos with clip files in the dataset folder, for upload tests. */
const analysis = Analysis.make({
  durationSeconds: 30,
  speechSeconds: 20,
  childSpeechSeconds: 15,
  childShare: 0.75,
  language: "unknown",
  languageConfidence: 0,
  languageSource: "none",
  classifier: "test",
  segments: []
})

export interface Fixture {
  readonly fileName: string
  readonly videoId: VideoId
  readonly language: string
  readonly accepted: boolean
  readonly bytes: Buffer
  readonly sha256: string
}

/** `samples` of 16 kHz mono PCM (1600: 0.1 s), different for every seed. */
export const wavBytes = (seed: number, samples = 1600) => {
  const data = Buffer.alloc(samples * 2)
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(8000 * Math.sin(i * (0.01 + seed * 0.003) + seed)), i * 2)
  return Buffer.concat([wavHeader(16000, 1, data.length), data])
}

const pad = (ms: number) => ms.toString().padStart(9, "0")

export interface VideoSpec {
  readonly n: number
  readonly accepted: boolean
  readonly clips: number
  readonly language?: string
}

/** Takes videos through download, analysis and curation, writing their clip files into the dataset folder. */
export const seed = (videos: ReadonlyArray<VideoSpec>, clipSamples = 1600) =>
  Effect.gen(function* () {
    const manifest = yield* Manifest
    const workspace = yield* Workspace
    yield* manifest.addCandidates(videos.map((v) => candidate(v.n)))
    yield* manifest.claim("download", videos.length)
    for (const v of videos) {
      yield* manifest.completeDownload(candidate(v.n).id, { audioPath: join(workspace.audio, `${candidate(v.n).id}.wav`), measuredDurationSeconds: 30 })
    }
    yield* manifest.claim("analyze", videos.length)
    const fixtures: Array<Fixture> = []
    for (const v of videos) {
      const videoId = candidate(v.n).id
      yield* manifest.completeAnalysis(videoId, analysis)
      const language = v.language ?? "unknown"
      const clips = Array.from({ length: v.clips }, (_, i) =>
        Clip.make({ fileName: `${language}/${videoId}_${pad(i * 3000 + 1000)}_${pad(i * 3000 + 4000)}.wav`, start: i * 3 + 1, end: i * 3 + 4, childScore: 0.9, language }))
      yield* manifest.decide(videoId, { accepted: v.accepted, rule: v.accepted ? "accepted" : "too-little-child-speech", detail: "test" }, clips)
      for (const clip of clips) {
        const bytes = wavBytes(v.n * 100 + fixtures.length, clipSamples)
        const path = join(workspace.dataset, clip.fileName)
        mkdirSync(dirname(path), { recursive: true })
        writeFileSync(path, bytes)
        fixtures.push({ fileName: clip.fileName, videoId, language, accepted: v.accepted, bytes, sha256: createHash("sha256").update(bytes).digest("hex") })
      }
    }
    return fixtures
  })

