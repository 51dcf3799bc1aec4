import { Effect } from "effect"
import { createHash } from "node:crypto"
import { basename, dirname, extname, isAbsolute, join, relative, sep } from "node:path"
import { DatasetClip } from "../domain/Analysis.js"
import { ExportFormat } from "../domain/ExportFormat.js"
import type { WorkspacePaths } from "../domain/Workspace.js"
import { type FileWriteError, writeLinesAtomic } from "../files/atomicWrite.js"
import { Manifest } from "./Manifest.js"
import { makeShardWriter, readClip, sampleMembers } from "./webdataset.js"
import type { ManifestQueryError } from "./ManifestErrors.js"

/**
 * Files derived from the manifest. Row formats: `jsonl` (the manifest itself), `urls` (remote sources).
 * Clip formats: `hf` (Hugging Face audiofolder metadata.jsonl), `nemo` (NeMo manifest), `csv`, `lhotse`
 * (a Lhotse recordings + supervisions JSONL pair). Paths in them are relative to the file that names them:
 * no absolute path of this machine ends up in a dataset that people move and share.
 */
export { ExportFormat }

export const defaultExportPath = (paths: WorkspacePaths, format: ExportFormat): string =>
  ({
    hf: join(paths.dataset, "metadata.jsonl"),
    nemo: join(paths.exports, "nemo_manifest.jsonl"),
    csv: join(paths.exports, "clips.csv"),
    urls: join(paths.exports, "urls.txt"),
    jsonl: join(paths.exports, "manifest.jsonl"),
    lhotse: join(paths.exports, "lhotse_recordings.jsonl"),
    // A folder of shards.
    webdataset: join(paths.exports, "webdataset")
  })[format]

/** The size bound of a WebDataset shard. */
export const defaultShardBytes = 256 * 1024 * 1024

/** Lhotse's pair: the supervisions file sits beside the recordings file, named alike. */
export const lhotseSupervisionsPath = (recordingsPath: string) => {
  const name = basename(recordingsPath)
  return join(dirname(recordingsPath), name.includes("recordings") ? name.replace("recordings", "supervisions") : `supervisions_${name}`)
}

const pageSize = 1000
const round = (value: number, digits: number) => Number(value.toFixed(digits))
const roundOrNull = (value: number | null, digits: number) => (value === null ? null : round(value, digits))

const parsedJson = (value: unknown) => (typeof value === "string" ? JSON.parse(value) : null)

/**
 * A stored row as one JSON line, its JSON columns as objects rather than strings of JSON, and without this
 * machine's folders: the audio path relative to the export's folder, a local source relative to its input folder.
 */
const rowLine = (row: Record<string, unknown>, exportDir: string) => {
  const text = (key: string) => (typeof row[key] === "string" ? row[key] as string : null)
  const audioPath = text("audioPath")
  const sourceRoot = text("sourceRoot")
  return JSON.stringify({
    ...row,
    sourceUrl: portableSource({ kind: text("kind") ?? "", sourceUrl: text("sourceUrl") ?? "", sourceRoot }),
    sourceRoot: sourceRoot === null ? null : basename(sourceRoot),
    audioPath: audioPath === null ? null : portable(relative(exportDir, audioPath)),
    // Tools' messages name the file they read: named relative to its input folder here too.
    lastErrorMessage: sourceRoot === null ? row["lastErrorMessage"] : text("lastErrorMessage")?.split(`${sourceRoot}${sep}`).join("") ?? null,
    analysis: parsedJson(row["analysis"]),
    captions: parsedJson(row["captions"]),
    acceptedUnder: parsedJson(row["acceptedUnder"])
  })
}

/** Paths with `/` whatever the platform: the dataset is read on other machines. */
const portable = (path: string) => path.split(sep).join("/")

/** Where a clip came from, without this machine's folders: a URL, or a local file's path relative to the folder it was found in. */
export const portableSource = (clip: Pick<DatasetClip, "kind" | "sourceUrl" | "sourceRoot">): string => {
  if (clip.kind !== "local") return clip.sourceUrl
  const inside = clip.sourceRoot === null ? basename(clip.sourceUrl) : relative(clip.sourceRoot, clip.sourceUrl)
  return portable(inside.startsWith("..") || isAbsolute(inside) ? basename(clip.sourceUrl) : inside)
}

/**
 * Who is speaking, as far as kidvoice can tell: the host's channel (no diarisation, so one channel stands for
 * its speakers), or a local file's folder under its input. Used as `speaker_id`, and what the split follows.
 */
export const channelKey = (clip: Pick<DatasetClip, "kind" | "sourceUrl" | "sourceRoot" | "channelId" | "channel" | "videoId">): string => {
  if (clip.channelId) return clip.channelId
  if (clip.channel) return `channel:${clip.channel}`
  if (clip.kind === "local") {
    // The input folder's own name, then the subfolders: `local:samples`, `local:samples/anna`.
    const folder = dirname(portableSource(clip))
    const root = clip.sourceRoot === null ? "" : basename(clip.sourceRoot)
    return `local:${[root, folder === "." ? "" : folder].filter((p) => p !== "").join("/")}`
  }
  return `video:${clip.videoId}`
}

export type Split = "train" | "validation" | "test"

/**
 * The split of a channel: a hash of its key, 80 / 10 / 10. Deterministic (the same channel lands in the same
 * split in every run and on every machine) and by channel, so no speaker is heard in two splits.
 */
export const splitOf = (key: string): Split => {
  const bucket = createHash("sha256").update(key).digest().readUInt32BE(0) % 100
  return bucket < 80 ? "train" : bucket < 90 ? "validation" : "test"
}

/** A clip's fields shared by every clip format. */
export const clipFields = (clip: DatasetClip) => {
  const speaker = channelKey(clip)
  return {
    video_id: clip.videoId,
    source_url: portableSource(clip),
    start: round(clip.start, 3),
    end: round(clip.end, 3),
    duration: round(clip.end - clip.start, 3),
    child_score: round(clip.childScore, 4),
    language: clip.language,
    text: clip.text,
    text_source: clip.textSource,
    cue_start: roundOrNull(clip.cueStart, 3),
    cue_end: roundOrNull(clip.cueEnd, 3),
    text_model: clip.textModel,
    licence: clip.licence ?? "unknown",
    speaker_id: speaker,
    split: splitOf(speaker)
  }
}

/** The columns of `metadata.jsonl` and their types (Hugging Face `Value` dtypes), for the card's loading snippet. */
export const metadataColumns: ReadonlyArray<readonly [string, "string" | "float64"]> = [
  ["file_name", "string"],
  ...Object.entries(clipFields(DatasetClip.make({
    fileName: "", start: 0, end: 0, childScore: 0, language: "", videoId: "", sourceUrl: "", title: null, licence: null, text: "",
    textSource: "none", cueStart: 0, cueEnd: 0, kind: "url", channelId: null, channel: null, sourceRoot: null, acceptedUnder: null
  }))).map(([name, value]) => [name, typeof value === "number" ? "float64" : "string"] as const)
]

const csvCell = (value: string | number | null) => {
  const text = value === null ? "" : String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export const csvHeader =
  "file_name,video_id,source_url,start,end,duration,child_score,language,text,text_source,cue_start,cue_end,text_model,licence,speaker_id,split"

/** A clip's path relative to the folder of the file naming it. */
const clipPath = (clip: DatasetClip, datasetDir: string, exportDir: string) => portable(relative(exportDir, join(datasetDir, clip.fileName)))

/** A clip's id in a Lhotse manifest: its file name without folder and extension (unique: video id and times). */
const lhotseId = (clip: DatasetClip) => basename(clip.fileName, extname(clip.fileName))

/** kidvoice writes every clip as 16 kHz mono 16-bit WAV. */
const clipSampleRate = 16_000

/**
 * One clip's line in a clip format. NeMo's reader takes `audio_filepath`, `duration`, `text` and `lang` (its
 * name for the language), and resolves a relative path against the manifest's folder. Lhotse: each clip is a
 * recording of its own file, with one supervision covering it (`lhotse-supervisions`).
 */
export const clipLine = (
  format: "hf" | "nemo" | "csv" | "lhotse" | "lhotse-supervisions",
  clip: DatasetClip,
  datasetDir: string,
  exportDir: string
): string => {
  const fields = clipFields(clip)
  const path = clipPath(clip, datasetDir, exportDir)
  switch (format) {
    case "hf":
      return JSON.stringify({ file_name: path, ...fields })
    case "nemo":
      return JSON.stringify({ audio_filepath: path, ...fields, lang: fields.language })
    case "csv":
      return [path, ...Object.values(fields)].map(csvCell).join(",")
    case "lhotse": {
      const numSamples = Math.round(fields.duration * clipSampleRate)
      return JSON.stringify({
        id: lhotseId(clip),
        sources: [{ type: "file", channels: [0], source: path }],
        sampling_rate: clipSampleRate,
        num_samples: numSamples,
        duration: numSamples / clipSampleRate,
        channel_ids: [0]
      })
    }
    case "lhotse-supervisions":
      return JSON.stringify({
        id: lhotseId(clip),
        recording_id: lhotseId(clip),
        start: 0,
        duration: Math.round(fields.duration * clipSampleRate) / clipSampleRate,
        channel: 0,
        text: fields.text,
        language: fields.language,
        speaker: fields.speaker_id,
        custom: {
          video_id: fields.video_id,
          source_url: fields.source_url,
          text_source: fields.text_source,
          text_model: fields.text_model,
          child_score: fields.child_score,
          licence: fields.licence,
          split: fields.split
        }
      })
  }
}

/** Pages through the manifest's clips, `pageSize` at a time. */
export const forEachClipPage = <E, R>(use: (clips: ReadonlyArray<DatasetClip>) => Effect.Effect<void, E, R>) =>
  Effect.gen(function* () {
    const manifest = yield* Manifest
    let after = ""
    while (true) {
      const clips = yield* manifest.clipsPage(after, pageSize)
      if (clips.length === 0) return
      yield* use(clips)
      after = clips.at(-1)!.fileName
    }
  })

/**
 * Writes an export derived from the manifest, page by page and atomically: a URL is in the URL list only
 * because its row is in the manifest, never the other way round.
 */
export const writeExport = (
  format: ExportFormat,
  path: string,
  paths: WorkspacePaths,
  maxShardBytes = defaultShardBytes
): Effect.Effect<{ readonly path: string; readonly lines: number }, FileWriteError | ManifestQueryError, Manifest> =>
  Effect.gen(function* () {
    const manifest = yield* Manifest
    let lines = 0
    if (format === "webdataset") {
      // `lines` counts samples here.
      const shards = makeShardWriter(path, maxShardBytes)
      yield* forEachClipPage((clips) =>
        Effect.forEach(clips, (clip) =>
          Effect.flatMap(readClip(paths, clip.fileName), (audio) => {
            lines++
            const fields = clipFields(clip)
            return shards.add(sampleMembers(clip.fileName, audio, fields, fields.text))
          }), { discard: true }))
      yield* shards.close
      return { path, lines }
    }
    yield* writeLinesAtomic(path, (emit) => {
      const count = (page: ReadonlyArray<string>) => {
        lines += page.length
        return emit(page)
      }
      if (format === "urls" || format === "jsonl") {
        return Effect.gen(function* () {
          let afterId = ""
          while (true) {
            // Local files have a path, not a URL: they are not in the URL list.
            const lines = format === "urls"
              ? (yield* manifest.sourceUrlsPage(afterId, pageSize)).map((row) => ({ id: row.id, line: row.kind === "local" ? [] : [row.sourceUrl] }))
              : (yield* manifest.storedRowsPage(afterId, pageSize)).map((row) => ({ id: row.id, line: [rowLine(row, dirname(path))] }))
            if (lines.length === 0) return
            yield* count(lines.flatMap((l) => l.line))
            afterId = lines.at(-1)!.id
          }
        })
      }
      const header = format === "csv" ? emit([csvHeader]) : Effect.void
      return header.pipe(
        Effect.zipRight(forEachClipPage((clips) => count(clips.map((clip) => clipLine(format, clip, paths.dataset, dirname(path))))))
      )
    })
    if (format === "lhotse") {
      // The supervisions in a second pass, each file written atomically: a reader never meets half a pair for long.
      const supervisions = lhotseSupervisionsPath(path)
      yield* writeLinesAtomic(supervisions, (emit) =>
        forEachClipPage((clips) => emit(clips.map((clip) => clipLine("lhotse-supervisions", clip, paths.dataset, dirname(supervisions))))))
    }
    return { path, lines }
  })
