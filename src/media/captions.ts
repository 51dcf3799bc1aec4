import { CaptionCue } from "../domain/Captions.js"

/**
 * WebVTT and SubRip parsing, pure. Both are blocks separated by blank lines with a `start --> end` line; the
 * differences that matter are the decimal mark (`.` or `,`) and VTT's markup (`<c>`, `<00:00:01.200>`, styles).
 */

const timestamp = /(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})/
const timing = new RegExp(`${timestamp.source}\\s*-->\\s*${timestamp.source}`)

const seconds = (h: string | undefined, m: string, s: string, frac: string) =>
  Number(h ?? 0) * 3600 + Number(m) * 60 + Number(s) + Number(frac.padEnd(3, "0")) / 1000

const entities: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": " ", "&quot;": "\"", "&#39;": "'" }

/** A cue line as plain text: tags, inline timestamps and entities gone, spaces collapsed. */
const plain = (line: string) =>
  line.replace(/<[^>]*>/g, "").replace(/&(?:amp|lt|gt|nbsp|quot|#39);/g, (e) => entities[e]!).replace(/\s+/g, " ").trim()

/**
 * Cues of a VTT or SRT text, in time order. Rolling captions (YouTube's automatic ones repeat the previous
 * line above the new one) keep each line once; cues with no text or no duration are dropped.
 */
export const parseCaptions = (text: string): ReadonlyArray<CaptionCue> => {
  const cues: Array<CaptionCue> = []
  let previousLines = new Set<string>()
  for (const block of text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").split(/\n{2,}/)) {
    const lines = block.split("\n")
    const at = lines.findIndex((line) => timing.test(line))
    if (at < 0) continue // header, NOTE, STYLE, REGION
    const m = timing.exec(lines[at]!)!
    const start = seconds(m[1], m[2]!, m[3]!, m[4]!)
    const end = seconds(m[5], m[6]!, m[7]!, m[8]!)
    const textLines = lines.slice(at + 1).map(plain).filter((line) => line !== "")
    const fresh = textLines.filter((line) => !previousLines.has(line))
    if (textLines.length > 0) previousLines = new Set(textLines)
    if (fresh.length === 0 || end <= start) continue
    cues.push(CaptionCue.make({ start, end, text: fresh.join(" ") }))
  }
  return cues.sort((a, b) => a.start - b.start)
}

/** All of a track's text, for language identification. */
export const captionText = (cues: ReadonlyArray<CaptionCue>) => cues.map((c) => c.text).join(" ")
