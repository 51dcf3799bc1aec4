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
  const diff = differenceFunction(samples, width, tauMax)
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

const twiddles = new Map<number, { readonly cos: Float64Array; readonly sin: Float64Array }>()

/** In-place iterative radix-2 FFT; `re.length` must be a power of two. Twiddle factors are computed once per length. */
export const fft = (re: Float64Array, im: Float64Array) => {
  const n = re.length
  let table = twiddles.get(n)
  if (!table) {
    table = {
      cos: Float64Array.from({ length: n / 2 }, (_, j) => Math.cos((-2 * Math.PI * j) / n)),
      sin: Float64Array.from({ length: n / 2 }, (_, j) => Math.sin((-2 * Math.PI * j) / n))
    }
    twiddles.set(n, table)
  }
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
    const half = size >> 1
    const stride = n / size
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const cos = table.cos[k * stride]!
        const sin = table.sin[k * stride]!
        const a = start + k
        const b = a + half
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

const scratch = new Map<number, { readonly aRe: Float64Array; readonly aIm: Float64Array; readonly bRe: Float64Array; readonly bIm: Float64Array }>()

/**
 * YIN's difference d(τ) = Σ_{i<width} (x_i − x_{i+τ})² for τ ≤ tauMax, as energies minus twice the
 * cross-correlation, which one FFT product gives for every τ at once: O(n log n) instead of O(width · tauMax),
 * the bulk of the analysis' cost.
 */
const differenceFunction = (samples: Float32Array, width: number, tauMax: number): Float32Array => {
  let n = 1
  while (n < width + tauMax) n <<= 1
  let buffers = scratch.get(n)
  if (!buffers) {
    buffers = { aRe: new Float64Array(n), aIm: new Float64Array(n), bRe: new Float64Array(n), bIm: new Float64Array(n) }
    scratch.set(n, buffers)
  }
  const { aRe, aIm, bRe, bIm } = buffers
  aRe.fill(0)
  aIm.fill(0)
  bRe.fill(0)
  bIm.fill(0)
  for (let i = 0; i < width; i++) aRe[i] = samples[i]!
  for (let i = 0; i < width + tauMax; i++) bRe[i] = samples[i]!
  fft(aRe, aIm)
  fft(bRe, bIm)
  // conj(A)·B, conjugated, so that a forward FFT inverts it (up to 1/n) into the correlation.
  for (let k = 0; k < n; k++) {
    const re = aRe[k]! * bRe[k]! + aIm[k]! * bIm[k]!
    const im = aRe[k]! * bIm[k]! - aIm[k]! * bRe[k]!
    aRe[k] = re
    aIm[k] = -im
  }
  fft(aRe, aIm)
  const diff = new Float32Array(tauMax + 1)
  let e0 = 0
  for (let i = 0; i < width; i++) e0 += samples[i]! * samples[i]!
  let eTau = e0
  for (let tau = 1; tau <= tauMax; tau++) {
    eTau += samples[tau + width - 1]! * samples[tau + width - 1]! - samples[tau - 1]! * samples[tau - 1]!
    const value = e0 + eTau - (2 * aRe[tau]!) / n
    // Rounding leaves tiny non-zero values where the exact sum is 0 (silence, a perfect period): read them as 0.
    diff[tau] = value > 1e-9 * (e0 + eTau) ? value : 0
  }
  return diff
}
