import { fft } from "./acoustics.js"

/**
 * Whisper's input features, computed as openai/whisper's `log_mel_spectrogram` does: 30 s of 16 kHz audio
 * (zero-padded or cut), a periodic Hann window of 400 samples every 160 (centred, reflect-padded), power
 * spectrum, 80 Slaney-normalised mel filters up to 8 kHz (librosa's `filters.mel`), log10 clamped at 1e-10,
 * floored 8 below the maximum, then (x + 4) / 4.
 */

export const whisperAudio = { sampleRate: 16000, nFft: 400, hop: 160, chunkSamples: 480_000, frames: 3000 } as const

const bins = whisperAudio.nFft / 2 + 1

// Slaney's mel scale: linear below 1 kHz, logarithmic above.
const minLogHz = 1000
const minLogMel = minLogHz / (200 / 3)
const logStep = Math.log(6.4) / 27
export const hzToMel = (hz: number) => (hz < minLogHz ? hz / (200 / 3) : minLogMel + Math.log(hz / minLogHz) / logStep)
export const melToHz = (mel: number) => (mel < minLogMel ? mel * (200 / 3) : minLogHz * Math.exp(logStep * (mel - minLogMel)))

/** Triangular filters, `nMels` rows of `nFft / 2 + 1` weights, each row's area normalised (Slaney). */
export const melFilters = (nMels: number, sampleRate: number = whisperAudio.sampleRate, nFft: number = whisperAudio.nFft) => {
  const fftHz = Array.from({ length: nFft / 2 + 1 }, (_, k) => (k * sampleRate) / nFft)
  const top = hzToMel(sampleRate / 2)
  const pointsHz = Array.from({ length: nMels + 2 }, (_, i) => melToHz((top * i) / (nMels + 1)))
  const filters = new Float32Array(nMels * fftHz.length)
  for (let m = 0; m < nMels; m++) {
    const [lo, mid, hi] = [pointsHz[m]!, pointsHz[m + 1]!, pointsHz[m + 2]!]
    const norm = 2 / (hi - lo)
    fftHz.forEach((hz, k) => {
      const weight = Math.max(0, Math.min((hz - lo) / (mid - lo), (hi - hz) / (hi - mid)))
      filters[m * fftHz.length + k] = weight * norm
    })
  }
  return filters
}

const window = Float64Array.from({ length: whisperAudio.nFft }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / whisperAudio.nFft))

/**
 * The 400-point DFT through Bluestein's chirp-z: 400 is not a power of two, but X[k] = w[k] · Σ x[n] w[n] conj(w[k-n])
 * with w[m] = e^(-iπm²/N) is a convolution, which two 1024-point FFTs compute. Chirp and its FFT are made once.
 */
const dftSize = whisperAudio.nFft
const convolutionSize = 1024 // a power of two ≥ 2N - 1
const chirpRe = new Float64Array(dftSize)
const chirpIm = new Float64Array(dftSize)
for (let m = 0; m < dftSize; m++) {
  // m² mod 2N keeps the angle small, and so exact, for large m.
  const angle = (-Math.PI * ((m * m) % (2 * dftSize))) / dftSize
  chirpRe[m] = Math.cos(angle)
  chirpIm[m] = Math.sin(angle)
}
const kernelRe = new Float64Array(convolutionSize)
const kernelIm = new Float64Array(convolutionSize)
for (let m = 0; m < dftSize; m++) {
  kernelRe[m] = chirpRe[m]!
  kernelIm[m] = -chirpIm[m]!
  if (m > 0) {
    kernelRe[convolutionSize - m] = chirpRe[m]!
    kernelIm[convolutionSize - m] = -chirpIm[m]!
  }
}
fft(kernelRe, kernelIm)
const workRe = new Float64Array(convolutionSize)
const workIm = new Float64Array(convolutionSize)
const spectrumRe = new Float64Array(dftSize)
const spectrumIm = new Float64Array(dftSize)

/**
 * The power spectra (bins 0..N/2) of two real frames at once: one complex DFT of `a + ib`, separated by its
 * symmetry (A[k] = (Z[k] + conj Z[N-k]) / 2, B[k] = (Z[k] - conj Z[N-k]) / 2i).
 */
const powerSpectra = (a: Float64Array, b: Float64Array, powerA: Float64Array, powerB: Float64Array) => {
  workRe.fill(0)
  workIm.fill(0)
  for (let n = 0; n < dftSize; n++) {
    workRe[n] = a[n]! * chirpRe[n]! - b[n]! * chirpIm[n]!
    workIm[n] = a[n]! * chirpIm[n]! + b[n]! * chirpRe[n]!
  }
  fft(workRe, workIm)
  // Multiply by the kernel's spectrum, then invert by conjugating around a forward FFT (the 1/M comes below).
  for (let j = 0; j < convolutionSize; j++) {
    const re = workRe[j]! * kernelRe[j]! - workIm[j]! * kernelIm[j]!
    const im = workRe[j]! * kernelIm[j]! + workIm[j]! * kernelRe[j]!
    workRe[j] = re
    workIm[j] = -im
  }
  fft(workRe, workIm)
  for (let k = 0; k < dftSize; k++) {
    const re = workRe[k]! / convolutionSize
    const im = -workIm[k]! / convolutionSize
    spectrumRe[k] = re * chirpRe[k]! - im * chirpIm[k]!
    spectrumIm[k] = re * chirpIm[k]! + im * chirpRe[k]!
  }
  for (let k = 0; k < bins; k++) {
    const mirror = k === 0 ? 0 : dftSize - k
    const zRe = spectrumRe[k]!
    const zIm = spectrumIm[k]!
    const wRe = spectrumRe[mirror]!
    const wIm = -spectrumIm[mirror]!
    const aRe = (zRe + wRe) / 2
    const aIm = (zIm + wIm) / 2
    const bRe = (zIm - wIm) / 2
    const bIm = (wRe - zRe) / 2
    powerA[k] = aRe * aRe + aIm * aIm
    powerB[k] = bRe * bRe + bIm * bIm
  }
}

/** Mel filters with, per filter, the range of bins where its weight is not zero (a triangle spans few bins). */
interface MelBank {
  readonly weights: Float32Array
  readonly from: Int32Array
  readonly to: Int32Array
}
const melBank = (nMels: number): MelBank => {
  const weights = melFilters(nMels)
  const from = new Int32Array(nMels)
  const to = new Int32Array(nMels)
  for (let m = 0; m < nMels; m++) {
    let first = bins
    let last = -1
    for (let k = 0; k < bins; k++) {
      if (weights[m * bins + k] === 0) continue
      first = Math.min(first, k)
      last = k
    }
    from[m] = first
    to[m] = last + 1
  }
  return { weights, from, to }
}
const bankCache = new Map<number, MelBank>()

/** Log-mel features of up to 30 s of 16 kHz audio: `nMels` rows of 3000 frames, row-major, as Whisper's encoder reads them. */
export const logMel = (audio: Float32Array, nMels = 80): Float32Array => {
  const { nFft, hop, chunkSamples, frames } = whisperAudio
  const bank = bankCache.get(nMels) ?? melBank(nMels)
  bankCache.set(nMels, bank)
  const padded = new Float32Array(chunkSamples)
  padded.set(audio.subarray(0, chunkSamples))
  const half = nFft / 2
  // Centred frames: index i of the reflect-padded signal.
  const at = (i: number) => padded[i < 0 ? -i : i >= chunkSamples ? 2 * (chunkSamples - 1) - i : i]!
  const mel = new Float32Array(nMels * frames)
  const frameA = new Float64Array(nFft)
  const frameB = new Float64Array(nFft)
  const powerA = new Float64Array(bins)
  const powerB = new Float64Array(bins)
  const fillFrame = (frame: Float64Array, t: number) => {
    for (let n = 0; n < nFft; n++) frame[n] = t < frames ? at(t * hop - half + n) * window[n]! : 0
  }
  let maxLog = -Infinity
  const addFrame = (t: number, power: Float64Array) => {
    for (let m = 0; m < nMels; m++) {
      let energy = 0
      for (let k = bank.from[m]!; k < bank.to[m]!; k++) energy += bank.weights[m * bins + k]! * power[k]!
      const value = Math.log10(Math.max(energy, 1e-10))
      mel[m * frames + t] = value
      if (value > maxLog) maxLog = value
    }
  }
  // A frame starting past the audio of a short clip sees only the zero padding (its reflected end too): its value
  // is the clamp floor, known without its FFT. For a 3 s clip that is 90 % of the frames.
  const silentFrom = audio.length >= chunkSamples ? frames : Math.min(frames, Math.ceil((audio.length + half) / hop))
  let t = 0
  for (; t < silentFrom; t += 2) {
    fillFrame(frameA, t)
    fillFrame(frameB, t + 1)
    powerSpectra(frameA, frameB, powerA, powerB)
    addFrame(t, powerA)
    if (t + 1 < frames) addFrame(t + 1, powerB)
  }
  const floor = Math.log10(1e-10)
  for (; t < frames; t++) {
    for (let m = 0; m < nMels; m++) mel[m * frames + t] = floor
    maxLog = Math.max(maxLog, floor)
  }
  for (let i = 0; i < mel.length; i++) mel[i] = (Math.max(mel[i]!, maxLog - 8) + 4) / 4
  return mel
}
