import { Data } from "effect"

/**
 * Whisper's tokenizer, decoding side only: byte-level BPE as GPT-2 made it. Every token is a string over a
 * 256-character alphabet that stands for bytes (printable Latin-1 characters for themselves, the others shifted
 * to U+0100 and up, so no token holds a space or a control character); a token sequence's text is the UTF-8
 * decoding of the bytes its characters stand for. A character may be half of a multi-byte letter (ě is
 * `Ä` + `Ľ`), so bytes are joined across tokens before decoding.
 */

/** GPT-2's `bytes_to_unicode`: the character that stands for each byte. */
export const byteToUnicode: ReadonlyArray<string> = (() => {
  const printable = (from: string, to: string) => Array.from({ length: to.charCodeAt(0) - from.charCodeAt(0) + 1 }, (_, i) => from.charCodeAt(0) + i)
  const kept = new Set([...printable("!", "~"), ...printable("¡", "¬"), ...printable("®", "ÿ")])
  let shifted = 0
  return Array.from({ length: 256 }, (_, byte) => String.fromCharCode(kept.has(byte) ? byte : 256 + shifted++))
})()

const unicodeToByte: ReadonlyMap<string, number> = new Map(byteToUnicode.map((char, byte) => [char, byte]))

export interface WhisperVocabulary {
  /** Token id → its byte-level string. */
  readonly tokens: ReadonlyMap<number, string>
  /** Ids of special tokens (`<|endoftext|>`, languages, tasks, timestamps): never part of a text. */
  readonly special: ReadonlySet<number>
}

export class TokenizerFormatError extends Data.TaggedError("TokenizerFormatError")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}

const specialName = /^<\|.*\|>$/

/**
 * A vocabulary from a Hugging Face `tokenizer.json` (`model.vocab` plus `added_tokens`) or a GPT-2 `vocab.json`
 * (token → id). Tokens named `<|...|>` count as special as well as those `added_tokens` marks special.
 */
export const parseVocabulary = (json: unknown): WhisperVocabulary => {
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)
  if (!isRecord(json)) throw new TokenizerFormatError({ reason: "the tokenizer file is not a JSON object" })
  const model = json["model"]
  const vocab = isRecord(model) && isRecord(model["vocab"]) ? model["vocab"] : json
  const tokens = new Map<number, string>()
  const special = new Set<number>()
  const add = (token: string, id: unknown, isSpecial: boolean) => {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) throw new TokenizerFormatError({ reason: `token ${JSON.stringify(token)} has no integer id` })
    tokens.set(id, token)
    if (isSpecial || specialName.test(token)) special.add(id)
  }
  for (const [token, id] of Object.entries(vocab)) add(token, id, false)
  const added = json["added_tokens"]
  if (Array.isArray(added)) {
    for (const entry of added) {
      if (isRecord(entry) && typeof entry["content"] === "string") add(entry["content"], entry["id"], entry["special"] === true)
    }
  }
  if (tokens.size === 0) throw new TokenizerFormatError({ reason: "the tokenizer file lists no tokens" })
  return { tokens, special }
}

/**
 * The text of a token sequence: special tokens skipped, bytes joined and decoded as UTF-8 (a sequence cut inside
 * a letter ends in U+FFFD rather than failing), the leading space Whisper's first word carries trimmed.
 * An id the vocabulary does not know is an error: it means the card and the tokenizer belong to different models.
 */
export const decodeTokens = (vocabulary: WhisperVocabulary, ids: ReadonlyArray<number>): string => {
  const bytes: Array<number> = []
  for (const id of ids) {
    if (vocabulary.special.has(id)) continue
    const token = vocabulary.tokens.get(id)
    if (token === undefined) throw new TokenizerFormatError({ reason: `token id ${id} is not in the tokenizer's vocabulary` })
    for (const char of token) {
      const byte = unicodeToByte.get(char)
      if (byte === undefined) throw new TokenizerFormatError({ reason: `token ${JSON.stringify(token)} (id ${id}) is not byte-level BPE` })
      bytes.push(byte)
    }
  }
  return new TextDecoder("utf-8").decode(Uint8Array.from(bytes)).trim()
}
