/**
 * Language from what is always there without a model: the writing of a video's title and description,
 * and a language its metadata declares. Plain functions; the audio model, when installed, outranks them.
 */

export type LanguageSource = "whisper" | "metadata" | "title-script" | "unknown"

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

/** Latin alphabets: letters that point at one language, then frequent short words. Weak evidence, so low confidence. */
const latinLetters: ReadonlyArray<{ readonly pattern: RegExp; readonly language: string }> = [
  { pattern: /[řŘůŮěĚ]/gu, language: "cs" },
  { pattern: /[łŁąĄęĘśŚźŹżŻńŃ]/gu, language: "pl" },
  { pattern: /[őŐűŰ]/gu, language: "hu" },
  { pattern: /[şŞğĞıİ]/gu, language: "tr" },
  { pattern: /[șȘțȚ]/gu, language: "ro" },
  { pattern: /[ñÑ¿¡]/gu, language: "es" },
  { pattern: /[ãÃõÕ]/gu, language: "pt" },
  { pattern: /[ßẞ]/gu, language: "de" },
  { pattern: /[œŒ]|\b(?:le|la|les|des|et|pour|avec|enfants?)\b/giu, language: "fr" }
]

const latinWords: ReadonlyArray<{ readonly pattern: RegExp; readonly language: string }> = [
  { pattern: /\b(?:the|and|for|with|kids|children|song|songs|story|learn|my|our)\b/giu, language: "en" },
  { pattern: /\b(?:und|der|die|das|für|kinder|lieder)\b/giu, language: "de" },
  { pattern: /\b(?:el|los|las|para|niños|canciones|cuentos)\b/giu, language: "es" },
  { pattern: /\b(?:dla|dzieci|piosenki|bajki)\b/giu, language: "pl" },
  { pattern: /\b(?:pro|děti|pohádky|písničky)\b/giu, language: "cs" }
]

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0

/** The best-supported entry of a table, if any matched: most matches wins, ties go to the earlier entry. */
const bestOf = (text: string, table: ReadonlyArray<{ readonly pattern: RegExp; readonly language: string }>) =>
  table.reduce<{ language: string; hits: number } | null>((best, entry) => {
    const hits = count(text, entry.pattern)
    return hits > 0 && (best === null || hits > best.hits) ? { language: entry.language, hits } : best
  }, null)

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
  const letter = bestOf(text, latinLetters)
  if (letter) return guess(letter.language, Math.min(0.6, 0.3 + 0.1 * letter.hits))
  const word = bestOf(text, latinWords)
  if (word) return guess(word.language, Math.min(0.4, 0.2 + 0.05 * word.hits))
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

/**
 * The language kidvoice records for a video: the audio model's answer when one is installed and heard speech,
 * else a language the metadata declares, else what the title's writing says, else an honest `unknown`.
 */
export const decideLanguage = (audio: LanguageGuess | null, hints: TextHints): LanguageGuess => {
  if (audio !== null) return audio
  const declared = normaliseLanguageTag(hints.declaredLanguage)
  if (declared !== null) return { language: declared, confidence: declaredConfidence, source: "metadata" }
  return languageFromText(hints)
}
