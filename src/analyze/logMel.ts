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
// A direct DFT over precomputed twiddles: 400 is not a power of two, and 3000 frames of it take well under a second.
const cosTable = Float64Array.from({ length: whisperAudio.nFft }, (_, n) => Math.cos((2 * Math.PI * n) / whisperAudio.nFft))
const sinTable = Float64Array.from({ length: whisperAudio.nFft }, (_, n) => Math.sin((2 * Math.PI * n) / whisperAudio.nFft))

const filterCache = new Map<number, Float32Array>()

/** Log-mel features of up to 30 s of 16 kHz audio: `nMels` rows of 3000 frames, row-major, as Whisper's encoder reads them. */
export const logMel = (audio: Float32Array, nMels = 80): Float32Array => {
  const { nFft, hop, chunkSamples, frames } = whisperAudio
  const filters = filterCache.get(nMels) ?? melFilters(nMels)
  filterCache.set(nMels, filters)
  const padded = new Float32Array(chunkSamples)
  padded.set(audio.subarray(0, chunkSamples))
  const half = nFft / 2
  // Centred frames: index i of the reflect-padded signal.
  const at = (i: number) => padded[i < 0 ? -i : i >= chunkSamples ? 2 * (chunkSamples - 1) - i : i]!
  const mel = new Float32Array(nMels * frames)
  const frame = new Float64Array(nFft)
  const power = new Float64Array(bins)
  let maxLog = -Infinity
  for (let t = 0; t < frames; t++) {
    let silent = true
    for (let n = 0; n < nFft; n++) {
      frame[n] = at(t * hop - half + n) * window[n]!
      if (frame[n] !== 0) silent = false
    }
    if (silent) power.fill(0)
    else {
      for (let k = 0; k < bins; k++) {
        let re = 0
        let im = 0
        for (let n = 0, idx = 0; n < nFft; n++) {
          re += frame[n]! * cosTable[idx]!
          im -= frame[n]! * sinTable[idx]!
          idx += k
          if (idx >= nFft) idx -= nFft
        }
        power[k] = re * re + im * im
      }
    }
    for (let m = 0; m < nMels; m++) {
      let energy = 0
      for (let k = 0; k < bins; k++) energy += filters[m * bins + k]! * power[k]!
      const value = Math.log10(Math.max(energy, 1e-10))
      mel[m * frames + t] = value
      if (value > maxLog) maxLog = value
    }
  }
  for (let i = 0; i < mel.length; i++) mel[i] = (Math.max(mel[i]!, maxLog - 8) + 4) / 4
  return mel
}
