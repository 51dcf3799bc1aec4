import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { estimateF0 } from "../../src/analyze/acoustics.js"

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
