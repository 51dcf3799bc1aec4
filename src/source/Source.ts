import { Context, Data, Effect, Layer, type Stream } from "effect"
import { promises as fs } from "node:fs"
import { basename, dirname, extname, join, resolve } from "node:path"
import { Candidate } from "../domain/Candidate.js"
import { sha256OfFile } from "../files/sha256File.js"
import { localVideoId } from "../domain/VideoId.js"
import type { Listing } from "./metadataFilter.js"
import { parseUrlList, type RejectedLine } from "./urlList.js"
import { YouTubeCatalog, type YouTubeCatalogError } from "./YouTubeCatalog.js"
import { type YouTubeTarget, youTubeTargetOfUrl } from "./youTubeTargets.js"

export class SourceNotFound extends Data.TaggedError("SourceNotFound")<{ readonly input: string; readonly reason: string }> {
  override get message() {
    return `cannot read the input ${this.input}: ${this.reason}. Pass a folder of media files, a text file of URLs, or a YouTube channel or playlist URL.`
  }
}

/** File name endings taken from a folder: what ffmpeg decodes that people keep audio and video in. */
export const mediaExtensions = new Set([
  ".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".wma", ".aiff", ".aif",
  ".mp4", ".m4v", ".mkv", ".webm", ".mov", ".avi", ".ts", ".3gp"
])

const captionSidecarExtensions = new Set([".vtt", ".srt"])

export interface Discovery {
  readonly candidates: ReadonlyArray<Candidate>
  /** Channels and playlists named by the input, whose videos are listed next. */
  readonly targets: ReadonlyArray<YouTubeTarget>
  /** Entries passed over, each with why: junk URL lines, files that are not media. */
  readonly passedOver: ReadonlyArray<{ readonly where: string; readonly reason: string }>
}

const listFiles = (dir: string): Effect.Effect<ReadonlyArray<string>, SourceNotFound> =>
  Effect.tryPromise({
    try: () => fs.readdir(dir, { withFileTypes: true, recursive: true }),
    catch: (e) => new SourceNotFound({ input: dir, reason: String(e) })
  }).pipe(
    Effect.map((entries) =>
      entries
        .filter((e) => e.isFile() && !e.name.startsWith("."))
        .map((e) => join(e.parentPath, e.name))
        .sort()
    )
  )

const localCandidate = (file: string, root: string) =>
  sha256OfFile(file).pipe(
    Effect.mapError((e) => new SourceNotFound({ input: file, reason: e.message })),
    Effect.map((digest) =>
      Candidate.make({
        id: localVideoId(digest),
        kind: "local",
        sourceUrl: file,
        title: basename(file, extname(file)),
        channel: null,
        declaredDurationSeconds: null,
        sourceRoot: root
      })
    )
  )

/** A folder: every media file becomes a candidate whose id comes from its content, so renames and copies are the same video. */
const discoverFolder = (dir: string) =>
  Effect.gen(function* () {
    const files = yield* listFiles(dir)
    const passedOver: Array<{ where: string; reason: string }> = []
    const media = files.filter((file) => {
      const known = mediaExtensions.has(extname(file).toLowerCase())
      // Caption sidecars (`.vtt`, `.srt`) are read with their media file, not passed over.
      if (!known && !captionSidecarExtensions.has(extname(file).toLowerCase())) passedOver.push({ where: file, reason: "not a media file name ending" })
      return known
    })
    const candidates = yield* Effect.forEach(media, (file) => localCandidate(file, dir), { concurrency: 4 })
    return { candidates, targets: [], passedOver } satisfies Discovery
  })

const discoverUrlList = (file: string) =>
  Effect.tryPromise({ try: () => fs.readFile(file, "utf8"), catch: (e) => new SourceNotFound({ input: file, reason: String(e) }) }).pipe(
    Effect.map((text) => {
      const parsed = parseUrlList(text)
      return {
        candidates: parsed.candidates,
        targets: parsed.targets.map((t) => t.target),
        passedOver: parsed.rejected.map((r: RejectedLine) => ({ where: `${file}:${r.line}`, reason: `${r.reason}: ${r.text}` }))
      } satisfies Discovery
    })
  )

export interface SourceApi {
  /** Candidates from a folder of media files, one media file, a text file of URLs, or a YouTube channel or playlist URL. */
  readonly discover: (input: string) => Effect.Effect<Discovery, SourceNotFound>
  /** The videos a search, channel or playlist lists, in batches, through the configured YouTube back-end. */
  readonly list: (target: YouTubeTarget, limit: number) => Stream.Stream<ReadonlyArray<Listing>, YouTubeCatalogError>
}

export class Source extends Context.Tag("kidvoice/Source")<Source, SourceApi>() {
  static readonly layer = Layer.effect(Source, Effect.map(YouTubeCatalog, (catalog) => Source.of({
    list: catalog.list,
    discover: (input) =>
      Effect.gen(function* () {
        const target = youTubeTargetOfUrl(input)
        if (target) return { candidates: [], targets: [target], passedOver: [] } satisfies Discovery
        const path = resolve(input)
        const stat = yield* Effect.tryPromise({
          try: () => fs.stat(path),
          catch: (e) => new SourceNotFound({ input, reason: (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or folder" : String(e) })
        })
        if (stat.isDirectory()) return yield* discoverFolder(path)
        return mediaExtensions.has(extname(path).toLowerCase())
          ? { candidates: [yield* localCandidate(path, dirname(path))], targets: [], passedOver: [] }
          : yield* discoverUrlList(path)
      }).pipe(Effect.withSpan("Source.discover", { attributes: { input } }))
  })))
}
