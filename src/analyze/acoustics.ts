/** Frame-level acoustic measures, pure functions over float samples. */

/** YIN's reading of one frame. */
export interface Pitch {
  /** Fundamental frequency in Hz, null when unvoiced. */
  readonly f0: number | null
  /**
   * The depth of YIN's dip, 0 (a perfect period) to 1 (none): where the frame is voiced, the normalised
   * difference at its period; otherwise the lowest one in the searched range. A harmonics-to-noise proxy that
   * comes free with the pitch: breathy and rough voices dip less deep than modal ones.
   */
  readonly aperiodicity: number
}

/**
 * Fundamental frequency by YIN (de Cheveigné & Kawahara 2002) over `samples`, with the dip's depth.
 * `samples` must hold at least two periods of the lowest frequency searched.
 */
export const yinPitch = (samples: Float32Array, sampleRate: number, minHz = 70, maxHz = 600, threshold = 0.15): Pitch => {
  const tauMin = Math.max(2, Math.floor(sampleRate / maxHz))
  const tauMax = Math.min(Math.floor(sampleRate / minHz), Math.floor(samples.length / 2))
  const width = samples.length - tauMax
  if (tauMax <= tauMin || width <= 0) return { f0: null, aperiodicity: 1 }
  const diff = differenceFunction(samples, width, tauMax)
  // Cumulative mean normalised difference: dips well below 1 mark periodicity.
  let running = 0
  let best = -1
  let lowest = 1
  for (let tau = 1; tau <= tauMax; tau++) {
    running += diff[tau]!
    const normalised = running === 0 ? 1 : (diff[tau]! * tau) / running
    diff[tau] = normalised
    if (tau >= tauMin && normalised < lowest) lowest = normalised
    if (tau >= tauMin && best < 0 && normalised < threshold) best = tau
    if (best > 0 && tau > best && diff[tau]! > diff[tau - 1]!) break
  }
  if (best < 0) return { f0: null, aperiodicity: Math.min(1, lowest) }
  // Walk to the bottom of the dip, then refine between samples with a parabola.
  while (best + 1 <= tauMax && diff[best + 1]! < diff[best]!) best++
  const left = diff[best - 1] ?? diff[best]!
  const right = best + 1 <= tauMax ? diff[best + 1]! : diff[best]!
  const denominator = left + right - 2 * diff[best]!
  const shift = denominator === 0 ? 0 : (left - right) / (2 * denominator)
  return { f0: sampleRate / (best + shift), aperiodicity: Math.max(0, diff[best]!) }
}

/** Fundamental frequency by YIN over `samples`, or null when the frame is unvoiced (see `yinPitch`). */
export const estimateF0 = (samples: Float32Array, sampleRate: number, minHz = 70, maxHz = 600, threshold = 0.15): number | null =>
  yinPitch(samples, sampleRate, minHz, maxHz, threshold).f0

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

interface DifferenceScratch {
  readonly zRe: Float64Array
  readonly zIm: Float64Array
  readonly pRe: Float64Array
  readonly pIm: Float64Array
  readonly diff: Float32Array
}

/** Buffers per (FFT length, tauMax), reused frame after frame: the analysis calls this once per 32 ms of speech. */
const scratch = new Map<string, DifferenceScratch>()

/**
 * YIN's difference d(τ) = Σ_{i<width} (x_i − x_{i+τ})² for τ ≤ tauMax, as energies minus twice the
 * cross-correlation, which one FFT product gives for every τ at once: O(n log n) instead of O(width · tauMax),
 * the bulk of the analysis' cost. The two real inputs (the first `width` samples, and all `width + tauMax`) go
 * through ONE complex FFT as its real and imaginary parts and are separated by symmetry, so a frame costs two FFTs,
 * not three. The result is a reused buffer: read it before the next call.
 */
export const differenceFunction = (samples: Float32Array, width: number, tauMax: number): Float32Array => {
  let n = 1
  while (n < width + tauMax) n <<= 1
  const key = `${n}/${tauMax}`
  let buffers = scratch.get(key)
  if (!buffers) {
    buffers = { zRe: new Float64Array(n), zIm: new Float64Array(n), pRe: new Float64Array(n), pIm: new Float64Array(n), diff: new Float32Array(tauMax + 1) }
    scratch.set(key, buffers)
  }
  const { zRe, zIm, pRe, pIm, diff } = buffers
  for (let i = 0; i < n; i++) {
    zRe[i] = i < width ? samples[i]! : 0
    zIm[i] = i < width + tauMax ? samples[i]! : 0
  }
  fft(zRe, zIm)
  // With Z = FFT(a + i·b): A_k = (Z_k + conj Z_{n−k}) / 2 and B_k = (Z_k − conj Z_{n−k}) / 2i. Then conj(A)·B,
  // conjugated, so that a forward FFT inverts it (up to 1/n) into the correlation.
  for (let k = 0; k < n; k++) {
    const j = (n - k) & (n - 1)
    const aRe = (zRe[k]! + zRe[j]!) / 2
    const aIm = (zIm[k]! - zIm[j]!) / 2
    const bRe = (zIm[k]! + zIm[j]!) / 2
    const bIm = (zRe[j]! - zRe[k]!) / 2
    pRe[k] = aRe * bRe + aIm * bIm
    pIm[k] = -(aRe * bIm - aIm * bRe)
  }
  fft(pRe, pIm)
  let e0 = 0
  for (let i = 0; i < width; i++) e0 += samples[i]! * samples[i]!
  let eTau = e0
  diff[0] = 0
  for (let tau = 1; tau <= tauMax; tau++) {
    eTau += samples[tau + width - 1]! * samples[tau + width - 1]! - samples[tau - 1]! * samples[tau - 1]!
    const value = e0 + eTau - (2 * pRe[tau]!) / n
    // Rounding leaves tiny non-zero values where the exact sum is 0 (silence, a perfect period): read them as 0.
    diff[tau] = value > 1e-9 * (e0 + eTau) ? value : 0
  }
  return diff
}

interface LpcPlan {
  readonly x: Float64Array
  readonly window: Float64Array
  readonly first: number
  readonly last: number
  readonly binHz: number
  /** cos and sin of 2π·k·j/size for the bins k from first−1 to last+1 and the lags j ≤ order: A(f) at those bins only. */
  readonly cos: Float64Array
  readonly sin: Float64Array
  readonly power: Float64Array
  readonly r: Float64Array
  readonly a: Float64Array
  readonly previous: Float64Array
}

const lpcPlans = new Map<string, LpcPlan>()

const lpcPlanFor = (n: number, sampleRate: number, order: number): LpcPlan => {
  const key = `${n}@${sampleRate}/${order}`
  const cached = lpcPlans.get(key)
  if (cached) return cached
  const size = 512
  const binHz = sampleRate / size
  const first = Math.max(1, Math.ceil(150 / binHz))
  const last = Math.min(size / 2 - 1, Math.floor(Math.min(5500, sampleRate / 2) / binHz))
  const bins = last - first + 3
  const cos = new Float64Array(bins * (order + 1))
  const sin = new Float64Array(bins * (order + 1))
  for (let b = 0; b < bins; b++) {
    for (let j = 0; j <= order; j++) {
      const angle = (2 * Math.PI * (first - 1 + b) * j) / size
      cos[b * (order + 1) + j] = Math.cos(angle)
      sin[b * (order + 1) + j] = Math.sin(angle)
    }
  }
  const plan = {
    x: new Float64Array(n),
    window: Float64Array.from({ length: n }, (_, i) => 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (n - 1))),
    first,
    last,
    binHz,
    cos,
    sin,
    power: new Float64Array(bins),
    r: new Float64Array(order + 1),
    a: new Float64Array(order + 1),
    previous: new Float64Array(order + 1)
  }
  lpcPlans.set(key, plan)
  return plan
}

/**
 * The first `count` formant frequencies (Hz) of a voiced frame, from the peaks of its linear-prediction envelope:
 * pre-emphasis, Hamming window, autocorrelation LPC of `order` by Levinson-Durbin, then the envelope 1/|A(f)|²
 * from one FFT of the predictor and its local maxima between 150 Hz and 5.5 kHz (parabola-refined). A formant the
 * envelope does not show is NaN. Why: a child's vocal tract is shorter, so its formants sit higher than an adult's
 * at the same pitch; a woman raising her voice raises F0 but keeps her formants.
 */
export const lpcFormants = (frame: Float32Array, sampleRate: number, order = 12, count = 3): Float64Array => {
  const n = frame.length
  const found = new Float64Array(count).fill(Number.NaN)
  const { x, window, first, binHz, cos, sin, power, r, a, previous } = lpcPlanFor(n, sampleRate, order)
  for (let i = 0; i < n; i++) x[i] = (frame[i]! - (i > 0 ? 0.97 * frame[i - 1]! : 0)) * window[i]!
  for (let k = 0; k <= order; k++) {
    let sum = 0
    for (let i = 0; i + k < n; i++) sum += x[i]! * x[i + k]!
    r[k] = sum
  }
  if (!(r[0]! > 0)) return found
  // A little white noise (−40 dB) keeps the recursion stable on band-limited audio (telephone band, lossy codecs).
  r[0] = r[0]! * 1.0001
  a.fill(0)
  a[0] = 1
  let error = r[0]!
  for (let i = 1; i <= order; i++) {
    let acc = r[i]!
    for (let j = 1; j < i; j++) acc += a[j]! * r[i - j]!
    const k = -acc / error
    previous.set(a)
    for (let j = 1; j < i; j++) a[j] = previous[j]! + k * previous[i - j]!
    a[i] = k
    error *= 1 - k * k
    if (!(error > 0)) return found
  }
  // |A|² on the 31.25 Hz grid of a 512-point spectrum (first−1 … last+1), bin by bin until `count` dips are found:
  // an envelope peak is a dip of |A|². Logarithms only at the dips (parabola on the log).
  const powerAt = (b: number) => {
    let re = 0
    let im = 0
    for (let j = 0; j <= order; j++) {
      re += a[j]! * cos[b * (order + 1) + j]!
      im -= a[j]! * sin[b * (order + 1) + j]!
    }
    power[b] = re * re + im * im + 1e-30
  }
  powerAt(0)
  powerAt(1)
  let got = 0
  for (let b = 1; b < power.length - 1 && got < count; b++) {
    powerAt(b + 1)
    if (power[b]! < power[b - 1]! && power[b]! <= power[b + 1]!) {
      const [left, mid, right] = [-Math.log(power[b - 1]!), -Math.log(power[b]!), -Math.log(power[b + 1]!)]
      const denominator = left + right - 2 * mid
      const shift = denominator === 0 ? 0 : (left - right) / (2 * denominator)
      found[got++] = (first - 1 + b + shift) * binHz
    }
  }
  return found
}
