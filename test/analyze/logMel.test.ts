import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { hzToMel, logMel, melFilters, melToHz, whisperAudio } from "../../src/analyze/logMel.js"

const { frames } = whisperAudio
const tone = (hz: number, seconds: number, amplitude = 0.5) =>
  Float32Array.from({ length: seconds * 16000 }, (_, n) => amplitude * Math.sin((2 * Math.PI * hz * n) / 16000))

/** The mel bin whose mean over the first `upTo` frames is highest. */
const loudestBin = (mel: Float32Array, upTo: number) => {
  const means = Array.from({ length: 80 }, (_, m) => mel.subarray(m * frames, m * frames + upTo).reduce((a, b) => a + b, 0) / upTo)
  return means.indexOf(Math.max(...means))
}

/** Slaney's mel scale written out independently: the centre of filter m of 80 up to 8 kHz. */
const centreHz = (m: number) => {
  const mel = ((15 + 27 * Math.log(8) / Math.log(6.4)) * (m + 1)) / 81
  return mel < 15 ? mel * 200 / 3 : 1000 * Math.exp((mel - 15) * Math.log(6.4) / 27)
}

/**
 * The recipe written out the slow, plain way (a direct DFT per frame, every filter weight): the oracle that the
 * fast path (Bluestein FFT, two frames at once, sparse filters) must match. Power spectra first, shared by filter banks.
 */
const plainPowerSpectra = (audio: Float32Array) => {
  const { nFft, hop, chunkSamples } = whisperAudio
  const cos = Float64Array.from({ length: nFft }, (_, j) => Math.cos((2 * Math.PI * j) / nFft))
  const sin = Float64Array.from({ length: nFft }, (_, j) => Math.sin((2 * Math.PI * j) / nFft))
  const signal = new Float32Array(chunkSamples)
  signal.set(audio.subarray(0, chunkSamples))
  const at = (i: number) => signal[i < 0 ? -i : i >= chunkSamples ? 2 * (chunkSamples - 1) - i : i]!
  const frame = new Float64Array(nFft)
  return Array.from({ length: frames }, (_, t) => {
    for (let n = 0; n < nFft; n++) frame[n] = at(t * hop - nFft / 2 + n) * (0.5 - 0.5 * Math.cos((2 * Math.PI * n) / nFft))
    return Float64Array.from({ length: nFft / 2 + 1 }, (_, k) => {
      let re = 0
      let im = 0
      for (let n = 0; n < nFft; n++) {
        re += frame[n]! * cos[(k * n) % nFft]!
        im -= frame[n]! * sin[(k * n) % nFft]!
      }
      return re * re + im * im
    })
  })
}

const plainLogMel = (powers: ReadonlyArray<Float64Array>, nMels: number) => {
  const bins = whisperAudio.nFft / 2 + 1
  const filters = melFilters(nMels)
  const mel = new Float64Array(nMels * frames)
  powers.forEach((power, t) => {
    for (let m = 0; m < nMels; m++) {
      const energy = power.reduce((sum, p, k) => sum + filters[m * bins + k]! * p, 0)
      mel[m * frames + t] = Math.log10(Math.max(energy, 1e-10))
    }
  })
  const max = mel.reduce((a, b) => Math.max(a, b))
  return mel.map((v) => (Math.max(v, max - 8) + 4) / 4)
}

describe("Whisper log-mel features", () => {
  it("match the plain recipe on noise, tones and silence, for 80 and 128 mel bins, with an odd number of samples", () => {
    // 2.5 s: noise, then a chord, then silence; 39,999 samples so the last frame's pair partner is padding.
    const audio = Float32Array.from({ length: 39_999 }, (_, n) =>
      n < 16000 ? Math.sin(n * 12.9898) * 0.3 : n < 32000 ? 0.2 * Math.sin(n / 7) + 0.1 * Math.sin(n / 2.3) : 0)
    const powers = plainPowerSpectra(audio)
    for (const nMels of [80, 128]) {
      const fast = logMel(audio, nMels)
      const plain = plainLogMel(powers, nMels)
      let worst = 0
      for (let i = 0; i < fast.length; i++) worst = Math.max(worst, Math.abs(fast[i]! - plain[i]!))
      expect(worst, `${nMels} mel bins`).toBeLessThan(1e-4)
    }
  })

  it("silence is the log10 clamp floor everywhere: (log10(1e-10) + 4) / 4 = -1.5", () => {
    const mel = logMel(new Float32Array(16000))
    expect(mel.length).toBe(80 * 3000)
    expect(mel.every((v) => v === -1.5)).toBe(true)
  })

  it("a sine's energy lands in the mel bin centred on its frequency", () => {
    for (const hz of [300, 1000, 3000, 6000]) {
      const bin = loudestBin(logMel(tone(hz, 1)), 90)
      const nearest = Array.from({ length: 80 }, (_, m) => Math.abs(centreHz(m) - hz))
      expect(Math.abs(bin - nearest.indexOf(Math.min(...nearest))), `${hz} Hz`).toBeLessThanOrEqual(1)
    }
  })

  it("nothing is more than 8 log10 units (2 after scaling) below the loudest value; audio after 30 s is cut", () => {
    const mel = logMel(tone(440, 2))
    const max = mel.reduce((a, b) => Math.max(a, b))
    expect(mel.reduce((a, b) => Math.min(a, b))).toBeCloseTo(max - 2, 5)
    const long = new Float32Array(31 * 16000)
    long.set(tone(440, 1), 30 * 16000)
    expect(logMel(long).every((v) => v === -1.5)).toBe(true)
  })

  it("the first filter matches librosa's slaney filter: one weight, at 40 Hz", () => {
    const filters = melFilters(80)
    const first = Array.from(filters.subarray(0, 201))
    expect(first.filter((w) => w > 0).length).toBe(1)
    // Triangle 0 - 37.2 - 74.5 Hz, area-normalised by 2 / 74.5: at 40 Hz, (74.5 - 40) / 37.2 * 2 / 74.5.
    expect(first[1]).toBeCloseTo(0.02486, 4)
  })

  it.prop("the mel scale round-trips", [fc.double({ min: 0, max: 8000, noNaN: true })], ([hz]) => {
    expect(melToHz(hzToMel(hz))).toBeCloseTo(hz, 6)
  })
})
