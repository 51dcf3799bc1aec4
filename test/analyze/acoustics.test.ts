import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { differenceFunction, estimateF0, lpcFormants, yinPitch } from "../../src/analyze/acoustics.js"

const rate = 16_000

/** A voiced-like tone: the fundamental plus harmonics with falling amplitudes. */
const harmonicTone = (f0: number, amplitudes: ReadonlyArray<number>, length = 1024, phase = 0.3) => {
  const out = new Float32Array(length)
  for (let i = 0; i < length; i++) {
    let v = 0
    amplitudes.forEach((a, h) => {
      v += a * Math.sin((2 * Math.PI * f0 * (h + 1) * i) / rate + phase * (h + 1))
    })
    out[i] = v
  }
  return out
}

/** mulberry32: a small seeded PRNG, so the noise is the same on every run. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const whiteNoise = (seed: number, length = 1024) => {
  const random = seeded(seed)
  return Float32Array.from({ length }, () => random() * 2 - 1)
}

describe("estimateF0", () => {
  for (const f0 of [100, 180, 250, 320, 450]) {
    it(`finds ${f0} Hz in a harmonic tone within 2 %`, () => {
      const estimate = estimateF0(harmonicTone(f0, [1, 0.6, 0.4, 0.25]), rate)
      expect(estimate).not.toBeNull()
      expect(Math.abs(estimate! - f0) / f0).toBeLessThan(0.02)
    })
  }

  it("finds the fundamental when the second harmonic is stronger", () => {
    const estimate = estimateF0(harmonicTone(200, [0.5, 1, 0.3]), rate)
    expect(Math.abs(estimate! - 200) / 200).toBeLessThan(0.02)
  })

  it.prop("tracks any pitch in the voice range within 2 %", [
    fc.double({ min: 90, max: 550, noNaN: true }),
    fc.double({ min: 0, max: 6, noNaN: true }),
    fc.double({ min: 0.05, max: 1, noNaN: true })
  ], ([f0, phase, gain]) => {
    const tone = harmonicTone(f0, [1, 0.5, 0.3].map((a) => a * gain), 1024, phase)
    const estimate = estimateF0(tone, rate)
    expect(estimate).not.toBeNull()
    expect(Math.abs(estimate! - f0) / f0).toBeLessThan(0.02)
  })

  it("finds no pitch in white noise or silence", () => {
    for (const seed of [1, 2, 3, 42, 1234]) expect(estimateF0(whiteNoise(seed), rate)).toBeNull()
    expect(estimateF0(new Float32Array(1024), rate)).toBeNull()
  })

  it("gives up on frames too short for the lowest pitch searched", () => {
    expect(estimateF0(harmonicTone(200, [1]).subarray(0, 40), rate)).toBeNull()
  })
})

describe("yinPitch aperiodicity", () => {
  it("reads a clean tone as periodic, white noise as not, and a breathy tone in between", () => {
    const tone = harmonicTone(220, [1, 0.6, 0.4, 0.25])
    const noise = whiteNoise(7)
    const breathy = tone.map((v, i) => v + 0.5 * noise[i]!)
    const [clean, mixed, none] = [yinPitch(tone, rate), yinPitch(breathy, rate), yinPitch(noise, rate)]
    expect(clean.aperiodicity).toBeLessThan(0.02)
    expect(mixed.f0).not.toBeNull()
    expect(mixed.aperiodicity).toBeGreaterThan(clean.aperiodicity + 0.02)
    expect(none.f0).toBeNull()
    expect(none.aperiodicity).toBeGreaterThan(mixed.aperiodicity)
    expect(none.aperiodicity).toBeLessThanOrEqual(1)
  })

  it.prop("agrees with estimateF0 and stays within 0..1", [
    fc.double({ min: 90, max: 550, noNaN: true }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.integer({ min: 1, max: 1000 })
  ], ([f0, noiseLevel, seed]) => {
    const noise = whiteNoise(seed)
    const frame = harmonicTone(f0, [1, 0.5, 0.3]).map((v, i) => v + noiseLevel * noise[i]!)
    const pitch = yinPitch(frame, rate)
    expect(pitch.f0).toBe(estimateF0(frame, rate))
    expect(pitch.aperiodicity).toBeGreaterThanOrEqual(0)
    expect(pitch.aperiodicity).toBeLessThanOrEqual(1)
  })
})

describe("differenceFunction", () => {
  it.prop("equals YIN's difference summed directly, for any frame length, with buffers reused across lengths", [
    fc.constantFrom(600, 1024, 1500),
    fc.integer({ min: 1, max: 1000 }),
    fc.double({ min: 80, max: 500, noNaN: true })
  ], ([length, seed, f0]) => {
    const noise = whiteNoise(seed, length)
    const frame = harmonicTone(f0, [1, 0.5], length).map((v, i) => v + 0.3 * noise[i]!)
    const tauMax = Math.min(228, Math.floor(length / 2))
    const width = length - tauMax
    // Another length first, so a reused buffer of the wrong size or stale content would show.
    differenceFunction(whiteNoise(seed + 1, 777), 777 - 228, 228)
    const diff = differenceFunction(frame, width, tauMax)
    let energy = 0
    for (let i = 0; i < width; i++) energy += frame[i]! * frame[i]!
    for (let tau = 1; tau <= tauMax; tau++) {
      let direct = 0
      for (let i = 0; i < width; i++) direct += (frame[i]! - frame[i + tau]!) ** 2
      expect(Math.abs(diff[tau]! - direct)).toBeLessThan(1e-5 * energy)
    }
  })
})

/**
 * A vowel-like frame: a glottal pulse train at `f0` through two-pole resonators at `formants` (Klatt's cascade),
 * bandwidths 60-150 Hz, then the last 512 samples: what a voiced frame of speech looks like to LPC.
 */
const vowel = (f0: number, formants: ReadonlyArray<number>, length = 512) => {
  const total = length + 1024
  let signal = Float64Array.from({ length: total }, (_, i) => (Math.floor((i * f0) / rate) !== Math.floor(((i - 1) * f0) / rate) ? 1 : 0))
  formants.forEach((hz, j) => {
    const bandwidth = [60, 90, 150][j] ?? 150
    const r = Math.exp((-Math.PI * bandwidth) / rate)
    const b1 = 2 * r * Math.cos((2 * Math.PI * hz) / rate)
    const b2 = -r * r
    const out = new Float64Array(total)
    for (let i = 0; i < total; i++) out[i] = signal[i]! + b1 * (out[i - 1] ?? 0) + b2 * (out[i - 2] ?? 0)
    signal = out
  })
  return Float32Array.from(signal.subarray(total - length))
}

describe("lpcFormants", () => {
  for (const [f0, formants] of [[120, [700, 1200, 2600]], [220, [850, 2000, 3000]], [280, [1000, 2400, 3700]]] as const) {
    it(`finds F1-F3 of a vowel at ${formants.join("/")} Hz (F0 ${f0} Hz) within 10 %`, () => {
      const found = lpcFormants(vowel(f0, formants), rate)
      formants.forEach((hz, i) => expect(Math.abs(found[i]! - hz) / hz).toBeLessThan(0.1))
    })
  }

  it.prop("moves the formants up with a shorter vocal tract: every formant scaled by k is found about k times higher", [
    fc.double({ min: 1.15, max: 1.5, noNaN: true }),
    fc.double({ min: 100, max: 250, noNaN: true })
  ], ([k, f0]) => {
    const adult = lpcFormants(vowel(f0, [650, 1300, 2500]), rate)
    const child = lpcFormants(vowel(f0 * k, [650 * k, 1300 * k, 2500 * k]), rate)
    for (let i = 0; i < 3; i++) expect(Math.abs(child[i]! / adult[i]! - k) / k).toBeLessThan(0.12)
  })

  it("gives NaN, not a number, for silence and does not depend on the level", () => {
    expect([...lpcFormants(new Float32Array(512), rate)].every(Number.isNaN)).toBe(true)
    const frame = vowel(150, [600, 1700, 2700])
    const loud = lpcFormants(frame, rate)
    const quiet = lpcFormants(frame.map((v) => v * 0.001), rate)
    loud.forEach((hz, i) => expect(quiet[i]!).toBeCloseTo(hz, 3))
  })
})
