/**
 * Download throughput: N files fetched by real yt-dlp (generic extractor) from a 127.0.0.1 server that paces each
 * connection (each file takes `--seconds-per-file`, as from a host that throttles per connection; 0: loopback speed)
 * and decoded by ffmpeg to 16 kHz mono WAV, at several concurrencies. `kidvoice download` (the real CLI, start-up
 * included: manifest claims, temp dirs, atomic placing; request pace set out of the way) beside the same yt-dlp
 * (the one kidvoice resolves, with all its arguments, captions included) and ffmpeg commands run by a shell loop
 * under `xargs -P`. R paired runs per concurrency on the same URL list, which runner goes first alternating from run
 * to run (so a load that drifts weighs on both); prints the medians of kidvoice ÷ shell loop, wall and CPU (whole
 * process trees).
 *   npm run bench -- download [--files 16] [--concurrency 1,4,16] [--minutes 3] [--seconds-per-file 3] [--runs 3]
 *                             [--kidvoice dist-copy/cli/main.js]
 */
import { Effect, Logger, LogLevel } from "effect"
import { execa } from "execa"
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { defaultConfig } from "../src/domain/Config.js"
import { captionArgs } from "../src/download/captions.js"
import { bestAudioArgs, networkArgs } from "../src/download/ytDlpArgs.js"
import { uninspectedYtDlp, ytDlpNetwork } from "../src/download/ytDlpSetup.js"
import { ytDlpVersion } from "../src/download/YtDlp.js"
import { median, option } from "./benchArgs.js"
import { pacedFileServer } from "./pacedServer.js"



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

/** Where the shell loop's temp dir goes in an argument: `$d`, expanded by the shell. */
const tempDirMark = "@TEMPDIR@"

/** kidvoice's own commands, in a shell loop, `concurrency` loops at once: the yt-dlp it resolves with its arguments, then its decode. */
const shellLoop = async (ytDlp: { readonly path: string; readonly args: ReadonlyArray<string> }, urlList: string, out: string, concurrency: number) => {
  const quoted = ytDlp.args.map((a) => a.includes(tempDirMark) ? `"${a.replace(tempDirMark, "$d")}"` : `'${a.replace(/'/g, "'\\''")}'`).join(" ")
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

/**
 * The yt-dlp kidvoice would run for a URL that is not YouTube's with the default settings, and its arguments up to
 * (not including) the output template: network, captions (the subtitle and info JSON outputs under the temp dir), fetch.
 */
const kidvoiceYtDlp = async () => {
  const setup = uninspectedYtDlp(defaultConfig.ytDlpPath)
  const version = await Effect.runPromise(ytDlpVersion(setup.path).pipe(Logger.withMinimumLogLevel(LogLevel.None)))
  const network = networkArgs(ytDlpNetwork(setup, defaultConfig.download, null))
  const captions = captionArgs(defaultConfig.download.captionLanguages, tempDirMark)
  const fetch = bestAudioArgs(defaultConfig.download, "TEMPLATE").slice(0, -2)
  return { path: setup.path, version, args: [...network, ...captions, ...fetch] }
}

const load = () => loadavg().map((l) => l.toFixed(1)).join(" ")

const main = async () => {
  const files = Number(option("files", "16"))
  const concurrencies = option("concurrency", "1,4,16").split(",").map(Number)
  const minutes = Number(option("minutes", "3"))
  const secondsPerFile = Number(option("seconds-per-file", "3"))
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
    const server = await pacedFileServer(media, secondsPerFile)
    const ytDlp = await kidvoiceYtDlp()
    process.stdout.write(
      `download: ${files} files of ${(mediaBytes / 1e6).toFixed(1)} MB (${minutes} min MP3) from 127.0.0.1, ` +
        `${secondsPerFile > 0 ? `each connection paced to ${secondsPerFile} s a file` : "unpaced"}, ` +
        `yt-dlp ${ytDlp.version} (${ytDlp.path}) + ffmpeg to 16 kHz WAV; ` +
        `${runs} paired runs; ${cpus().length} cores shared with other work (wall figures are busy-machine figures)\n` +
        "concurrency  run  runner    wall-s  files/s  cpu-s  peak-RSS-MiB  load(1,5,15 min) after\n"
    )
    // One untimed fetch first: Python's bytecode and the page cache are warm for whichever runner goes first.
    const warmUp = join(dir, "warm-up")
    mkdirSync(warmUp)
    writeFileSync(join(warmUp, "urls.txt"), server.url("/warm-up.mp3") + "\n")
    await shellLoop(ytDlp, join(warmUp, "urls.txt"), warmUp, 1)
    const summary: Array<string> = []
    for (const concurrency of concurrencies) {
      const wallRatios: Array<number> = []
      const cpuRatios: Array<number> = []
      for (let run = 1; run <= runs; run++) {
        // Fresh URLs each run: kidvoice would otherwise find them all known.
        const urls = Array.from({ length: files }, (_, n) => server.url(`/c${concurrency}-r${run}-v${n}.mp3`))
        const urlList = join(dir, `urls-${concurrency}-${run}.txt`)
        writeFileSync(urlList, urls.join("\n") + "\n")
        const shellOut = join(dir, `shell-${concurrency}-${run}`)
        const kidvoiceOut = join(dir, `kidvoice-${concurrency}-${run}`)
        mkdirSync(shellOut)
        const runShell = () => shellLoop(ytDlp, urlList, shellOut, concurrency)
        const runOurs = () => runKidvoice(kidvoiceScript, urlList, kidvoiceOut, concurrency)
        const shellFirst = run % 2 === 1
        const first = shellFirst ? await runShell() : await runOurs()
        const firstLoad = load()
        const second = shellFirst ? await runOurs() : await runShell()
        const secondLoad = load()
        const [shell, kidvoice] = shellFirst ? [first, second] : [second, first]
        const [shellLoad, kidvoiceLoad] = shellFirst ? [firstLoad, secondLoad] : [secondLoad, firstLoad]
        const placed = readdirSync(join(kidvoiceOut, "audio")).length
        const made = readdirSync(shellOut).filter((f) => f.endsWith(".wav")).length
        const row = (runner: string, r: Measured, loadAfter: string, note: string) =>
          process.stdout.write(
            `${String(concurrency).padStart(11)}  ${String(run).padStart(3)}  ${runner.padEnd(8)}  ${r.wallSeconds.toFixed(1).padStart(6)}  ${(files / r.wallSeconds).toFixed(2).padStart(7)}  ` +
              `${r.cpuSeconds.toFixed(1).padStart(5)}  ${r.peakRssMiB.toFixed(0).padStart(12)}  ${loadAfter}${note}\n`
          )
        const shellRow = () => row("shell", shell, shellLoad, made === files ? "" : ` (${made}/${files} made)`)
        const kidvoiceRow = () => row("kidvoice", kidvoice, kidvoiceLoad, placed === files ? "" : ` (${placed}/${files} placed)`)
        for (const print of shellFirst ? [shellRow, kidvoiceRow] : [kidvoiceRow, shellRow]) print()
        wallRatios.push(kidvoice.wallSeconds / shell.wallSeconds)
        cpuRatios.push(kidvoice.cpuSeconds / shell.cpuSeconds)
        rmSync(shellOut, { recursive: true, force: true })
        rmSync(kidvoiceOut, { recursive: true, force: true })
      }
      summary.push(
        `concurrency ${String(concurrency).padStart(2)}: kidvoice ÷ shell loop wall median ${median(wallRatios).toFixed(2)}× (${wallRatios.map((r) => r.toFixed(2)).join(", ")}), ` +
          `CPU median ${median(cpuRatios).toFixed(2)}× (${cpuRatios.map((r) => r.toFixed(2)).join(", ")}); ` +
          `issue 17's target, wall ≤ 1.10×: ${median(wallRatios) <= 1.1 ? "met" : "NOT met"}`
      )
    }
    process.stdout.write(summary.join("\n") + "\n")
    process.stdout.write("kidvoice: the real CLI's download command, start-up included; CPU and peak RSS of the whole process tree (GNU time).\n")
    server.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
