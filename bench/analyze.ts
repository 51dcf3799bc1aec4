/**
 * Analysis speed and memory on long files: real-time factor (seconds of audio per CPU-second) of
 *   decode  ffmpeg: Ogg Vorbis → 16 kHz mono WAV, then the WAV read into float windows as the analyzer reads it
 *   vad     decode + Silero VAD on every 32 ms frame
 *   full    decode + the whole analysis (VAD, per-frame pitch/spectrum/MFCC, the child-voice model per segment)
 * with 1 and 2 workers (concurrent files in one process, as `analysis-concurrency` runs them), and the peak RSS
 * of a full analysis of a 1-hour file. Each measurement runs in its own process, so its peak RSS is its own; CPU
 * includes the ffmpeg children it waited for. The audio is the bundled child story, repeated.
 *   npm run bench -- analyze [--minutes 10] [--rss-minutes 60]
 */
import { Effect, Layer, Stream } from "effect"
import { execa } from "execa"
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { Analyzer } from "../src/analyze/Analyzer.js"
import { ChildVoiceClassifier } from "../src/analyze/ChildVoiceClassifier.js"
import { SileroVad } from "../src/analyze/SileroVad.js"
import { SpokenLanguage } from "../src/analyze/SpokenLanguage.js"
import { defaultConfig } from "../src/domain/Config.js"
import { transcodeToWav } from "../src/media/Ffmpeg.js"
import { readWavInfo, streamWavWindows, wavHeader } from "../src/media/WavFile.js"
import { option } from "./benchArgs.js"

const args = process.argv.slice(2)

/** Writes `minutes` of 16 kHz mono WAV by repeating `speech` (raw PCM), streaming so the bench itself stays small. */
const writeLongWav = async (path: string, speech: Buffer, minutes: number) => {
  const bytes = Math.floor(minutes * 60 * 16000) * 2
  const out = createWriteStream(path)
  out.write(wavHeader(16000, 1, bytes))
  for (let written = 0; written < bytes; written += speech.length) {
    const chunk = speech.subarray(0, Math.min(speech.length, bytes - written))
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()))
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())))
}

type Mode = "decode" | "vad" | "full"

/** CPU seconds of this process and of the children it has waited for (ffmpeg), from /proc (clock ticks of 1/100 s). */
const cpuSeconds = () => {
  const own = process.cpuUsage()
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ")
  const children = (Number(fields[13]) + Number(fields[14])) / 100
  return (own.user + own.system) / 1e6 + children
}

const measureOne = async (mode: Mode, workers: number, ogg: string, dir: string) => {
  const layer = Analyzer.layer.pipe(Layer.provideMerge(Layer.mergeAll(SileroVad.layer, ChildVoiceClassifier.layer, SpokenLanguage.none)))
  const work = (worker: number) =>
    Effect.gen(function* () {
      const wav = join(dir, `worker-${worker}.wav`)
      yield* transcodeToWav(ogg, wav)
      const info = yield* readWavInfo(wav)
      if (mode === "decode") {
        yield* Stream.runDrain(streamWavWindows(wav, info, 512 * 1000))
      } else if (mode === "vad") {
        const vad = yield* SileroVad
        const stream = vad.newStream()
        yield* streamWavWindows(wav, info, 512 * 1000).pipe(Stream.runForEach((window) =>
          Effect.gen(function* () {
            for (let offset = 0; offset < window.length; offset += 512) yield* stream.probability(window.subarray(offset, offset + 512))
          })))
        stream.close()
      } else {
        const analyzer = yield* Analyzer
        yield* analyzer.analyze(wav, defaultConfig.vad, defaultConfig.rules.minChildScore)
      }
      rmSync(wav)
      return info.durationSeconds
    })
  // Build the models before the clock starts: a run loads them once for all its files.
  const program = Effect.gen(function* () {
    yield* Analyzer
    const cpuBefore = cpuSeconds()
    const started = performance.now()
    const durations = yield* Effect.forEach(Array.from({ length: workers }, (_, i) => i), work, { concurrency: workers })
    return { audioSeconds: durations.reduce((a, b) => a + b, 0), cpu: cpuSeconds() - cpuBefore, wall: (performance.now() - started) / 1000 }
  })
  const r = await Effect.runPromise(program.pipe(Effect.provide(layer), Effect.scoped))
  process.stdout.write(JSON.stringify({ ...r, peakRssMiB: process.resourceUsage().maxRSS / 1024 }) + "\n")
}

if (args[0] === "--one") {
  await measureOne(args[1] as Mode, Number(args[2]), args[3]!, args[4]!)
} else {
  const minutes = Number(option("minutes", "10"))
  const rssMinutes = Number(option("rss-minutes", "60"))
  const dir = mkdtempSync(join(tmpdir(), "kidvoice-bench-"))
  try {
    const story = join(dir, "story.wav")
    await execa("ffmpeg", ["-v", "error", "-i", join(import.meta.dirname, "..", "samples", "child-cs-story.ogg"), "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", "-map_metadata", "-1", "-bitexact", story])
    const speech = readFileSync(story).subarray(44)
    const longOgg = async (m: number) => {
      const wav = join(dir, `long-${m}.wav`)
      const ogg = join(dir, `long-${m}.ogg`)
      await writeLongWav(wav, speech, m)
      await execa("ffmpeg", ["-v", "error", "-i", wav, "-c:a", "libvorbis", "-q:a", "2", ogg])
      rmSync(wav)
      return ogg
    }
    const run = async (mode: Mode, workers: number, ogg: string) => {
      const { stdout } = await execa("npx", ["tsx", import.meta.filename, "--one", mode, String(workers), ogg, dir])
      return JSON.parse(stdout.trim().split("\n").at(-1)!) as { audioSeconds: number; cpu: number; wall: number; peakRssMiB: number }
    }
    process.stdout.write(`analysis speed, ${process.arch} ${cpus()[0]?.model}, ${cpus().length} cores (shared: other work on the machine makes wall times noisy)\n`)
    process.stdout.write(`${minutes}-minute Ogg Vorbis file per worker\n`)
    process.stdout.write("stage    workers  audio-s  wall-s  cpu-s  x-realtime/cpu-s  x-realtime(wall)  peak-RSS-MiB\n")
    const ogg = await longOgg(minutes)
    const row = (mode: string, workers: number | string, r: Awaited<ReturnType<typeof run>>) =>
      process.stdout.write(
        `${mode.padEnd(7)}  ${String(workers).padStart(7)}  ${r.audioSeconds.toFixed(0).padStart(7)}  ${r.wall.toFixed(1).padStart(6)}  ${r.cpu.toFixed(1).padStart(5)}  ` +
          `${(r.audioSeconds / r.cpu).toFixed(1).padStart(16)}  ${(r.audioSeconds / r.wall).toFixed(1).padStart(16)}  ${r.peakRssMiB.toFixed(0).padStart(12)}\n`
      )
    for (const mode of ["decode", "vad", "full"] as const) {
      for (const workers of [1, 2]) row(mode, workers, await run(mode, workers, ogg))
    }
    rmSync(ogg)
    process.stdout.write(`peak memory of one full analysis of a ${rssMinutes}-minute file\n`)
    row("full", 1, await run("full", 1, await longOgg(rssMinutes)))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
