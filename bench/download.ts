/**
 * Download throughput: N files fetched by real yt-dlp (generic extractor) from a 127.0.0.1 server and
 * transcoded by ffmpeg to 16 kHz mono WAV, at several concurrencies. kidvoice's download stage (manifest
 * claims, temp dirs, probe, atomic placing, request pace set out of the way) beside the same yt-dlp + ffmpeg
 * commands run by a shell loop under `xargs -P`. Each kidvoice run is its own process, so its peak RSS is its own.
 *   npm run bench -- download [--files 16] [--concurrency 1,4,16] [--minutes 3]
 */
import { Deferred, Effect, Layer, Logger, LogLevel, Schema } from "effect"
import { execa } from "execa"
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createReadStream } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { defaultConfig, KidvoiceConfig } from "../src/domain/Config.js"
import { discover, downloadStage } from "../src/pipeline/Pipeline.js"
import { downloaderLayer, manifestLayer, youTubeCatalogLayer } from "../src/pipeline/layers.js"
import { Source } from "../src/source/Source.js"

const args = process.argv.slice(2)
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? args[at + 1]! : fallback
}

/** One kidvoice download stage over a URL list, in this process; prints its wall time and peak RSS as JSON. */
const runKidvoice = async (urlList: string, out: string, concurrency: number) => {
  const config = Schema.decodeSync(KidvoiceConfig)({
    ...defaultConfig,
    out,
    downloadConcurrency: concurrency,
    // The polite pace would measure the pace, not kidvoice: out of the way here.
    download: { ...defaultConfig.download, requestsPerMinute: 1_000_000 }
  })
  const base = manifestLayer(config)
  const source = Source.layer.pipe(Layer.provide(youTubeCatalogLayer(config, [])))
  const layer = Layer.mergeAll(base, source, downloaderLayer(config, base))
  const started = performance.now()
  await Effect.runPromise(
    Effect.gen(function* () {
      yield* discover({ inputs: [urlList], queries: [] }, config)
      const done = yield* Deferred.make<void>()
      yield* Deferred.succeed(done, undefined)
      yield* downloadStage(config, done)
    }).pipe(Effect.provide(layer), Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning))
  )
  process.stdout.write(JSON.stringify({ wallSeconds: (performance.now() - started) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024 }) + "\n")
}

/** The same commands kidvoice runs, in a shell loop, `concurrency` loops at once; GNU time gives the largest process's RSS. */
const shellLoop = async (urlList: string, out: string, concurrency: number) => {
  const script = `
    for url in "$@"; do
      d=$(mktemp -d "${out}/tmp.XXXXXX")
      yt-dlp --no-playlist --no-part -q -f bestaudio/best -o "$d/source.%(ext)s" -- "$url" &&
      ffmpeg -v error -nostdin -i "$d"/source.* -vn -ac 1 -ar 16000 -c:a pcm_s16le -map_metadata -1 -bitexact -f wav "${out}/$(basename "$url").wav"
      rm -rf "$d"
    done`
  const started = performance.now()
  const { stderr } = await execa("/usr/bin/time", [
    "-f", "%M", "xargs", "-P", String(concurrency), "-n", "1", "-a", urlList, "bash", "-c", script, "loop"
  ])
  return { wallSeconds: (performance.now() - started) / 1000, peakRssMiB: Number(stderr.trim().split("\n").at(-1)) / 1024 }
}

const main = async () => {
  const files = Number(option("files", "16"))
  const concurrencies = option("concurrency", "1,4,16").split(",").map(Number)
  const minutes = Number(option("minutes", "3"))
  const dir = mkdtempSync(join(tmpdir(), "kidvoice-bench-download-"))
  try {
    // A few minutes of the bundled child story as a 128 kb/s MP3: a typical bestaudio file, a few MB.
    const media = join(dir, "media.mp3")
    await execa("ffmpeg", [
      "-v", "error", "-stream_loop", "-1", "-i", join(import.meta.dirname, "..", "samples", "child-cs-story.ogg"),
      "-t", String(minutes * 60), "-c:a", "libmp3lame", "-b:a", "128k", media
    ])
    const mediaBytes = statSync(media).size
    const server = createServer((req, res) => {
      res.writeHead(200, { "content-type": "audio/mpeg", "content-length": mediaBytes })
      if (req.method === "HEAD") res.end()
      else createReadStream(media).pipe(res)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as AddressInfo
    const { stdout: version } = await execa("yt-dlp", ["--version"])
    process.stdout.write(
      `download: ${files} files of ${(mediaBytes / 1e6).toFixed(1)} MB (${minutes} min MP3) from 127.0.0.1, yt-dlp ${version.trim()} + ffmpeg to 16 kHz WAV; ` +
        `${cpus().length} cores (shared: figures are noisy)\n` +
        "concurrency  runner    wall-s  files/s   MB/s  peak-RSS-MiB  overhead\n"
    )
    for (const concurrency of concurrencies) {
      // Fresh URLs each round: kidvoice would otherwise find them all known.
      const urls = Array.from({ length: files }, (_, n) => `http://127.0.0.1:${port}/c${concurrency}-v${n}.mp3`)
      const urlList = join(dir, `urls-${concurrency}.txt`)
      writeFileSync(urlList, urls.join("\n") + "\n")
      const shellOut = join(dir, `shell-${concurrency}`)
      const kidvoiceOut = join(dir, `kidvoice-${concurrency}`)
      await execa("mkdir", ["-p", shellOut])
      const shell = await shellLoop(urlList, shellOut, concurrency)
      const { stdout } = await execa("npx", ["tsx", import.meta.filename, "--one", urlList, kidvoiceOut, String(concurrency)])
      const kidvoice = JSON.parse(stdout.trim().split("\n").at(-1)!) as { wallSeconds: number; peakRssMiB: number }
      const placed = readdirSync(join(kidvoiceOut, "audio")).length
      const made = readdirSync(shellOut).filter((f) => f.endsWith(".wav")).length
      const row = (runner: string, r: { wallSeconds: number; peakRssMiB: number }, note: string) =>
        process.stdout.write(
          `${String(concurrency).padStart(11)}  ${runner.padEnd(8)}  ${r.wallSeconds.toFixed(1).padStart(6)}  ${(files / r.wallSeconds).toFixed(2).padStart(7)}  ` +
            `${((files * mediaBytes) / 1e6 / r.wallSeconds).toFixed(1).padStart(5)}  ${r.peakRssMiB.toFixed(0).padStart(12)}  ${note}\n`
        )
      row("shell", shell, made === files ? "" : `(${made}/${files} made)`)
      const overhead = kidvoice.wallSeconds - shell.wallSeconds
      row("kidvoice", kidvoice, `${overhead >= 0 ? "+" : ""}${overhead.toFixed(1)} s (${((overhead / shell.wallSeconds) * 100).toFixed(0)} %)` +
        (placed === files ? "" : ` (${placed}/${files} placed)`))
    }
    process.stdout.write("peak RSS: the kidvoice node process alone; for the shell, its largest process (yt-dlp or ffmpeg).\n")
    server.closeAllConnections()
    server.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (args[0] === "--one") await runKidvoice(args[1]!, args[2]!, Number(args[3]))
else await main()
