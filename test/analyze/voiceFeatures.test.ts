import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { type FrameFeatures, measureFrame, mfccCount, segmentFeatureNames, summariseSegment } from "../../src/analyze/voiceFeatures.js"

const rate = 16_000

const harmonicTone = (f0: number, amplitudes: ReadonlyArray<number>, length = 1024, phase = 0.3) =>
  Float32Array.from({ length }, (_, i) => amplitudes.reduce((v, a, h) => v + a * Math.sin((2 * Math.PI * f0 * (h + 1) * i) / rate + phase * (h + 1)), 0))

/** The analyzer's call: a 1024-sample pitch window whose last 512 samples are the frame. */
const measure = (window: Float32Array) => measureFrame(window, window.subarray(512), rate)

const frame = (f0: number | null, energy = 1, centroid = 1000, formantScale = 1): FrameFeatures => ({
  f0,
  centroid,
  rolloff: 2000,
  band1to3: 0.3,
  band3to5: 0.1,
  upperBand: 0.05,
  mfcc: Float32Array.from({ length: mfccCount }, (_, k) => k + centroid / 1000),
  energy,
  formants: f0 === null ? null : Float64Array.from([500, 1500, 2500], (hz) => hz * formantScale),
  aperiodicity: f0 === null ? 0.6 : 0.05
})

describe("measureFrame", () => {
  for (const hz of [500, 1000, 2500]) {
    it(`puts a pure ${hz} Hz tone's centroid and roll-off at ${hz} Hz`, () => {
      const m = measure(harmonicTone(hz, [1]))
      const binHz = rate / 512
      expect(Math.abs(m.centroid - hz)).toBeLessThan(2 * binHz)
      expect(Math.abs(m.rolloff - hz)).toBeLessThan(2 * binHz)
    })
  }

  it("is brighter for a brighter sound, and puts a 2 kHz tone's energy in the 1-3 kHz band", () => {
    const dull = measure(harmonicTone(220, [1, 0.3, 0.1]))
    const bright = measure(harmonicTone(220, [1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]))
    expect(bright.centroid).toBeGreaterThan(dull.centroid + 300)
    const tone = measure(harmonicTone(2000, [1]))
    expect(tone.band1to3).toBeGreaterThan(0.95)
    expect(tone.band3to5).toBeLessThan(0.02)
  })

  it("measures the share of the energy above 4.2 kHz: a 6 kHz tone is all there, a 2 kHz tone none of it", () => {
    expect(measure(harmonicTone(6000, [1])).upperBand).toBeGreaterThan(0.95)
    expect(measure(harmonicTone(2000, [1])).upperBand).toBeLessThan(0.01)
    expect(measure(harmonicTone(1000, [1, 0, 0, 0, 0, 1])).upperBand).toBeCloseTo(0.5, 1)
  })

  it("finds the pitch of a voiced tone and none in silence", () => {
    expect(Math.abs(measure(harmonicTone(300, [1, 0.5, 0.3])).f0! - 300)).toBeLessThan(6)
    const silent = measure(new Float32Array(1024))
    expect(silent.f0).toBeNull()
    // Formants are measured on voiced frames only (acoustics.test.ts checks their accuracy).
    expect(measure(harmonicTone(300, [1, 0.5, 0.3])).formants?.length).toBe(3)
    expect(silent.formants).toBeNull()
    expect(silent.energy).toBe(0)
  })

  it.prop("MFCCs 1..12 do not change with the recording level", [
    fc.double({ min: 100, max: 500, noNaN: true }),
    fc.double({ min: 0.01, max: 20, noNaN: true })
  ], ([f0, gain]) => {
    const tone = harmonicTone(f0, [1, 0.5, 0.4, 0.3, 0.2])
    const a = measure(tone).mfcc
    const b = measure(tone.map((v) => v * gain)).mfcc
    for (let k = 0; k < mfccCount; k++) expect(b[k]!).toBeCloseTo(a[k]!, 3)
  })
})

describe("summariseSegment", () => {
  it("gives one value per named feature: voiced share, pitch quantiles in log Hz, timbre means", () => {
    const frames = [frame(200), frame(250), frame(300), frame(null), frame(null, 0.001)]
    const { features, medianF0, voicedShare } = summariseSegment(frames)
    expect(features.length).toBe(segmentFeatureNames.length)
    // The almost silent frame is left out: 3 voiced of 4 heard.
    expect(voicedShare).toBe(0.75)
    expect(medianF0).toBeCloseTo(250, 3)
    expect(features[segmentFeatureNames.indexOf("logF0Median")]).toBeCloseTo(Math.log(250), 5)
    expect(features[segmentFeatureNames.indexOf("centroidKHzMean")]).toBeCloseTo(1, 5)
    expect(features[segmentFeatureNames.indexOf("logF2Median")]).toBeCloseTo(Math.log(1500), 5)
    expect(features[segmentFeatureNames.indexOf("logFormantSpacingMedian")]).toBeCloseTo(Math.log(1000), 5)
  })

  it("takes formant medians over voiced frames only and skips formants a frame did not find", () => {
    const missing: FrameFeatures = { ...frame(220), formants: Float64Array.from([Number.NaN, 1900, Number.NaN]) }
    const { features } = summariseSegment([frame(200, 1, 1000, 1.2), frame(250, 1, 1000, 1.4), missing, frame(null)])
    expect(features[segmentFeatureNames.indexOf("logF1Median")]).toBeCloseTo((Math.log(500 * 1.2) + Math.log(500 * 1.4)) / 2, 5)
    expect(features[segmentFeatureNames.indexOf("logF2Median")]).toBeCloseTo(Math.log(1900), 5)
    expect(features[segmentFeatureNames.indexOf("logF3Median")]).toBeCloseTo((Math.log(2500 * 1.2) + Math.log(2500 * 1.4)) / 2, 5)
    expect(features.every(Number.isFinite)).toBe(true)
  })


  it("measures voice quality and timing: aperiodicity, F0 steps, voiced stretches per second, loudness spread, timbre movement, voiceless centroid", () => {
    const at = (name: string, features: Float32Array) => features[segmentFeatureNames.indexOf(name)]!
    // Two voiced stretches (200 → 224.5 Hz is 2 semitones; 250 → 250 is 0), a voiceless frame between them, 4 heard frames.
    const frames = [
      { ...frame(200), aperiodicity: 0.04 },
      { ...frame(200 * 2 ** (2 / 12)), aperiodicity: 0.08 },
      { ...frame(null, 0.1, 4000), aperiodicity: 0.7 },
      { ...frame(250), aperiodicity: 0.06 }
    ]
    const { features } = summariseSegment(frames)
    expect(at("aperiodicityVoicedMedian", features)).toBeCloseTo(0.06, 5)
    expect(at("f0StepSemitonesMedian", features)).toBeCloseTo(2, 4)
    expect(at("voicedRunsPerSecond", features)).toBeCloseTo(2 / (4 * 0.032), 4)
    // Energies 1, 1, 0.1, 1: 10 dB down in one frame of four.
    expect(at("logEnergyStdDb", features)).toBeCloseTo(Math.sqrt(3) * 10 / 4, 3)
    expect(at("unvoicedCentroidKHzMean", features)).toBeCloseTo(4, 5)
    // The helper's MFCCs move by the centroid in kHz: 0, 3, 3 between neighbours.
    expect(at("mfccStepMean", features)).toBeCloseTo(2, 5)
  })

  it("leaves the pitch entries neutral and the median F0 null when nothing is voiced", () => {
    const { features, medianF0, voicedShare } = summariseSegment([frame(null), frame(null)])
    expect(medianF0).toBeNull()
    expect(voicedShare).toBe(0)
    expect(features[segmentFeatureNames.indexOf("logF0Median")]).toBeCloseTo(Math.log(150), 5)
    expect(features.every(Number.isFinite)).toBe(true)
  })

  it.prop("does not depend on the order of the frames", [
    fc.array(fc.record({
      f0: fc.option(fc.double({ min: 70, max: 600, noNaN: true }), { nil: null }),
      energy: fc.double({ min: 0, max: 1, noNaN: true }),
      centroid: fc.double({ min: 100, max: 5000, noNaN: true })
    }), { minLength: 1, maxLength: 40 })
  ], ([specs]) => {
    const frames = specs.map((s) => frame(s.f0, s.energy, s.centroid))
    const forward = summariseSegment(frames).features
    const backward = summariseSegment([...frames].reverse()).features
    forward.forEach((v, i) => expect(backward[i]!).toBeCloseTo(v, 4))
  })
})
