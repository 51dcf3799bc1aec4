import { Candidate } from "../domain/Candidate.js"
import { urlVideoId, youTubeIdOfUrl, VideoId } from "../domain/VideoId.js"
import { isMediaFile } from "../media/mediaFormats.js"
import { type YouTubeTarget, youTubeTargetOfUrl } from "./youTubeTargets.js"

export interface RejectedLine {
  readonly line: number
  readonly text: string
  readonly reason: string
}

/** A line naming a local media file (absolute, or relative to the list's folder): its candidate needs the file's content. */
export interface LocalFileLine {
  readonly line: number
  readonly path: string
}

export interface ParsedUrlList {
  readonly candidates: ReadonlyArray<Candidate>
  readonly localFiles: ReadonlyArray<LocalFileLine>
  /** Channel and playlist URLs, with their lines: discovery lists their videos. */
  readonly targets: ReadonlyArray<{ readonly line: number; readonly text: string; readonly target: YouTubeTarget }>
  readonly rejected: ReadonlyArray<RejectedLine>
}

const bareYouTubeId = /^[A-Za-z0-9_-]{11}$/

export interface UrlListOptions {
  /** Accept `file://` URLs (local archives, offline work): yt-dlp then runs with --enable-file-urls. */
  readonly allowFileUrls: boolean
}

/**
 * One URL (or bare YouTube id, or local media file's path) a line; blank lines and `#` comments are skipped, junk
 * lines are reported with their line number rather than failing the whole list. Duplicates keep their first line.
 * A line may carry more after its URL or id, as hand-written lists and spreadsheet exports do: a ` # note`, or
 * further columns after a tab, a space or a comma; the first column is the entry.
 */
export const parseUrlList = (text: string, options: UrlListOptions = { allowFileUrls: false }): ParsedUrlList => {
  const candidates = new Map<string, Candidate>()
  const targets = new Map<string, ParsedUrlList["targets"][number]>()
  const rejected: Array<RejectedLine> = []
  const localFiles: Array<LocalFileLine> = []
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1
    const whole = raw.replace(/^\uFEFF/, "").trim()
    if (whole === "" || whole.startsWith("#")) return
    // A path without a scheme, with a media file's name ending (`find … -name '*.mp4' > list.txt`): spaces, `#` and all.
    const entry = isLocalPath(whole) ? whole : whole.replace(/\s+#.*$/, "")
    if (isLocalPath(entry)) return void localFiles.push({ line, path: entry })
    const first = firstColumn(entry)
    const target = youTubeTargetOfUrl(first)
    if (target) {
      const key = JSON.stringify(target)
      if (!targets.has(key)) targets.set(key, { line, text: entry.slice(0, 200), target })
      return
    }
    const candidate = candidateOfEntry(first, options)
    if (typeof candidate === "string") rejected.push({ line, text: entry.slice(0, 200), reason: candidate })
    else if (!candidates.has(candidate.id)) candidates.set(candidate.id, candidate)
  })
  return { candidates: [...candidates.values()], localFiles, targets: [...targets.values()], rejected }
}

const isLocalPath = (entry: string) => !URL.canParse(entry) && isMediaFile(entry)

/**
 * The URL or id a line starts with: up to the first whitespace (a URL holds none), and before a comma when the text
 * up to it is an id or a URL on its own (a URL may hold commas, so a comma only ends a column that already parses).
 */
const firstColumn = (entry: string) => {
  const token = entry.split(/\s/, 1)[0]!
  const beforeComma = token.split(",", 1)[0]!
  return beforeComma !== token && (bareYouTubeId.test(beforeComma) || youTubeIdOfUrl(beforeComma) !== undefined) ? beforeComma : token
}

const candidateOfEntry = (entry: string, options: UrlListOptions): Candidate | string => {
  if (bareYouTubeId.test(entry)) return youTube(VideoId.make(entry))
  let url: URL
  try {
    url = new URL(entry)
  } catch {
    return "not a URL, an 11-character YouTube id or a media file's path"
  }
  if (url.protocol === "file:") {
    if (!options.allowFileUrls) return "a file:// URL: allowed with --allow-file-urls (or give the folder or file itself as --input)"
    return Candidate.make({ id: urlVideoId(url.href), kind: "url", sourceUrl: url.href, title: null, channel: null, declaredDurationSeconds: null })
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `unsupported scheme ${url.protocol} (http and https${options.allowFileUrls ? ", file" : ""} only)`
  }
  const youTubeId = youTubeIdOfUrl(url.href)
  if (youTubeId) return youTube(youTubeId)
  if (/(^|\.)youtube\.com$|^youtu\.be$/.test(url.hostname)) return "a YouTube URL without a video id, and not a channel or playlist URL"
  return Candidate.make({ id: urlVideoId(url.href), kind: "url", sourceUrl: url.href, title: null, channel: null, declaredDurationSeconds: null })
}

const youTube = (id: VideoId) =>
  Candidate.make({ id, kind: "youtube", sourceUrl: `https://www.youtube.com/watch?v=${id}`, title: null, channel: null, declaredDurationSeconds: null })
