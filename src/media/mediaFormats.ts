import { extname } from "node:path"

/**
 * Headerless telephony audio: the bytes say nothing of their encoding, so ffmpeg is told it from the name ending
 * (Asterisk's and SIP recorders' conventions). Voicemail, call recordings and phone prompts arrive this way.
 */
const headerlessFormats: Readonly<Record<string, ReadonlyArray<string>>> = {
  ".ulaw": ["-f", "mulaw", "-ar", "8000"],
  ".mulaw": ["-f", "mulaw", "-ar", "8000"],
  ".pcmu": ["-f", "mulaw", "-ar", "8000"],
  ".alaw": ["-f", "alaw", "-ar", "8000"],
  ".pcma": ["-f", "alaw", "-ar", "8000"],
  ".sln16": ["-f", "s16le", "-ar", "16000"]
}

/**
 * File name endings taken from a folder: what ffmpeg decodes that people keep audio and video in (phones' AMR and
 * 3GP voice memos, camcorders' MPEG and AVCHD, old downloads' FLV and WMV, telephony's GSM, G.722 and raw PCM).
 */
const mediaExtensions = new Set([
  ".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".wma", ".aiff", ".aif", ".aifc", ".au", ".snd",
  ".amr", ".awb", ".mka", ".wv", ".caf", ".spx", ".mp2", ".ac3",
  ".mp4", ".m4v", ".mkv", ".webm", ".mov", ".avi", ".ts", ".3gp", ".3g2", ".mpg", ".mpeg", ".mts", ".m2ts", ".vob",
  ".flv", ".wmv", ".asf", ".ogv",
  ".gsm", ".g722", ".sln", ...Object.keys(headerlessFormats)
])

export const isMediaFile = (path: string) => mediaExtensions.has(extname(path).toLowerCase())

/** ffmpeg's arguments that open one input: its encoding first where the file cannot say it (mono, like all telephony). */
export const inputArgs = (path: string) => {
  const format = headerlessFormats[extname(path).toLowerCase()]
  return format === undefined ? ["-i", path] : [...format, "-ac", "1", "-i", path]
}
