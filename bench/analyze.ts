/**
 * Analysis speed and memory on long files. Each file length runs in its own process so that its peak RSS
 * (getrusage maxrss) is its own. The long files are the bundled child story, decoded once and repeated.
 */
import { Effect, Layer } from "effect"
import { execa } from "execa"
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Analyzer } from "../src/analyze/Analyzer.js"
import { ChildVoiceClassifier } from "../src/analyze/ChildVoiceClassifier.js"
import { SileroVad } from "../src/analyze/SileroVad.js"
import { defaultConfig } from "../src/domain/Config.js"
import { wavHeader } from "../src/media/WavFile.js"

const args = process.argv.slice(2)
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? args[at + 1]! : fallback
}

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

const analyzeOne = async (wav: string) => {
  const layer = Analyzer.layer.pipe(Layer.provide(Layer.merge(SileroVad.layer, ChildVoiceClassifier.layer)))
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  const result = await Effect.runPromise(
    Effect.flatMap(Analyzer, (a) => a.analyze(wav, defaultConfig.vad, defaultConfig.rules.minChildScore)).pipe(Effect.provide(layer), Effect.scoped)
  )
  const wall = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  process.stdout.write(JSON.stringify({
    audioSeconds: result.durationSeconds,
    speechSeconds: result.speechSeconds,
    wallSeconds: wall,
    cpuSeconds,
    realTimePerCpuSecond: result.durationSeconds / cpuSeconds,
    realTimeWall: result.durationSeconds / wall,
    peakRssMiB: process.resourceUsage().maxRSS / 1024
  }) + "\n")
}

if (args[0] === "--one") {
  await analyzeOne(args[1]!)
} else {
  const minutes = option("minutes", "10,60").split(",").map(Number)
  const dir = mkdtempSync(join(tmpdir(), "kidvoice-bench-"))
  try {
    const story = join(dir, "story.wav")
    await execa("ffmpeg", ["-v", "error", "-i", join(import.meta.dirname, "..", "samples", "child-cs-story.ogg"), "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", "-map_metadata", "-1", "-bitexact", story])
    const speech = readFileSync(story).subarray(44)
    process.stdout.write(`analysis (decode + Silero VAD + pitch/centroid + child score), one worker, ${process.arch} ${(await import("node:os")).cpus()[0]?.model}\n`)
    process.stdout.write("minutes  audio-s  wall-s  cpu-s  x-realtime/cpu-s  x-realtime(wall)  peak-RSS-MiB\n")
    for (const m of minutes) {
      const wav = join(dir, `long-${m}.wav`)
      await writeLongWav(wav, speech, m)
      const { stdout } = await execa("npx", ["tsx", import.meta.filename, "--one", wav])
      const r = JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, number>
      process.stdout.write(
        `${String(m).padStart(7)}  ${r["audioSeconds"]!.toFixed(0).padStart(7)}  ${r["wallSeconds"]!.toFixed(1).padStart(6)}  ${r["cpuSeconds"]!.toFixed(1).padStart(5)}  ` +
          `${r["realTimePerCpuSecond"]!.toFixed(1).padStart(16)}  ${r["realTimeWall"]!.toFixed(1).padStart(16)}  ${r["peakRssMiB"]!.toFixed(0).padStart(12)}\n`
      )
      rmSync(wav)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
