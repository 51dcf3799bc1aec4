/** Turns a stream of per-frame speech probabilities into speech segments, frame by frame, in bounded memory. */

export interface SegmenterSettings {
  /** Probability at which speech starts; it ends below `threshold - 0.15` (hysteresis against flicker). */
  readonly threshold: number
  readonly minSpeechFrames: number
  readonly minSilenceFrames: number
  /** Longer speech is cut here so no segment (and no per-segment buffer) grows without bound. */
  readonly maxSegmentFrames: number
}

export interface ClosedSegment<F> {
  readonly startFrame: number
  readonly endFrame: number
  /** What was pushed with each frame of the segment, in order. */
  readonly frames: ReadonlyArray<F>
}

export class SpeechSegmenter<F> {
  private frameIndex = 0
  private start = -1
  private silentFrames = 0
  private frames: Array<F> = []

  constructor(private readonly settings: SegmenterSettings) {}

  /** Feeds the next frame; returns a segment when this frame closed one. */
  push(probability: number, payload: F): ClosedSegment<F> | null {
    const index = this.frameIndex++
    const { threshold, minSilenceFrames, maxSegmentFrames } = this.settings
    if (this.start < 0) {
      if (probability < threshold) return null
      this.start = index
      this.silentFrames = 0
      this.frames = [payload]
      return this.frames.length >= maxSegmentFrames ? this.close(index + 1) : null
    }
    this.frames.push(payload)
    if (probability < threshold - 0.15) this.silentFrames++
    else this.silentFrames = 0
    if (this.silentFrames >= minSilenceFrames) return this.close(index + 1 - this.silentFrames)
    if (this.frames.length >= maxSegmentFrames) return this.close(index + 1)
    return null
  }

  /** Ends the stream, returning the segment still open if it is long enough. */
  flush(): ClosedSegment<F> | null {
    return this.start < 0 ? null : this.close(this.frameIndex - this.silentFrames)
  }

  private close(endFrame: number): ClosedSegment<F> | null {
    const startFrame = this.start
    const frames = this.frames.slice(0, endFrame - startFrame)
    this.start = -1
    this.silentFrames = 0
    this.frames = []
    return endFrame - startFrame >= this.settings.minSpeechFrames ? { startFrame, endFrame, frames } : null
  }
}
