/** Loudness normalisation of 16-bit PCM clips: RMS to a target level, never pushing a peak past the ceiling. */

const dbfsToLinear = (dbfs: number) => 10 ** (dbfs / 20)

/** The gain that brings `samples` to `targetDbfs` RMS, reduced if it would lift the peak above `ceilingDbfs`. */
export const loudnessGain = (samples: Int16Array, targetDbfs: number, ceilingDbfs = -1): number => {
  let sumSquares = 0
  let peak = 0
  for (const s of samples) {
    const x = s / 32768
    sumSquares += x * x
    peak = Math.max(peak, Math.abs(x))
  }
  if (samples.length === 0 || peak === 0) return 1
  const rms = Math.sqrt(sumSquares / samples.length)
  return Math.min(dbfsToLinear(targetDbfs) / rms, dbfsToLinear(ceilingDbfs) / peak)
}

/** `samples` scaled by `gain`, rounded and clamped to 16 bits. */
export const applyGain = (samples: Int16Array, gain: number): Int16Array =>
  Int16Array.from(samples, (s) => Math.max(-32768, Math.min(32767, Math.round(s * gain))))
