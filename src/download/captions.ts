import { Effect } from "effect"
import { promises as fs } from "node:fs"
import { basename, dirname, extname, join } from "node:path"
import { CaptionTrack } from "../domain/Captions.js"
import { parseCaptions } from "../media/captions.js"

/**
 * Captions come with the media: yt-dlp fetches the creator's subtitles and the host's automatic captions in the
 * same run as the audio (subtitle options only, no second download of the media), and a local file may bring
 * sidecar `.vtt`/`.srt` files with its base name. Tracks are parsed into cues here and stored on the row.
 */

/** yt-dlp writes the caption files (and the info JSON that tells creator tracks from automatic ones) under this stem. */
const captionStem = "captions"

/**
 * The subtitle options for one fetch into `dir`, for the languages asked for (`--caption-languages`; none: no
 * captions). Pure. The info JSON is the only place yt-dlp says which tracks are the creator's (`subtitles`) and
 * which automatic (`automatic_captions`); it also carries the video's licence.
 */
export const captionArgs = (languages: ReadonlyArray<string>, dir: string): ReadonlyArray<string> =>
  languages.length === 0 ? [] : [
    "--write-subs", "--write-auto-subs",
    "--sub-langs", languages.join(","),
    "--sub-format", "vtt/srt/best",
    "--write-info-json",
    "-o", `subtitle:${join(dir, `${captionStem}.%(ext)s`)}`,
    "-o", `infojson:${join(dir, captionStem)}`
  ]

/** What yt-dlp's info JSON says that kidvoice keeps. */
export interface FetchedInfo {
  readonly manualLanguages: ReadonlySet<string>
  /** Whether the host marks its automatic track in the spoken language (`xx-orig`): the other automatic ones are translations. */
  readonly marksOriginal: boolean
  readonly licence: string | null
}

const noInfo: FetchedInfo = { manualLanguages: new Set(), marksOriginal: false, licence: null }

const keysOf = (value: unknown) => (value !== null && typeof value === "object" ? Object.keys(value) : [])

/** Reads the fields kidvoice uses from an info JSON text; anything unexpected counts as absent. */
export const parseInfoJson = (text: string): FetchedInfo => {
  try {
    const info = JSON.parse(text) as { subtitles?: unknown; automatic_captions?: unknown; license?: unknown }
    return {
      manualLanguages: new Set(keysOf(info.subtitles)),
      marksOriginal: keysOf(info.automatic_captions).some((tag) => /-orig$/i.test(tag)),
      licence: typeof info.license === "string" && info.license.trim() !== "" ? info.license.trim() : null
    }
  } catch {
    return noInfo
  }
}

const captionExtensions = new Set([".vtt", ".srt"])

/** `vi`, `en-US`, `en-orig` (YouTube's automatic track in the spoken language) → the language tag kept; else null. */
const trackLanguage = (tag: string): string | null => {
  const cleaned = tag.replace(/-orig$/i, "")
  return /^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$/i.test(cleaned) ? cleaned : null
}

/**
 * Which of a folder's file names are caption tracks of `stem`: `<stem>.vtt` (no language) or `<stem>.<lang>.vtt`,
 * SRT likewise. Pure. A creator's track is preferred when yt-dlp wrote the same language twice.
 */
export const captionFilesOf = (stem: string, names: ReadonlyArray<string>): ReadonlyArray<{ readonly name: string; readonly tag: string | null }> =>
  names.flatMap((name): Array<{ name: string; tag: string | null }> => {
    const ext = extname(name).toLowerCase()
    if (!captionExtensions.has(ext) || !name.startsWith(`${stem}.`)) return []
    const middle = name.slice(stem.length, name.length - ext.length)
    if (middle === "") return [{ name, tag: null }]
    const tag = middle.slice(1)
    return middle.startsWith(".") && trackLanguage(tag) !== null ? [{ name, tag }] : []
  }).sort((a, b) => a.name.localeCompare(b.name))

const readText = (path: string) => Effect.promise(() => fs.readFile(path, "utf8").catch(() => null))

const readTracks = (dir: string, stem: string, sourceOf: (tag: string | null) => "manual" | "auto" | "translation") =>
  Effect.gen(function* () {
    const names = yield* Effect.promise(() => fs.readdir(dir).catch(() => [] as Array<string>))
    const tracks = yield* Effect.forEach(captionFilesOf(stem, names), ({ name, tag }) =>
      Effect.map(readText(join(dir, name)), (text) => {
        const source = sourceOf(tag)
        return text === null || source === "translation"
          ? []
          : [CaptionTrack.make({ language: tag === null ? null : trackLanguage(tag), source, cues: parseCaptions(text) })]
      }))
    return tracks.flat().filter((track) => track.cues.length > 0)
  })

/**
 * Whose a fetched track is. Without the info JSON its origin is unknown: counted as automatic, so
 * `--require-transcript manual` is not fooled. An automatic track other than the `-orig` one is a machine
 * translation of it: no transcript of what is said, and no evidence of the spoken language, so it is dropped.
 */
export const trackOrigin = (info: FetchedInfo, tag: string | null): "manual" | "auto" | "translation" => {
  if (tag !== null && info.manualLanguages.has(tag)) return "manual"
  return info.marksOriginal && !/-orig$/i.test(tag ?? "") ? "translation" : "auto"
}

/** The tracks yt-dlp wrote into `dir` in a fetch with `captionArgs`, and the licence its info JSON reports. */
export const fetchedCaptions = (dir: string) =>
  Effect.gen(function* () {
    const infoText = yield* readText(join(dir, `${captionStem}.info.json`))
    const info = infoText === null ? noInfo : parseInfoJson(infoText)
    const tracks = yield* readTracks(dir, captionStem, (tag) => trackOrigin(info, tag))
    return { tracks, licence: info.licence }
  })

/** Sidecar captions of a local media file: `<base>.vtt`, `<base>.<lang>.srt`, ... beside it; a person's, so `manual`. */
export const sidecarCaptions = (mediaPath: string) =>
  readTracks(dirname(mediaPath), basename(mediaPath, extname(mediaPath)), () => "manual")
