import { Data, Either, Schema } from "effect"

/**
 * The manifest's state machine (DESIGN.md): one state per video, every change one transition.
 *
 *   discovered → downloading → downloaded → analyzing → analyzed → accepted | rejected → uploaded
 *   plus failed (retryable or not, remembering the stage it failed in) and skipped (permanent).
 */
export const VideoState = Schema.Literal(
  "discovered",
  "downloading",
  "downloaded",
  "analyzing",
  "analyzed",
  "accepted",
  "rejected",
  "uploaded",
  "failed",
  "skipped"
)
export type VideoState = typeof VideoState.Type

/** The stages that claim work. Curate decides an analyzed row in one transaction, so it has no in-flight state. */
export const ClaimingStage = Schema.Literal("download", "analyze")
export type ClaimingStage = typeof ClaimingStage.Type

export const Stage = Schema.Literal("discover", "download", "analyze", "curate", "upload")
export type Stage = typeof Stage.Type

/** What a claiming stage takes, what it holds while working, and what it leaves. */
export const claimingStates: Record<ClaimingStage, { readonly input: VideoState; readonly inFlight: VideoState; readonly output: VideoState }> = {
  download: { input: "discovered", inFlight: "downloading", output: "downloaded" },
  analyze: { input: "downloaded", inFlight: "analyzing", output: "analyzed" }
}

/**
 * States a run can end in: nothing more will happen to the row without a person (or a later stage such as upload).
 * A failed row counts as final here; one with a retry still scheduled is not, which only its next_retry_at tells.
 */
export const isFinal = (state: VideoState): boolean =>
  state === "accepted" || state === "rejected" || state === "uploaded" || state === "skipped" || state === "failed"

/** A row's position in the machine: the state and, for a failed row, the stage it failed in. */
export interface Position {
  readonly state: VideoState
  readonly failedStage: ClaimingStage | null
}

export type Transition = Data.TaggedEnum<{
  /** A worker takes the row: from the stage's input state, or from a failure in that stage. */
  Claim: { readonly stage: ClaimingStage }
  /** The stage finished its work. */
  Complete: { readonly stage: ClaimingStage }
  /** An in-flight row goes back where it came from (interrupted, or its worker died). */
  Release: { readonly stage: ClaimingStage }
  /** An in-flight row failed in its stage. */
  Fail: { readonly stage: ClaimingStage }
  /** Curate's verdict on an analyzed row. */
  Decide: { readonly accepted: boolean }
  /** Nothing will ever be done with this row (private, removed, too long). */
  Skip: {}
  /** An accepted row's clips reached the upload target. */
  Upload: {}
}>
export const Transition = Data.taggedEnum<Transition>()

export class IllegalTransition extends Data.TaggedError("IllegalTransition")<{
  readonly from: Position
  readonly transition: Transition
}> {
  override get message() {
    const at = this.from.failedStage ? `${this.from.state} (in ${this.from.failedStage})` : this.from.state
    return `a video in state ${at} cannot take transition ${this.transition._tag}${
      "stage" in this.transition ? `(${this.transition.stage})` : ""
    }`
  }
}

const position = (state: VideoState, failedStage: ClaimingStage | null = null): Position => ({ state, failedStage })

/** The one rule book for state changes. The store applies it; it never writes a state this did not return. */
export const transition = (from: Position, t: Transition): Either.Either<Position, IllegalTransition> => {
  // Built only when needed: an error captures a stack trace, and legal transitions are the hot path.
  const illegal = () => Either.left(new IllegalTransition({ from, transition: t }))
  switch (t._tag) {
    case "Claim": {
      const { input, inFlight } = claimingStates[t.stage]
      const retrying = from.state === "failed" && from.failedStage === t.stage
      return from.state === input || retrying ? Either.right(position(inFlight)) : illegal()
    }
    case "Complete":
      return from.state === claimingStates[t.stage].inFlight ? Either.right(position(claimingStates[t.stage].output)) : illegal()
    case "Release":
      return from.state === claimingStates[t.stage].inFlight ? Either.right(position(claimingStates[t.stage].input)) : illegal()
    case "Fail":
      return from.state === claimingStates[t.stage].inFlight ? Either.right(position("failed", t.stage)) : illegal()
    case "Decide":
      return from.state === "analyzed" ? Either.right(position(t.accepted ? "accepted" : "rejected")) : illegal()
    case "Skip":
      return from.state === "discovered" || from.state === "downloading" || from.state === "analyzing" || from.state === "failed"
        ? Either.right(position("skipped"))
        : illegal()
    case "Upload":
      return from.state === "accepted" ? Either.right(position("uploaded")) : illegal()
  }
}

export const allTransitions: ReadonlyArray<Transition> = [
  ...ClaimingStage.literals.flatMap((stage) => [
    Transition.Claim({ stage }),
    Transition.Complete({ stage }),
    Transition.Release({ stage }),
    Transition.Fail({ stage })
  ]),
  Transition.Decide({ accepted: true }),
  Transition.Decide({ accepted: false }),
  Transition.Skip(),
  Transition.Upload()
]
