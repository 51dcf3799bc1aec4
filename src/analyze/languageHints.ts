import { Effect } from "effect"
import type { eld as Eld } from "eld/medium"
/**
 * Language from evidence: the audio model when installed, a caption track's declared language, the host's
 * declared language, and what a text language identifier makes of the captions, title and description. Never a
 * local file's name: a file called `story.ogg` says nothing about the language spoken in it. Plain functions.
 */

export type LanguageSource = "whisper" | "captions" | "metadata" | "caption-text" | "title-script" | "text" | "unknown"

export interface LanguageGuess {
  /** ISO 639-1 code (or `unknown`). */
  readonly language: string
  readonly confidence: number
  readonly source: LanguageSource
}

/** What the manifest knows about a video besides its audio. */
export interface TextHints {
  readonly title: string | null
  readonly description?: string | null
  /** A caption or audio language from the video's metadata, e.g. `vi` or `en-US`. */
  readonly declaredLanguage?: string | null
  /** The video's caption tracks: their declared language (null for a sidecar file that names none) and text. */
  readonly captions?: ReadonlyArray<{ readonly language: string | null; readonly source: "manual" | "auto"; readonly text: string }>
}

export const unknownLanguage: LanguageGuess = { language: "unknown", confidence: 0, source: "unknown" }

/** Letters only Vietnamese uses among Latin alphabets: ă đ ơ ư, ĩ ũ, and the dotted/hooked tone vowels (U+1EA0–U+1EF9). */
const vietnameseOnly = /[ăĂđĐơƠưƯĩĨũŨ\u1EA0-\u1EF9]/gu

/** Scripts written by (mostly) one language, checked in order: kana before Han, since Japanese mixes both. */
const scripts: ReadonlyArray<{ readonly pattern: RegExp; readonly language: string; readonly confidence: number }> = [
  { pattern: /\p{Script=Hangul}/gu, language: "ko", confidence: 0.8 },
  { pattern: /[\p{Script=Hiragana}\p{Script=Katakana}]/gu, language: "ja", confidence: 0.8 },
  { pattern: /\p{Script=Han}/gu, language: "zh", confidence: 0.6 },
  { pattern: /\p{Script=Thai}/gu, language: "th", confidence: 0.8 },
  { pattern: /\p{Script=Lao}/gu, language: "lo", confidence: 0.8 },
  { pattern: /\p{Script=Khmer}/gu, language: "km", confidence: 0.8 },
  { pattern: /\p{Script=Myanmar}/gu, language: "my", confidence: 0.7 },
  { pattern: /\p{Script=Greek}/gu, language: "el", confidence: 0.8 },
  { pattern: /\p{Script=Hebrew}/gu, language: "he", confidence: 0.7 },
  { pattern: /\p{Script=Georgian}/gu, language: "ka", confidence: 0.8 },
  { pattern: /\p{Script=Armenian}/gu, language: "hy", confidence: 0.8 },
  { pattern: /\p{Script=Bengali}/gu, language: "bn", confidence: 0.6 },
  { pattern: /\p{Script=Tamil}/gu, language: "ta", confidence: 0.8 },
  { pattern: /\p{Script=Telugu}/gu, language: "te", confidence: 0.8 },
  { pattern: /\p{Script=Kannada}/gu, language: "kn", confidence: 0.8 },
  { pattern: /\p{Script=Malayalam}/gu, language: "ml", confidence: 0.8 },
  { pattern: /\p{Script=Gujarati}/gu, language: "gu", confidence: 0.8 },
  { pattern: /\p{Script=Gurmukhi}/gu, language: "pa", confidence: 0.8 },
  { pattern: /\p{Script=Sinhala}/gu, language: "si", confidence: 0.8 },
  // Shared scripts: a letter only one of its languages has decides, else the most common language, less sure.
  { pattern: /[єЄіІїЇґҐ]/gu, language: "uk", confidence: 0.7 },
  { pattern: /\p{Script=Cyrillic}/gu, language: "ru", confidence: 0.5 },
  { pattern: /[پچژگ]/gu, language: "fa", confidence: 0.6 },
  { pattern: /\p{Script=Arabic}/gu, language: "ar", confidence: 0.5 },
  { pattern: /\p{Script=Devanagari}/gu, language: "hi", confidence: 0.5 }
]

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0

/**
 * Latin-script text goes to eld (Efficient Language Detector, Apache-2.0, n-gram tables in the package). Measured
 * against tinyld and franc-min on 15 short Vietnamese, English and Czech titles: eld 15/15, tinyld 14/15, franc-min
 * 8/15 (franc's trigram profiles need longer text; it read Czech titles as Serbian, Bosnian, Kurdish), and eld was
 * the fastest (docs/dataset.md). Its scores are on short text, so a title's guess is never given much weight.
 */
/** eld's n-gram tables take about a second of CPU to load: loaded when first needed, never at start-up. */
let textIdentifier: typeof Eld | null = null

/**
 * Loads the text language identifier, once. The analyzer's layer does it, so commands that never read a title
 * (`--help`, `status`, `export`) start without it; a library user calling `languageFromText` yields it first.
 */
export const loadTextLanguageIdentifier: Effect.Effect<void> = Effect.suspend(() =>
  textIdentifier !== null
    ? Effect.void
    : Effect.promise(() => import("eld/medium")).pipe(Effect.map((module) => {
      textIdentifier = module.eld
    }))
)

const identify = (text: string): { readonly language: string; readonly score: number; readonly reliable: boolean } | null => {
  if (textIdentifier === null) throw new Error("the text language identifier is not loaded: yield* loadTextLanguageIdentifier first")
  const result = textIdentifier.detect(text)
  if (!/^[a-z]{2,3}$/.test(result.language)) return null
  return { language: result.language, score: result.getScores()[result.language] ?? 0, reliable: result.isReliable() }
}

/** Most a text guess is trusted: a title can be in another language than the speech (a translated title, a song name). */
const maxTextConfidence = 0.7

/** The language a text's words point at, by the text identifier; null when it cannot tell. */
export const identifyTextLanguage = (text: string): { readonly language: string; readonly confidence: number } | null => {
  const letters = count(text, /\p{L}/gu)
  if (letters < 3) return null
  const found = identify(text)
  if (found === null || !found.reliable) return null
  // Short texts are weak evidence however sure the scores look.
  const confidence = Math.min(maxTextConfidence, Math.max(0.05, found.score) * Math.min(1, letters / 40) + 0.2)
  return { language: found.language, confidence: Number(confidence.toFixed(3)) }
}

/** The language the writing of a title (and description) points at, or `unknown`. */
export const languageFromText = (hints: Pick<TextHints, "title" | "description">): LanguageGuess => {
  // NFC: a title typed with combining accents counts the same as one with precomposed letters.
  const text = [hints.title, hints.description].filter((t): t is string => !!t).join("\n").normalize("NFC")
  if (text.trim() === "") return unknownLanguage
  const guess = (language: string, confidence: number): LanguageGuess => ({ language, confidence, source: "title-script" })
  const vietnamese = count(text, vietnameseOnly)
  const nonLatin = scripts.find((s) => count(text, s.pattern) > 0)
  const latinShare = count(text, /\p{Script=Latin}/gu) / Math.max(1, count(text, /\p{L}/gu))
  // A title in another script that quotes a Latin word stays in that script; a mostly Latin one is read as Latin.
  if (nonLatin && latinShare < 0.5) return guess(nonLatin.language, nonLatin.confidence)
  if (vietnamese > 0) return guess("vi", Math.min(0.9, 0.5 + 0.1 * vietnamese))
  const identified = identifyTextLanguage(text)
  if (identified) return { ...identified, source: "text" }
  if (nonLatin) return guess(nonLatin.language, nonLatin.confidence / 2)
  return unknownLanguage
}

/** `vi`, `vi-VN`, `en_US`, ` EN ` → the primary language subtag; anything else (`und`, `zxx`, garbage) → null. */
export const normaliseLanguageTag = (tag: string | null | undefined): string | null => {
  const primary = tag?.trim().toLowerCase().split(/[-_]/)[0] ?? ""
  return /^[a-z]{2,3}$/.test(primary) && !["und", "zxx", "mul", "mis"].includes(primary) ? primary : null
}

/** How sure a declared language is: uploaders mislabel, and a declared caption language may not be the spoken one. */
const declaredConfidence = 0.8
/** A creator's caption track in one language is written to what is said; the host's automatic track is its recogniser's call. */
const captionConfidence = { manual: 0.9, auto: 0.85 } as const

/**
 * The language kidvoice records for a video, from the strongest evidence there is: the audio model's answer
 * when one is installed and heard speech; else the language of a caption track (creator's before automatic);
 * else the language the metadata declares; else what the text identifier reads in the captions' text, then in
 * the title and description; else an honest `unknown`.
 */
export const decideLanguage = (audio: LanguageGuess | null, hints: TextHints): LanguageGuess => {
  if (audio !== null) return audio
  const tracks = [...(hints.captions ?? [])].sort((a, b) => (a.source === b.source ? 0 : a.source === "manual" ? -1 : 1))
  const tagged = tracks.find((t) => normaliseLanguageTag(t.language) !== null)
  if (tagged) return { language: normaliseLanguageTag(tagged.language)!, confidence: captionConfidence[tagged.source], source: "captions" }
  const declared = normaliseLanguageTag(hints.declaredLanguage)
  if (declared !== null) return { language: declared, confidence: declaredConfidence, source: "metadata" }
  const captionText = tracks.map((t) => t.text).join("\n").normalize("NFC")
  const fromCaptions = captionText.trim() === "" ? null : identifyTextLanguage(captionText)
  if (fromCaptions) return { ...fromCaptions, source: "caption-text" }
  return languageFromText(hints)
}
