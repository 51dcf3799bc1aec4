import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { applyGain, loudnessGain } from "../../src/curate/loudness.js"

const rmsDbfs = (samples: Int16Array) => {
  let sum = 0
  for (const s of samples) sum += (s / 32768) ** 2
  return 20 * Math.log10(Math.sqrt(sum / samples.length))
}
const peakDbfs = (samples: Int16Array) => 20 * Math.log10(Math.max(...Array.from(samples, (s) => Math.abs(s / 32768))))
const tone = (amplitude: number, length = 16000) => Int16Array.from({ length }, (_, i) => Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * 300 * i) / 16000)))

describe("loudness normalisation", () => {
  it("brings a quiet tone up to the target RMS", () => {
    const quiet = tone(0.01)
    const leveled = applyGain(quiet, loudnessGain(quiet, -23))
    expect(rmsDbfs(leveled)).toBeCloseTo(-23, 1)
  })

  it("stops short of the target when the peak would pass the ceiling", () => {
    // A loud click in silence: reaching -10 dBFS RMS would need far more than the ceiling allows.
    const click = new Int16Array(16000)
    click[100] = 8000
    const leveled = applyGain(click, loudnessGain(click, -10, -1))
    expect(peakDbfs(leveled)).toBeCloseTo(-1, 1)
    expect(rmsDbfs(leveled)).toBeLessThan(-10)
  })

  it("leaves silence alone", () => {
    expect(loudnessGain(new Int16Array(100), -23)).toBe(1)
  })

  it.prop("never clips: every sample stays within 16 bits and under the ceiling", [
    fc.double({ min: 0.001, max: 1, noNaN: true }),
    fc.integer({ min: -40, max: -3 })
  ], ([amplitude, target]) => {
    const samples = tone(amplitude, 2000)
    const leveled = applyGain(samples, loudnessGain(samples, target, -1))
    expect(peakDbfs(leveled)).toBeLessThanOrEqual(-1 + 0.01)
  })
})
