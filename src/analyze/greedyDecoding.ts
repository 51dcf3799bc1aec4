/**
 * When Whisper's greedy decoding stops, and what of it is kept. Pure: the decoder loop asks after each token.
 *
 * Whisper's known failure on noise, music and some children's voices is a loop: the same word or phrase emitted
 * again and again until the token limit. A back-to-back repetition of an n-gram long enough to be no natural
 * speech ends the decoding and keeps one copy of it.
 */

export type DecodeStop = "end-of-text" | "max-tokens" | "repeat"

export interface LoopGuard {
  /** Longest n-gram looked for. */
  readonly maxPeriod: number
  /** Copies back to back that make a loop... */
  readonly minRepeats: number
  /** ...and tokens they must cover at least: "no, no" is speech; eight `no`s or four of a phrase are a loop. */
  readonly minSpan: number
}

export const defaultLoopGuard: LoopGuard = { maxPeriod: 16, minRepeats: 4, minSpan: 8 }

export interface StopRules {
  readonly endOfText: number
  /** Generated tokens (after the prompt) at most. */
  readonly maxTokens: number
  readonly loop: LoopGuard
}

/** The n-gram repeated back to back at the end of `tokens`, when it is a loop: its length and how many copies. */
export const repeatedTail = (tokens: ReadonlyArray<number>, guard: LoopGuard): { readonly period: number; readonly repeats: number } | null => {
  const n = tokens.length
  for (let period = 1; period <= guard.maxPeriod && period * guard.minRepeats <= n; period++) {
    let repeats = 1
    while ((repeats + 1) * period <= n && sameBlock(tokens, n - period, n - (repeats + 1) * period, period)) repeats++
    if (repeats >= guard.minRepeats && repeats * period >= guard.minSpan) return { period, repeats }
  }
  return null
}

const sameBlock = (tokens: ReadonlyArray<number>, a: number, b: number, length: number) => {
  for (let i = 0; i < length; i++) if (tokens[a + i] !== tokens[b + i]) return false
  return true
}

export interface StopDecision {
  readonly stop: DecodeStop
  /** How many of the generated tokens make the text: end-of-text itself and the extra copies of a loop are dropped. */
  readonly keep: number
}

/** Whether decoding stops after the tokens generated so far (prompt excluded), and what is kept; null: go on. */
export const stopDecision = (generated: ReadonlyArray<number>, rules: StopRules): StopDecision | null => {
  if (generated.at(-1) === rules.endOfText) return { stop: "end-of-text", keep: generated.length - 1 }
  const loop = repeatedTail(generated, rules.loop)
  if (loop !== null) return { stop: "repeat", keep: generated.length - (loop.repeats - 1) * loop.period }
  if (generated.length >= rules.maxTokens) return { stop: "max-tokens", keep: generated.length }
  return null
}

/** The highest-scoring token that is not suppressed (`suppressed[id] === 1`); -1 when every one is. */
export const bestToken = (logits: ArrayLike<number>, suppressed: Uint8Array): number => {
  let best = -1
  for (let id = 0; id < logits.length; id++) {
    if (suppressed[id] !== 1 && (best < 0 || logits[id]! > logits[best]!)) best = id
  }
  return best
}
