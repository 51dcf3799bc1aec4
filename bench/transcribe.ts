/**
 * Cost of transcribing one clip with the real Transcriber loop (log-mel, encoder, greedy decoder steps, BPE
 * decoding) on the tiny same-signature test model: what the loop itself costs, not what Whisper's weights cost
 * (the test decoder is a table lookup). Also times the log-mel features alone, which a real Whisper pays in full.
 *   npm run bench -- transcribe [--clips 20] [--seconds 3]
 */
import { Effect } from "effect"
import { join } from "node:path"
import { logMel } from "../src/analyze/logMel.js"
import { Transcriber } from "../src/analyze/Transcriber.js"
import { numberOption } from "./benchArgs.js"

const clips = numberOption("clips", 20)
const seconds = numberOption("seconds", 3)
const card = join(import.meta.dirname, "..", "test", "fixtures", "models", "asr", "tiny-whisper-asr.json")
const clip = Float32Array.from({ length: seconds * 16000 }, (_, n) => 0.3 * Math.sin(n / 7) + 0.05 * Math.sin(n / 3))

const cpuMs = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000
}

const program = Effect.gen(function* () {
  const transcriber = yield* Transcriber
  yield* transcriber.transcribe(clip, "en") // warm-up: first session run
  let wall = performance.now()
  let cpu = process.cpuUsage()
  let tokens = 0
  for (let i = 0; i < clips; i++) tokens += (yield* transcriber.transcribe(clip, "en")).tokens
  const loop = { wall: (performance.now() - wall) / clips, cpu: cpuMs(cpu) / clips }
  wall = performance.now()
  cpu = process.cpuUsage()
  for (let i = 0; i < clips; i++) logMel(clip, 80)
  const mel = { wall: (performance.now() - wall) / clips, cpu: cpuMs(cpu) / clips }
  const line = (name: string, t: { wall: number; cpu: number }) => `${name.padEnd(28)} ${t.wall.toFixed(1).padStart(7)} ms wall ${t.cpu.toFixed(1).padStart(7)} ms CPU`
  process.stdout.write([
    `${clips} clips of ${seconds} s, ${tokens / clips} generated tokens each (tiny test model)`,
    line("transcribe, per clip", loop),
    line("  of which log-mel features", mel),
    ""
  ].join("\n"))
})

await Effect.runPromise(program.pipe(Effect.provide(Transcriber.layerFromCard(card)), Effect.scoped))
