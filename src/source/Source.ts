import { Context, Data, Effect, Layer, Stream } from "effect"
import { promises as fs } from "node:fs"
import { basename, dirname, extname, join, resolve } from "node:path"
import { Candidate } from "../domain/Candidate.js"
import { isMediaFile } from "../media/mediaFormats.js"
import { sha256OfFile } from "../files/sha256File.js"
import { localVideoId } from "../domain/VideoId.js"
import type { Listing } from "./metadataFilter.js"
import { parseUrlList, type RejectedLine, type UrlListOptions } from "./urlList.js"
import { type ListingPage, type ListingPosition, YouTubeCatalog, type YouTubeCatalogError } from "./YouTubeCatalog.js"
import { type YouTubeTarget, youTubeTargetOfUrl } from "./youTubeTargets.js"

export class SourceNotFound extends Data.TaggedError("SourceNotFound")<{ readonly input: string; readonly reason: string }> {
  override get message() {
    return `cannot read the input ${this.input}: ${this.reason}. Pass a folder of media files, a text file of URLs, or a YouTube channel or playlist URL.`
  }
}

const captionSidecarExtensions = new Set([".vtt", ".srt"])

export interface Discovery {
  readonly candidates: ReadonlyArray<Candidate>
  /** Channels and playlists named by the input, whose videos are listed next. */
  readonly targets: ReadonlyArray<YouTubeTarget>
  /** Entries passed over, each with why: junk URL lines, files that are not media. */
  readonly passedOver: ReadonlyArray<{ readonly where: string; readonly reason: string }>
}

/** A file found in a folder: the path it was listed under and, for a symlink, the file it points to. */
interface FolderFile {
  readonly listed: string
  readonly resolved: string
}

/**
 * Every file below `root`, following symlinks to files and folders inside or outside it; a file reached through a
 * symlink is recorded by its resolved path. A folder reached twice
 * (a symlink loop, or two links to one folder) is walked once; a dangling symlink is passed over with a reason.
 * Hidden entries are skipped.
 */
const walkFolder = (root: string) =>
  Effect.tryPromise({
    try: async () => {
      const files: Array<FolderFile> = []
      const passedOver: Array<{ where: string; reason: string }> = []
      const walked = new Set<string>()
      const walk = async (dir: string, viaLink: boolean): Promise<void> => {
        const real = await fs.realpath(dir)
        if (walked.has(real)) {
          if (dir !== root) passedOver.push({ where: dir, reason: `a symlink to a folder already listed (${real}): a loop or a second link, listed once` })
          return
        }
        walked.add(real)
        const entries = await fs.readdir(dir, { withFileTypes: true })
        for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
          if (entry.name.startsWith(".")) continue
          const path = join(dir, entry.name)
          if (entry.isDirectory()) await walk(path, viaLink)
          else if (entry.isFile()) files.push({ listed: path, resolved: viaLink ? await fs.realpath(path) : path })
          else if (entry.isSymbolicLink()) {
            const target = await fs.stat(path).catch((e: NodeJS.ErrnoException) => e)
            if (target instanceof Error) {
              const to = await fs.readlink(path).catch(() => "?")
              passedOver.push({ where: path, reason: `a symlink to ${to}, which ${target.code === "ELOOP" ? "loops" : "does not exist"} (dangling)` })
            } else if (target.isDirectory()) await walk(path, true)
            else if (target.isFile()) files.push({ listed: path, resolved: await fs.realpath(path) })
          }
        }
      }
      await walk(root, false)
      return { files, passedOver }
    },
    catch: (e) => new SourceNotFound({ input: root, reason: String(e) })
  })

/** A local file's candidate: its id from its content, its source the file itself (a symlink's target), its title the name it was listed under. */
const localCandidate = (file: string, root: string, listedAs: string = file) =>
  sha256OfFile(file).pipe(
    Effect.mapError((e) => new SourceNotFound({ input: file, reason: e.message })),
    Effect.map((digest) =>
      Candidate.make({
        id: localVideoId(digest),
        kind: "local",
        sourceUrl: file,
        title: basename(listedAs, extname(listedAs)),
        channel: null,
        declaredDurationSeconds: null,
        sourceRoot: root
      })
    )
  )

/** A folder: every media file becomes a candidate whose id comes from its content, so renames and copies are the same video. */
const discoverFolder = (dir: string) =>
  Effect.gen(function* () {
    const { files, passedOver } = yield* walkFolder(dir)
    const media = files.filter((file) => {
      const known = isMediaFile(file.listed)
      // Caption sidecars (`.vtt`, `.srt`) are read with their media file, not passed over.
      if (!known && !captionSidecarExtensions.has(extname(file.listed).toLowerCase())) {
        passedOver.push({ where: file.listed, reason: "not a media file name ending" })
      }
      return known
    })
    const candidates = yield* Effect.forEach(media, (file) => localCandidate(file.resolved, dir, file.listed), { concurrency: 4 })
    return { candidates, targets: [], passedOver } satisfies Discovery
  })

/**
 * A URL list: its URLs and ids as parsed, and its lines naming local media files (relative to the list's folder) as
 * local candidates, each as if given alone as --input; a named file that is not there is passed over with its line.
 */
const discoverUrlList = (file: string, options: UrlListOptions) =>
  Effect.gen(function* () {
    const text = yield* Effect.tryPromise({ try: () => fs.readFile(file, "utf8"), catch: (e) => new SourceNotFound({ input: file, reason: String(e) }) })
    const parsed = parseUrlList(text, options)
    const passedOver: Array<RejectedLine> = [...parsed.rejected]
    const local = yield* Effect.forEach(parsed.localFiles, ({ line, path }) => {
      const resolved = resolve(dirname(file), path)
      const passOver = (reason: string) => Effect.sync(() => void passedOver.push({ line, text: resolved, reason })).pipe(Effect.as(null))
      return Effect.promise(() => fs.stat(resolved).then((s) => s.isFile(), () => false)).pipe(
        Effect.flatMap((isFile) => (isFile ? localCandidate(resolved, dirname(resolved)) : passOver("no such media file"))),
        Effect.catchTag("SourceNotFound", (e) => passOver(`cannot read it (${e.reason})`))
      )
    }, { concurrency: 4 })
    return {
      candidates: [...parsed.candidates, ...local.filter((c) => c !== null)],
      targets: parsed.targets.map((t) => t.target),
      passedOver: passedOver.sort((a, b) => a.line - b.line).map((r) => ({ where: `${file}:${r.line}`, reason: `${r.reason}: ${r.text}` }))
    } satisfies Discovery
  })

export interface SourceApi {
  /** Candidates from a folder of media files, one media file, a text file of URLs, or a YouTube channel or playlist URL. */
  readonly discover: (input: string) => Effect.Effect<Discovery, SourceNotFound>
  /** The videos a search, channel or playlist lists, in batches, through the configured YouTube back-end. */
  readonly list: (target: YouTubeTarget, limit: number) => Stream.Stream<ReadonlyArray<Listing>, YouTubeCatalogError>
  /**
   * The same, page by page from `from`, each page saying where the next starts and whether it was the last. A back-end without
   * page tokens (yt-dlp) gives its batches with no position to resume at, then an empty last page marking it complete.
   */
  readonly listPages: (target: YouTubeTarget, limit: number, from: ListingPosition | null) => Stream.Stream<ListingPage, YouTubeCatalogError>
}

export class Source extends Context.Tag("kidvoice/Source")<Source, SourceApi>() {
  static readonly layer = Layer.suspend(() => Source.layerWith({ allowFileUrls: false }))

  /** The source with the URL-list options of the settings (file:// URLs). */
  static readonly layerWith = (options: UrlListOptions) => Layer.effect(Source, Effect.map(YouTubeCatalog, (catalog) => Source.of({
    list: catalog.list,
    listPages: (target, limit, from) =>
      catalog.listPages?.(target, limit, from) ??
        catalog.list(target, limit).pipe(
          Stream.map((listings): ListingPage => ({ listings, next: from, complete: false })),
          Stream.concat(Stream.succeed<ListingPage>({ listings: [], next: null, complete: true }))
        ),
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
        return isMediaFile(path)
          ? { candidates: [yield* localCandidate(path, dirname(path))], targets: [], passedOver: [] }
          : yield* discoverUrlList(path, options)
      }).pipe(Effect.withSpan("Source.discover", { attributes: { input } }))
  })))
}
