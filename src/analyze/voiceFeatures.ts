/**
 * What the learned child-voice model sees of a speech segment: per-frame measures taken while the
 * audio streams past, summarised per segment into one fixed-length vector. Pure functions; the
 * training script (scripts/train-child-voice.ts) and the analyzer use exactly these.
 */
import { fft, lpcFormants, yinPitch } from "./acoustics.js"

/** What the analyzer keeps of one 32 ms frame of possible speech. */
export interface FrameFeatures {
  /** Fundamental frequency in Hz, null when unvoiced. */
  readonly f0: number | null
  /** Spectral centroid 100–5000 Hz, Hz. */
  readonly centroid: number
  /** Frequency below which 85 % of the 100–8000 Hz energy lies, Hz. */
  readonly rolloff: number
  /** Shares of the 100–8000 Hz energy in 1–3 kHz (second formant) and 3–5 kHz (higher formants). */
  readonly band1to3: number
  readonly band3to5: number
  /**
   * Share of the 100–8000 Hz energy above 4.2 kHz. Not a model feature: near 0 in audio stored at 8 kHz (phone
   * lines, narrowband uploads), which the analyzer reports because the child-voice model finds few children there.
   */
  readonly upperBand: number
  /** Mel-frequency cepstral coefficients 1..mfccCount (c0, the loudness, is left out). */
  readonly mfcc: Float32Array
  readonly energy: number
  /** F1, F2, F3 in Hz from the LPC envelope (NaN where not found); null on unvoiced frames, where they are not measured. */
  readonly formants: Float64Array | null
  /** YIN's dip depth, 0 (periodic) to 1 (noise): see `yinPitch`. */
  readonly aperiodicity: number
}

export const mfccCount = 12
const melBands = 26
const lowHz = 100
const highHz = 8000
/** Above an 8 kHz recording's band, with room for the resampler's transition band. */
const upperBandHz = 4200

const hzToMel = (hz: number) => 2595 * Math.log10(1 + hz / 700)
const melToHz = (mel: number) => 700 * (10 ** (mel / 2595) - 1)

interface Spectral {
  readonly size: number
  readonly window: Float64Array
  /** Per mel band: first bin and the triangle's weights from there. */
  readonly bands: ReadonlyArray<{ readonly first: number; readonly weights: Float64Array }>
  readonly dct: ReadonlyArray<Float64Array>
  readonly re: Float64Array
  readonly im: Float64Array
  readonly logMel: Float64Array
}

const spectralCache = new Map<string, Spectral>()

/** Window, mel filterbank and DCT for one frame length, built once per length and reused. */
const spectralFor = (frameLength: number, sampleRate: number): Spectral => {
  const key = `${frameLength}@${sampleRate}`
  const cached = spectralCache.get(key)
  if (cached) return cached
  let size = 1
  while (size < frameLength) size <<= 1
  const window = Float64Array.from({ length: frameLength }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (frameLength - 1)))
  const binHz = sampleRate / size
  const top = Math.min(highHz, sampleRate / 2)
  const edges = Array.from({ length: melBands + 2 }, (_, i) => melToHz(hzToMel(lowHz) + ((hzToMel(top) - hzToMel(lowHz)) * i) / (melBands + 1)))
  const bands = Array.from({ length: melBands }, (_, b) => {
    const [left, centre, right] = [edges[b]!, edges[b + 1]!, edges[b + 2]!]
    const first = Math.ceil(left / binHz)
    const last = Math.floor(right / binHz)
    const weights = Float64Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => {
      const hz = (first + i) * binHz
      return hz <= centre ? (hz - left) / (centre - left) : (right - hz) / (right - centre)
    })
    return { first, weights }
  })
  const dct = Array.from({ length: mfccCount }, (_, k) =>
    Float64Array.from({ length: melBands }, (_, m) => Math.cos((Math.PI * (k + 1) * (m + 0.5)) / melBands)))
  const made = { size, window, bands, dct, re: new Float64Array(size), im: new Float64Array(size), logMel: new Float64Array(melBands) }
  spectralCache.set(key, made)
  return made
}

/**
 * The measures of one frame. `pitchWindow` ends with `frame` and is longer, so a low voice has
 * two periods in it.
 */
export const measureFrame = (pitchWindow: Float32Array, frame: Float32Array, sampleRate: number): FrameFeatures => {
  const s = spectralFor(frame.length, sampleRate)
  s.re.fill(0)
  s.im.fill(0)
  let energy = 0
  for (let i = 0; i < frame.length; i++) {
    s.re[i] = frame[i]! * s.window[i]!
    energy += frame[i]! * frame[i]!
  }
  fft(s.re, s.im)
  const binHz = sampleRate / s.size
  const firstBin = Math.ceil(lowHz / binHz)
  const lastBin = Math.min(s.size / 2, Math.floor(Math.min(highHz, sampleRate / 2) / binHz))
  let total = 0
  let centroidWeighted = 0
  let centroidTotal = 0
  let band1to3 = 0
  let band3to5 = 0
  let upperBand = 0
  for (let k = firstBin; k <= lastBin; k++) {
    const power = s.re[k]! * s.re[k]! + s.im[k]! * s.im[k]!
    s.re[k] = power
    const hz = k * binHz
    total += power
    if (hz <= 5000) {
      centroidWeighted += power * hz
      centroidTotal += power
    }
    if (hz >= 1000 && hz < 3000) band1to3 += power
    else if (hz >= 3000 && hz < 5000) band3to5 += power
    if (hz >= upperBandHz) upperBand += power
  }
  let running = 0
  let rolloff = lastBin * binHz
  for (let k = firstBin; k <= lastBin; k++) {
    running += s.re[k]!
    if (running >= 0.85 * total) {
      rolloff = k * binHz
      break
    }
  }
  // The floor is relative to the frame's energy, so an empty band reads the same at any recording level.
  const floor = total * 1e-7 + 1e-30
  s.bands.forEach((band, b) => {
    let sum = 0
    for (let i = 0; i < band.weights.length; i++) sum += band.weights[i]! * (s.re[band.first + i] ?? 0)
    s.logMel[b] = Math.log(sum + floor)
  })
  const mfcc = new Float32Array(mfccCount)
  for (let k = 0; k < mfccCount; k++) {
    let sum = 0
    for (let m = 0; m < melBands; m++) sum += s.dct[k]![m]! * s.logMel[m]!
    mfcc[k] = sum
  }
  const share = (x: number) => (total > 0 ? x / total : 0)
  const { f0, aperiodicity } = yinPitch(pitchWindow, sampleRate)
  return {
    f0,
    centroid: centroidTotal > 0 ? centroidWeighted / centroidTotal : 0,
    rolloff,
    band1to3: share(band1to3),
    band3to5: share(band3to5),
    upperBand: share(upperBand),
    mfcc,
    energy: energy / frame.length,
    // Only voiced frames: formants of a vowel, and half the frames of speech pay nothing for them.
    formants: f0 === null ? null : lpcFormants(frame, sampleRate),
    aperiodicity
  }
}

/** The names of the segment vector's entries, in order: the model card lists them and the model is checked against them. */
export const segmentFeatureNames: ReadonlyArray<string> = [
  "voicedShare",
  "logF0Median",
  "logF0P10",
  "logF0P90",
  "f0IqrSemitones",
  "centroidKHzMean",
  "centroidKHzStd",
  "rolloffKHzMean",
  "band1to3Mean",
  "band3to5Mean",
  ...Array.from({ length: mfccCount }, (_, k) => `mfcc${k + 1}VoicedMean`),
  ...Array.from({ length: mfccCount }, (_, k) => `mfcc${k + 1}Std`),
  "logF1Median",
  "logF2Median",
  "logF3Median",
  "logFormantSpacingMedian",
  "aperiodicityVoicedMedian",
  "f0StepSemitonesMedian",
  "voicedRunsPerSecond",
  "logEnergyStdDb",
  "mfccStepMean",
  "unvoicedCentroidKHzMean"
]

const quantile = (sorted: ReadonlyArray<number>, q: number) => {
  const at = (sorted.length - 1) * q
  const low = Math.floor(at)
  const high = Math.ceil(at)
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low)
}

const mean = (values: ReadonlyArray<number>) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length)
const std = (values: ReadonlyArray<number>) => {
  const m = mean(values)
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)))
}

/** Where an unvoiced segment's pitch entries sit: log of 150 Hz, between adult and child voices, so they carry no vote. */
const neutralLogF0 = Math.log(150)
/** Likewise for formants: an adult man's neutral tube (500/1500/2500 Hz, spacing 1000 Hz) raised by a fifth, between adult and child. */
const neutralLogFormants = [600, 1800, 3000, 1200].map(Math.log)

/** Median of the finite values, or `fallback` when there are none. */
const medianOr = (values: Array<number>, fallback: number) => {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b)
  return finite.length > 0 ? quantile(finite, 0.5) : fallback
}

/** One frame's length: the analyzer's 512-sample VAD frames at 16 kHz. */
const frameSeconds = 512 / 16000

/** Where a segment without voiced (unvoiced) frames puts the aperiodicity (unvoiced centroid): mid-range, no vote. */
const neutralAperiodicity = 0.1
const neutralUnvoicedCentroidKHz = 3

/** The frames of `heard` that follow each other in time (the analyzer hands frames over in order). */
const steps = <A>(frames: ReadonlyArray<FrameFeatures>, of: (a: FrameFeatures, b: FrameFeatures) => A | null): Array<A> => {
  const out: Array<A> = []
  for (let i = 1; i < frames.length; i++) {
    const step = of(frames[i - 1]!, frames[i]!)
    if (step !== null) out.push(step)
  }
  return out
}

/**
 * Voice quality and timing, the cues beside pitch and formants that tell a speaker's age in the literature:
 * how periodic the voice is (children's voices are breathier; adult modal voice dips deeper), how much F0 moves
 * from one frame to the next (children's F0 is less steady), how many voiced stretches a second (syllable rate:
 * children speak slower), the loudness contour's spread in dB (level-free), how fast the timbre moves (articulation
 * rate) and where the voiceless frames' energy lies (fricatives sit higher in a short vocal tract).
 * Every entry reads the same with the frames reversed.
 */
const dynamics = (heard: ReadonlyArray<FrameFeatures>, voiced: ReadonlyArray<FrameFeatures>): Array<number> => {
  const f0Steps = steps(heard, (a, b) => (a.f0 !== null && b.f0 !== null ? Math.abs((12 * Math.log(b.f0 / a.f0)) / Math.LN2) : null))
  const runs = heard.filter((f, i) => f.f0 !== null && (i === 0 || heard[i - 1]!.f0 === null)).length
  const seconds = heard.length * frameSeconds
  const energyDb = heard.map((f) => 10 * Math.log10(f.energy + 1e-12))
  const mfccSteps = steps(heard, (a, b) => {
    let sum = 0
    for (let k = 0; k < mfccCount; k++) sum += Math.abs(b.mfcc[k]! - a.mfcc[k]!)
    return sum / mfccCount
  })
  const unvoiced = heard.filter((f) => f.f0 === null)
  return [
    medianOr(voiced.map((f) => f.aperiodicity), neutralAperiodicity),
    medianOr(f0Steps, 0),
    seconds > 0 ? runs / seconds : 0,
    std(energyDb),
    mean(mfccSteps),
    unvoiced.length > 0 ? mean(unvoiced.map((f) => f.centroid / 1000)) : neutralUnvoicedCentroidKHz
  ]
}

export interface SegmentSummary {
  readonly features: Float32Array
  /** Median F0 of the voiced frames, Hz; null when none was voiced. */
  readonly medianF0: number | null
  readonly voicedShare: number
}

/**
 * One segment's frames as the model's input vector (see `segmentFeatureNames`). The frames' own loudness is
 * not in it: a recording's level says nothing of the speaker's age. Frames under 1 % of the segment's
 * loudest are left out of the spectral means: pauses inside a segment are room noise, not voice.
 */
export const summariseSegment = (frames: ReadonlyArray<FrameFeatures>): SegmentSummary => {
  const loudest = frames.reduce((max, f) => Math.max(max, f.energy), 0)
  const heard = frames.filter((f) => f.energy >= loudest * 0.01)
  const voiced = heard.filter((f) => f.f0 !== null)
  const logF0 = voiced.map((f) => Math.log(f.f0!)).sort((a, b) => a - b)
  const voicedShare = heard.length === 0 ? 0 : voiced.length / heard.length
  const has = logF0.length > 0
  const f0Median = has ? quantile(logF0, 0.5) : neutralLogF0
  const forTimbre = voiced.length > 0 ? voiced : heard
  const centroids = heard.map((f) => f.centroid / 1000)
  const features = Float32Array.from([
    voicedShare,
    f0Median,
    has ? quantile(logF0, 0.1) : neutralLogF0,
    has ? quantile(logF0, 0.9) : neutralLogF0,
    has ? (12 * (quantile(logF0, 0.75) - quantile(logF0, 0.25))) / Math.LN2 : 0,
    mean(centroids),
    std(centroids),
    mean(heard.map((f) => f.rolloff / 1000)),
    mean(heard.map((f) => f.band1to3)),
    mean(heard.map((f) => f.band3to5)),
    ...Array.from({ length: mfccCount }, (_, k) => mean(forTimbre.map((f) => f.mfcc[k]!))),
    ...Array.from({ length: mfccCount }, (_, k) => std(heard.map((f) => f.mfcc[k]!))),
    ...[0, 1, 2].map((i) => medianOr(voiced.map((f) => Math.log(f.formants?.[i] ?? Number.NaN)), neutralLogFormants[i]!)),
    // Half the F1-F3 distance: the formant spacing, inversely proportional to the vocal tract's length.
    medianOr(voiced.map((f) => (f.formants ? Math.log((f.formants[2]! - f.formants[0]!) / 2) : Number.NaN)), neutralLogFormants[3]!),
    ...dynamics(heard, voiced)
  ])
  return { features, medianF0: has ? Math.exp(f0Median) : null, voicedShare }
}
