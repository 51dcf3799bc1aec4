/** Frame-level acoustic measures, pure functions over float samples. */

/**
 * Fundamental frequency by YIN (de Cheveigné & Kawahara 2002) over `samples`, or null when the frame is unvoiced.
 * `samples` must hold at least two periods of the lowest frequency searched.
 */
export const estimateF0 = (samples: Float32Array, sampleRate: number, minHz = 70, maxHz = 600, threshold = 0.15): number | null => {
  const tauMin = Math.max(2, Math.floor(sampleRate / maxHz))
  const tauMax = Math.min(Math.floor(sampleRate / minHz), Math.floor(samples.length / 2))
  const width = samples.length - tauMax
  if (tauMax <= tauMin || width <= 0) return null
  const diff = new Float32Array(tauMax + 1)
  for (let tau = 1; tau <= tauMax; tau++) {
    let sum = 0
    for (let i = 0; i < width; i++) {
      const d = samples[i]! - samples[i + tau]!
      sum += d * d
    }
    diff[tau] = sum
  }
  // Cumulative mean normalised difference: dips well below 1 mark periodicity.
  let running = 0
  let best = -1
  for (let tau = 1; tau <= tauMax; tau++) {
    running += diff[tau]!
    const normalised = running === 0 ? 1 : (diff[tau]! * tau) / running
    diff[tau] = normalised
    if (tau >= tauMin && best < 0 && normalised < threshold) best = tau
    if (best > 0 && tau > best && diff[tau]! > diff[tau - 1]!) break
  }
  if (best < 0) return null
  // Walk to the bottom of the dip, then refine between samples with a parabola.
  while (best + 1 <= tauMax && diff[best + 1]! < diff[best]!) best++
  const left = diff[best - 1] ?? diff[best]!
  const right = best + 1 <= tauMax ? diff[best + 1]! : diff[best]!
  const denominator = left + right - 2 * diff[best]!
  const shift = denominator === 0 ? 0 : (left - right) / (2 * denominator)
  return sampleRate / (best + shift)
}

/** In-place iterative radix-2 FFT; `re.length` must be a power of two. */
export const fft = (re: Float64Array, im: Float64Array) => {
  const n = re.length
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1
    for (; j & bit; bit >>= 1) j ^= bit
    j ^= bit
    if (i < j) {
      ;[re[i], re[j]] = [re[j]!, re[i]!]
      ;[im[i], im[j]] = [im[j]!, im[i]!]
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const angle = (-2 * Math.PI) / size
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < size / 2; k++) {
        const cos = Math.cos(angle * k)
        const sin = Math.sin(angle * k)
        const a = start + k
        const b = a + size / 2
        const tr = re[b]! * cos - im[b]! * sin
        const ti = re[b]! * sin + im[b]! * cos
        re[b] = re[a]! - tr
        im[b] = im[a]! - ti
        re[a] = re[a]! + tr
        im[a] = im[a]! + ti
      }
    }
  }
}
