/**
 * A Whisper card names its tokens by id (`<|startoftranscript|>`, one per language); a wrong id silently
 * reads another token's logit. The export's tokenizer.json lists the special tokens with their ids, so an
 * install that brings one checks the card against it. Pure.
 */
export interface WhisperTokens {
  readonly startOfTranscript: number
  readonly languages: Readonly<Record<string, number>>
}

/** The ids a card that transcribes adds (its `transcription` section). */
export interface WhisperTranscriptionTokens {
  readonly transcribe: number
  readonly noTimestamps: number
  readonly endOfText: number
}

/** Every token of the card whose id differs from the tokenizer's (or that the tokenizer lacks), as `token: card id vs tokenizer id`. */
export const whisperTokenMismatches = (
  tokens: WhisperTokens,
  tokenizer: unknown,
  transcription?: WhisperTranscriptionTokens
): Array<string> => {
  const added = (tokenizer as { added_tokens?: unknown } | null)?.added_tokens
  if (!Array.isArray(added)) return ["the tokenizer has no added_tokens list"]
  const ids = new Map<string, number>()
  for (const t of added) if (typeof t?.content === "string" && typeof t?.id === "number") ids.set(t.content, t.id)
  const expected: Array<[string, number]> = [
    ["<|startoftranscript|>", tokens.startOfTranscript],
    ...Object.entries(tokens.languages).map(([code, id]): [string, number] => [`<|${code}|>`, id]),
    ...(transcription === undefined ? [] : [
      ["<|transcribe|>", transcription.transcribe],
      ["<|notimestamps|>", transcription.noTimestamps],
      ["<|endoftext|>", transcription.endOfText]
    ] satisfies Array<[string, number]>)
  ]
  return expected.flatMap(([content, id]) => {
    const actual = ids.get(content)
    return actual === id ? [] : [`${content}: card ${id}, tokenizer ${actual ?? "none"}`]
  })
}
