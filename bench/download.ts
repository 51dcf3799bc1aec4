/**
 * Download throughput: N files fetched by real yt-dlp (generic extractor) from a 127.0.0.1 server and
 * decoded by ffmpeg to 16 kHz mono WAV, at several concurrencies. `kidvoice download` (the real CLI, start-up
 * included: manifest claims, temp dirs, atomic placing; request pace set out of the way) beside the same yt-dlp
 * (the one kidvoice resolves, with its arguments) and ffmpeg commands run by a shell loop under `xargs -P`.
 * R paired runs per concurrency; prints the medians of kidvoice ÷ shell loop, wall and CPU (whole process trees).
 *   npm run bench -- download [--files 16] [--concurrency 1,4,16] [--minutes 3] [--runs 3] [--kidvoice dist-copy/cli/main.js]
 */
import { Effect, Logger, LogLevel } from "effect"
import { execa } from "execa"
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createReadStream } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { defaultConfig } from "../src/domain/Config.js"
import { bestAudioArgs, networkArgs } from "../src/download/ytDlpArgs.js"
import { inspectYtDlp, ytDlpNetwork } from "../src/download/ytDlpSetup.js"
import { median, option } from "./benchArgs.js"



interface Measured {
  readonly wallSeconds: number
  /** User + system of the whole process tree (waited-for children included), from GNU time. */
  readonly cpuSeconds: number
  readonly peakRssMiB: number
}

const timed = async (command: string, commandArgs: ReadonlyArray<string>): Promise<Measured> => {
  const started = performance.now()
  const { stderr } = await execa("/usr/bin/time", ["-f", "TIME %U %S %M", command, ...commandArgs], { stdout: "ignore" })
  const [user, system, rssKiB] = stderr.trim().split("\n").filter((l) => l.startsWith("TIME ")).at(-1)!.slice(5).split(" ").map(Number) as [number, number, number]
  return { wallSeconds: (performance.now() - started) / 1000, cpuSeconds: user + system, peakRssMiB: rssKiB / 1024 }
}

/**
 * The real CLI, start-up included: `kidvoice discover` records the URLs (not timed), then `kidvoice download` is
 * timed. The request pace is set out of the way: the polite pace would measure the pace, not kidvoice.
 */
const runKidvoice = async (kidvoiceScript: string, urlList: string, out: string, concurrency: number) => {
  await execa("node", [kidvoiceScript, "discover", "--input", urlList, "--out", out, "--log-level", "warning"], { stdout: "ignore" })
  return timed("node", [
    kidvoiceScript, "download", "--out", out, "--log-level", "warning", "--download-concurrency", String(concurrency), "--requests-per-minute", "1000000"
  ])
}

/** kidvoice's own commands, in a shell loop, `concurrency` loops at once: the yt-dlp it resolves with its arguments, then its decode. */
const shellLoop = async (ytDlp: { readonly path: string; readonly args: ReadonlyArray<string> }, urlList: string, out: string, concurrency: number) => {
  const quoted = ytDlp.args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ")
  const limit = defaultConfig.rules.maxDurationSeconds + 1
  const script = `
    for url in "$@"; do
      d=$(mktemp -d "${out}/tmp.XXXXXX")
      '${ytDlp.path}' ${quoted} -o "$d/source.%(ext)s" -- "$url" >/dev/null &&
      ffmpeg -hide_banner -nostdin -v warning -y -i "$d"/source.* -t ${limit} -vn -ac 1 -ar 16000 -c:a pcm_s16le -map_metadata -1 -bitexact -f wav "${out}/$(basename "$url").wav"
      rm -rf "$d"
    done`
  return timed("xargs", ["-P", String(concurrency), "-n", "1", "-a", urlList, "bash", "-c", script, "loop"])
}

/** The yt-dlp kidvoice would run with the default settings, and its arguments up to (not including) the output template. */
const kidvoiceYtDlp = async () => {
  const setup = await Effect.runPromise(inspectYtDlp(defaultConfig.ytDlpPath, defaultConfig.download).pipe(Logger.withMinimumLogLevel(LogLevel.None)))
  const network = networkArgs(ytDlpNetwork(setup, defaultConfig.download, null))
  const fetch = bestAudioArgs(defaultConfig.download, "TEMPLATE").slice(0, -2)
  return { path: setup.path, version: setup.advice.version, args: [...network, ...fetch] }
}

const main = async () => {
  const files = Number(option("files", "16"))
  const concurrencies = option("concurrency", "1,4,16").split(",").map(Number)
  const minutes = Number(option("minutes", "3"))
  const runs = Number(option("runs", "3"))
  const kidvoiceScript = option("kidvoice", join(import.meta.dirname, "..", "bin", "kidvoice.js"))
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
    const ytDlp = await kidvoiceYtDlp()
    process.stdout.write(
      `download: ${files} files of ${(mediaBytes / 1e6).toFixed(1)} MB (${minutes} min MP3) from 127.0.0.1, yt-dlp ${ytDlp.version} (${ytDlp.path}) + ffmpeg to 16 kHz WAV; ` +
        `${runs} paired runs; ${cpus().length} cores shared with other work (wall figures are busy-machine figures)\n` +
        "concurrency  run  runner    wall-s  files/s  cpu-s  peak-RSS-MiB\n"
    )
    const summary: Array<string> = []
    for (const concurrency of concurrencies) {
      const wallRatios: Array<number> = []
      const cpuRatios: Array<number> = []
      for (let run = 1; run <= runs; run++) {
        // Fresh URLs each run: kidvoice would otherwise find them all known.
        const urls = Array.from({ length: files }, (_, n) => `http://127.0.0.1:${port}/c${concurrency}-r${run}-v${n}.mp3`)
        const urlList = join(dir, `urls-${concurrency}-${run}.txt`)
        writeFileSync(urlList, urls.join("\n") + "\n")
        const shellOut = join(dir, `shell-${concurrency}-${run}`)
        const kidvoiceOut = join(dir, `kidvoice-${concurrency}-${run}`)
        mkdirSync(shellOut)
        const shell = await shellLoop(ytDlp, urlList, shellOut, concurrency)
        const kidvoice = await runKidvoice(kidvoiceScript, urlList, kidvoiceOut, concurrency)
        const placed = readdirSync(join(kidvoiceOut, "audio")).length
        const made = readdirSync(shellOut).filter((f) => f.endsWith(".wav")).length
        const row = (runner: string, r: Measured, note: string) =>
          process.stdout.write(
            `${String(concurrency).padStart(11)}  ${String(run).padStart(3)}  ${runner.padEnd(8)}  ${r.wallSeconds.toFixed(1).padStart(6)}  ${(files / r.wallSeconds).toFixed(2).padStart(7)}  ` +
              `${r.cpuSeconds.toFixed(1).padStart(5)}  ${r.peakRssMiB.toFixed(0).padStart(12)}  ${note}\n`
          )
        row("shell", shell, made === files ? "" : `(${made}/${files} made)`)
        row("kidvoice", kidvoice, placed === files ? "" : `(${placed}/${files} placed)`)
        wallRatios.push(kidvoice.wallSeconds / shell.wallSeconds)
        cpuRatios.push(kidvoice.cpuSeconds / shell.cpuSeconds)
        rmSync(shellOut, { recursive: true, force: true })
        rmSync(kidvoiceOut, { recursive: true, force: true })
      }
      summary.push(
        `concurrency ${String(concurrency).padStart(2)}: kidvoice ÷ shell loop wall median ${median(wallRatios).toFixed(2)}× (${wallRatios.map((r) => r.toFixed(2)).join(", ")}), ` +
          `CPU median ${median(cpuRatios).toFixed(2)}× (${cpuRatios.map((r) => r.toFixed(2)).join(", ")})`
      )
    }
    process.stdout.write(summary.join("\n") + "\n")
    process.stdout.write("kidvoice: the real CLI's download command, start-up included; CPU and peak RSS of the whole process tree (GNU time).\n")
    server.closeAllConnections()
    server.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
