import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Exit, FastCheck as fc, Stream } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { excerptRange, parseWavHeader, pcmToFloat, readWavInfo, streamWavWindows, type WavInfo, WavFormatError, wavHeader } from "../../src/media/WavFile.js"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "kidvoice-wav-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const chunk = (id: string, body: Buffer) => {
  const head = Buffer.alloc(8)
  head.write(id, 0, "ascii")
  head.writeUInt32LE(body.length, 4)
  return Buffer.concat([head, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)])
}
const fmtBody = (code: number, channels: number, sampleRate: number, bits: number) => {
  const body = Buffer.alloc(16)
  body.writeUInt16LE(code, 0)
  body.writeUInt16LE(channels, 2)
  body.writeUInt32LE(sampleRate, 4)
  body.writeUInt32LE((sampleRate * channels * bits) / 8, 8)
  body.writeUInt16LE((channels * bits) / 8, 12)
  body.writeUInt16LE(bits, 14)
  return body
}
const riff = (...chunks: ReadonlyArray<Buffer>) => {
  const body = Buffer.concat(chunks)
  const head = Buffer.alloc(12)
  head.write("RIFF", 0, "ascii")
  head.writeUInt32LE(4 + body.length, 4)
  head.write("WAVE", 8, "ascii")
  return Buffer.concat([head, body])
}
/** A header as a streaming writer leaves it: RIFF and data sizes unknown, 0xFFFFFFFF. */
const placeholderHeader = (sampleRate: number, channels: number) => {
  const header = wavHeader(sampleRate, channels, 0)
  header.writeUInt32LE(0xffffffff, 4)
  header.writeUInt32LE(0xffffffff, 40)
  return header
}
const int16 = (samples: ReadonlyArray<number>) => {
  const buffer = Buffer.alloc(samples.length * 2)
  samples.forEach((s, i) => buffer.writeInt16LE(s, i * 2))
  return buffer
}

describe("parseWavHeader", () => {
  it("reads back what wavHeader writes", () => {
    expect(parseWavHeader(wavHeader(16_000, 1, 32_000), 44 + 32_000)).toEqual({
      sampleRate: 16_000,
      channels: 1,
      dataOffset: 44,
      dataBytes: 32_000,
      durationSeconds: 1
    })
  })

  it.prop("round-trips any rate, channel count and whole number of frames", [
    fc.integer({ min: 1, max: 192_000 }),
    fc.integer({ min: 1, max: 8 }),
    fc.integer({ min: 0, max: 1_000_000 })
  ], ([sampleRate, channels, frameCount]) => {
    const dataBytes = frameCount * channels * 2
    const info = parseWavHeader(wavHeader(sampleRate, channels, dataBytes), 44 + dataBytes)
    expect(info).toEqual({ sampleRate, channels, dataOffset: 44, dataBytes, durationSeconds: frameCount / sampleRate })
  })

  it("steps over chunks before data, odd-sized ones with their pad byte", () => {
    const samples = int16([1, 2, 3, 4])
    const file = riff(chunk("fmt ", fmtBody(1, 1, 8000, 16)), chunk("LIST", Buffer.from("INFOx")), chunk("data", samples))
    const info = parseWavHeader(file, file.length)
    expect(info).toMatchObject({ sampleRate: 8000, channels: 1, dataBytes: 8 })
    const { dataOffset } = info as WavInfo
    expect(dataOffset).toBe(12 + 24 + 14 + 8)
    expect(file.subarray(dataOffset, dataOffset + 8)).toEqual(samples)
  })

  it("clamps a placeholder data size to the file's length, in whole frames", () => {
    const header = placeholderHeader(16_000, 2)
    const info = parseWavHeader(header, 44 + 4001) as WavInfo
    expect(info.dataBytes).toBe(4000)
    expect(info.durationSeconds).toBe(1000 / 16_000)
  })

  it("drops a trailing partial frame", () => {
    expect((parseWavHeader(wavHeader(8000, 2, 10), 54) as WavInfo).dataBytes).toBe(8)
  })

  it("accepts WAVE_FORMAT_EXTENSIBLE with 16 bits", () => {
    const file = riff(chunk("fmt ", fmtBody(0xfffe, 1, 16_000, 16)), chunk("data", int16([0, 0])))
    expect(parseWavHeader(file, file.length)).toMatchObject({ sampleRate: 16_000, dataBytes: 4 })
  })

  it("rejects what is not 16-bit PCM WAV with a reason", () => {
    const rifx = Buffer.from(wavHeader(16_000, 1, 0))
    rifx.write("RIFX", 0, "ascii")
    expect(parseWavHeader(rifx, 44)).toBe("missing RIFF/WAVE header")
    const avi = Buffer.from(wavHeader(16_000, 1, 0))
    avi.write("AVI ", 8, "ascii")
    expect(parseWavHeader(avi, 44)).toBe("missing RIFF/WAVE header")
    expect(parseWavHeader(Buffer.from("RIFF"), 4)).toBe("missing RIFF/WAVE header")
    const eightBit = riff(chunk("fmt ", fmtBody(1, 1, 8000, 8)), chunk("data", Buffer.alloc(10)))
    expect(parseWavHeader(eightBit, eightBit.length)).toBe("unsupported sample format (code 1, 8 bits)")
    const float = riff(chunk("fmt ", fmtBody(3, 1, 8000, 32)), chunk("data", Buffer.alloc(16)))
    expect(parseWavHeader(float, float.length)).toBe("unsupported sample format (code 3, 32 bits)")
    const noFmt = riff(chunk("data", Buffer.alloc(4)))
    expect(parseWavHeader(noFmt, noFmt.length)).toBe("data chunk before fmt chunk")
    const noData = riff(chunk("fmt ", fmtBody(1, 1, 8000, 16)), chunk("LIST", Buffer.alloc(6)))
    expect(parseWavHeader(noData, noData.length)).toContain("no data chunk")
    const mute = riff(chunk("fmt ", fmtBody(1, 0, 8000, 16)), chunk("data", Buffer.alloc(4)))
    expect(parseWavHeader(mute, mute.length)).toBe("zero channels or sample rate")
  })
})

describe("excerptRange", () => {
  const mono: WavInfo = { sampleRate: 16_000, channels: 1, dataOffset: 44, dataBytes: 32_000, durationSeconds: 1 }
  const stereo: WavInfo = { sampleRate: 8000, channels: 2, dataOffset: 100, dataBytes: 32_000, durationSeconds: 1 }

  it("maps seconds to bytes inside the data chunk", () => {
    expect(excerptRange(mono, 0.25, 0.5)).toEqual({ offset: 44 + 8000, length: 8000 })
    expect(excerptRange(stereo, 0.5, 0.75)).toEqual({ offset: 100 + 16_000, length: 8000 })
  })

  it("clamps to the data chunk", () => {
    expect(excerptRange(mono, -1, 0.5)).toEqual({ offset: 44, length: 16_000 })
    expect(excerptRange(mono, 0.5, 5)).toEqual({ offset: 44 + 16_000, length: 16_000 })
    expect(excerptRange(mono, 2, 3)).toEqual({ offset: 44 + 32_000, length: 0 })
    expect(excerptRange(mono, 0.75, 0.25)).toEqual({ offset: 44 + 24_000, length: 0 })
  })

  it.prop("stays inside the data chunk and on frame boundaries", [
    fc.integer({ min: 1, max: 8 }),
    fc.integer({ min: 0, max: 100_000 }),
    fc.double({ min: -10, max: 20, noNaN: true }),
    fc.double({ min: -10, max: 20, noNaN: true })
  ], ([channels, frames, start, end]) => {
    const info: WavInfo = { sampleRate: 4410, channels, dataOffset: 58, dataBytes: frames * channels * 2, durationSeconds: frames / 4410 }
    const { offset, length } = excerptRange(info, start, end)
    expect((offset - info.dataOffset) % (2 * channels)).toBe(0)
    expect(length % (2 * channels)).toBe(0)
    expect(length).toBeGreaterThanOrEqual(0)
    expect(offset).toBeGreaterThanOrEqual(info.dataOffset)
    expect(offset + length).toBeLessThanOrEqual(info.dataOffset + info.dataBytes)
  })
})

describe("pcmToFloat", () => {
  it.prop("reads each little-endian sample as sample / 32768, at any offset in its buffer and for any byte count", [
    fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 300 }),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 1 })
  ], ([values, offset, oddByte]) => {
    const backing = Buffer.alloc(offset + values.length * 2 + oddByte)
    const pcm = backing.subarray(offset)
    values.forEach((v, i) => pcm.writeInt16LE(v, i * 2))
    const floats = pcmToFloat(pcm, values.length * 2 + oddByte)
    expect(Array.from(floats)).toEqual(values.map((v) => Math.fround(v / 32768)))
  })
})

describe("readWavInfo and streamWavWindows", () => {
  const samples = Array.from({ length: 5003 }, (_, i) => Math.round(Math.sin(i / 7) * 30_000) - (i % 3))

  it.scoped("stream the samples written, window by window", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const path = join(dir, "a.wav")
      writeFileSync(path, riff(chunk("fmt ", fmtBody(1, 1, 16_000, 16)), chunk("LIST", Buffer.from("INFOabc")), chunk("data", int16(samples))))
      const info = yield* readWavInfo(path)
      expect(info).toMatchObject({ sampleRate: 16_000, channels: 1, dataBytes: samples.length * 2 })
      const windows = Chunk.toReadonlyArray(yield* Stream.runCollect(streamWavWindows(path, info, 1000)))
      expect(windows.map((w) => w.length)).toEqual([1000, 1000, 1000, 1000, 1000, 3])
      const all = windows.flatMap((w) => [...w])
      expect(all).toEqual(samples.map((s) => Math.fround(s / 32768)))
    }))

  it.scoped("read a streamed WAV with a placeholder data size up to the end of the file", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const path = join(dir, "streamed.wav")
      writeFileSync(path, Buffer.concat([placeholderHeader(16_000, 1), int16(samples)]))
      const info = yield* readWavInfo(path)
      expect(info.dataBytes).toBe(samples.length * 2)
      const windows = Chunk.toReadonlyArray(yield* Stream.runCollect(streamWavWindows(path, info, 4096)))
      expect(windows.every((w) => w.length <= 4096)).toBe(true)
      expect(windows.reduce((n, w) => n + w.length, 0)).toBe(samples.length)
      expect(windows.at(-1)!.at(-1)).toBe(Math.fround(samples.at(-1)! / 32768))
    }))

  it.scoped("fail with WavFormatError for stereo, junk and missing files", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const stereo = join(dir, "stereo.wav")
      writeFileSync(stereo, Buffer.concat([wavHeader(16_000, 2, 8), int16([1, 2, 3, 4])]))
      const info = yield* readWavInfo(stereo)
      const streamed = yield* Effect.exit(Stream.runCollect(streamWavWindows(stereo, info, 100)))
      expect(Exit.isFailure(streamed)).toBe(true)
      const streamError = yield* Effect.flip(Stream.runCollect(streamWavWindows(stereo, info, 100)))
      expect(streamError).toBeInstanceOf(WavFormatError)
      expect(streamError.reason).toContain("2 channels")

      const junk = join(dir, "junk.wav")
      writeFileSync(junk, "this is not audio at all, just some text")
      const junkError = yield* Effect.flip(readWavInfo(junk))
      expect(junkError).toMatchObject({ _tag: "WavFormatError", path: junk, reason: "missing RIFF/WAVE header", retryable: false })
      expect(junkError.message).toContain(junk)

      const missing = yield* Effect.flip(readWavInfo(join(dir, "nope.wav")))
      expect(missing._tag).toBe("WavFormatError")
      expect(missing.reason).toContain("ENOENT")
    }))

  it.scoped("stream nothing from an empty data chunk", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const path = join(dir, "empty.wav")
      writeFileSync(path, wavHeader(16_000, 1, 0))
      const info = yield* readWavInfo(path)
      expect(info.durationSeconds).toBe(0)
      expect(Chunk.size(yield* Stream.runCollect(streamWavWindows(path, info, 512)))).toBe(0)
    }))
})
