/**
 * The polite request rate shared by every download worker, as pure state changes (RequestPacer applies them).
 * Starts are spaced `intervalMs` apart across all workers. When the host says "too many requests" (or asks
 * whether we are a bot), every start waits out a pause that doubles each time the host refuses again, and
 * goes back to the first length once a request gets through.
 */

export interface PacePolicy {
  /** Between two starts, whichever worker makes them. */
  readonly intervalMs: number
  /** The first pause after a refusal; each refusal after it doubles the pause. */
  readonly firstPauseMs: number
  /** A refusal that would need a longer pause than this means the host will not let us in today: give up. */
  readonly maxPauseMs: number
}

export interface PaceState {
  /** The earliest time the next start may have. */
  readonly nextStartAt: number
  readonly pausedUntil: number
  /** The length of the current pause series' last pause; 0 when the host is answering. */
  readonly pauseMs: number
  /** When that pause was decided: refusals of requests started before it are the same refusal. */
  readonly pausedAt: number
}

export const initialPace: PaceState = { nextStartAt: 0, pausedUntil: 0, pauseMs: 0, pausedAt: Number.NEGATIVE_INFINITY }

/** When a request asked for at `now` may start, and the state with that start taken. */
export const reserveStart = (state: PaceState, now: number, policy: PacePolicy): readonly [number, PaceState] => {
  const startAt = Math.max(now, state.nextStartAt, state.pausedUntil)
  return [startAt, { ...state, nextStartAt: startAt + policy.intervalMs }]
}

export type RefusalVerdict =
  | { readonly _tag: "Pause"; readonly untilMs: number; readonly pauseMs: number }
  | { readonly _tag: "GiveUp"; readonly pausedMs: number }

/** The host refused a request started at `startedAt`: pause everyone (longer than last time), or give up. */
export const refused = (state: PaceState, now: number, startedAt: number, policy: PacePolicy): readonly [RefusalVerdict, PaceState] => {
  // Workers that were already in flight when the pause began are refused in the same breath: one pause for all.
  if (startedAt < state.pausedAt) return [{ _tag: "Pause", untilMs: state.pausedUntil, pauseMs: state.pauseMs }, state]
  const pauseMs = state.pauseMs === 0 ? policy.firstPauseMs : state.pauseMs * 2
  // The pauses so far were first, 2·first, …, last: together 2·last − first.
  if (pauseMs > policy.maxPauseMs) return [{ _tag: "GiveUp", pausedMs: state.pauseMs === 0 ? 0 : 2 * state.pauseMs - policy.firstPauseMs }, state]
  const pausedUntil = now + pauseMs
  return [
    { _tag: "Pause", untilMs: pausedUntil, pauseMs },
    { nextStartAt: Math.max(state.nextStartAt, pausedUntil), pausedUntil, pauseMs, pausedAt: now }
  ]
}

/** A request started at `startedAt` went through: if it started after the last pause, the host is answering again. */
export const answered = (state: PaceState, startedAt: number): PaceState =>
  startedAt >= state.pausedAt && state.pauseMs !== 0 ? { ...state, pauseMs: 0 } : state

