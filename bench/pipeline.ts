/**
 * Per-video cost of kidvoice beyond the work itself (issue 17).
 *   instant  N fake videos (default 1k, 10k, 100k) through discover → claim (download, analyze) → decide → export
 *            with stages that return at once: no media, no models. The real manifest, claiming workers, curate
 *            sweep, dataset files and JSONL export; logs as `--log-format json` formats them (written to /dev/null).
 *            Prints wall and CPU ms of orchestration per video and the peak RSS; each size runs in its own process,
 *            bundled as the CLI is (scripts/build.mjs's options; plain node, no tsx loader), so the RSS is what a run
 *            would hold: the RSS once everything is loaded, before any work, is printed beside it.
 *   files    F distinct short local files (10–20 s, made with ffmpeg) through `kidvoice run --input DIR`, beside a bare
 *            shell loop running one ffmpeg decode per file to 16 kHz mono WAV; R paired runs, CPU (user + system, the
 *            children included, from GNU time) of each, and the median ratio kidvoice ÷ shell loop.
 *   npm run bench -- pipeline [--sizes 1000,10000,100000] [--files 300] [--runs 3] [--only instant|files]
 *                             [--kidvoice dist-copy/cli/main.js] [--media DIR (files made once, kept)]
 */
import { Deferred, Effect, Layer, Logger, LogLevel, Schema } from "effect"
import { execa } from "execa"
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { Analysis } from "../src/domain/Analysis.js"
import { defaultConfig, KidvoiceConfig } from "../src/domain/Config.js"
import { Workspace } from "../src/domain/Workspace.js"
import { Curator } from "../src/curate/Curator.js"
import { defaultExportPath, writeExport } from "../src/manifest/exports.js"
import { Manifest } from "../src/manifest/Manifest.js"
import { curateStage, discover } from "../src/pipeline/Pipeline.js"
import { manifestLayer, youTubeCatalogLayer } from "../src/pipeline/layers.js"
import { runClaimingStage } from "../src/pipeline/stageWorkers.js"
import { Source } from "../src/source/Source.js"
import { median, option } from "./benchArgs.js"

const args = process.argv.slice(2)


/** What an analysis of a short silent file says: no speech, so curate rejects it and cuts nothing. */
const silentAnalysis = Analysis.make({
  durationSeconds: 15,
  speechSeconds: 0,
  childSpeechSeconds: 0,
  childShare: 0,
  language: "unknown",
  languageConfidence: 0,
  languageSource: "none",
  classifier: "instant",
  segments: []
})

interface InstantResult {
  readonly videos: number
  readonly wallSeconds: number
  readonly cpuSeconds: number
  readonly peakRssMiB: number
  /** RSS once the program is loaded, before the manifest opens: what no amount of videos changes. */
  readonly startRssMiB: number
  /** Peak RSS once discovery has recorded every video, before any stage ran: what the one big batch cost. */
  readonly peakRssAfterDiscoveryMiB: number
  readonly decided: number
  readonly exported: number
}

/** One size in this process: a URL list of `videos` YouTube ids, then the stages as `runStages` wires them, instantly. */
const runInstant = async (videos: number, dir: string): Promise<InstantResult> => {
  const startRssMiB = process.memoryUsage().rss / 2 ** 20
  const config = Schema.decodeSync(KidvoiceConfig)({ ...defaultConfig, out: join(dir, "out") })
  const urlList = join(dir, "urls.txt")
  writeFileSync(urlList, Array.from({ length: videos }, (_, i) => `https://www.youtube.com/watch?v=${i.toString(36).padStart(11, "0")}`).join("\n") + "\n")
  const base = manifestLayer(config)
  const source = Source.layer.pipe(Layer.provide(youTubeCatalogLayer(config, [])))
  const layer = Layer.mergeAll(base, source, Curator.layer.pipe(Layer.provide(base)))
  const logger = Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.jsonLogger))
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  let peakRssAfterDiscoveryMiB = 0
  const { decided, exported } = await Effect.runPromise(
    Effect.gen(function* () {
      const manifest = yield* Manifest
      yield* discover({ inputs: [urlList], queries: [] }, config)
      peakRssAfterDiscoveryMiB = process.resourceUsage().maxRSS / 1024
      const noUpstream = yield* Deferred.make<void>()
      yield* Deferred.succeed(noUpstream, undefined)
      const downloadsDone = yield* Deferred.make<void>()
      const analysisDone = yield* Deferred.make<void>()
      const [, , dataset] = yield* Effect.all([
        runClaimingStage({
          stage: "download",
          workers: config.downloadConcurrency,
          upstreamDone: noUpstream,
          handle: (row) => Effect.succeed({ audioPath: join(dir, `${row.id}.wav`), measuredDurationSeconds: 15 }),
          complete: (row, result) => manifest.completeDownload(row.id, result),
          classify: () => ({ _tag: "Fail", failure: { _tag: "Never", message: "", retryable: false } })
        }).pipe(Effect.ensuring(Deferred.succeed(downloadsDone, undefined))),
        runClaimingStage({
          stage: "analyze",
          workers: config.analysisConcurrency,
          upstreamDone: downloadsDone,
          handle: () => Effect.succeed(silentAnalysis),
          complete: (row, analysis) => manifest.completeAnalysis(row.id, analysis),
          classify: () => ({ _tag: "Fail", failure: { _tag: "Never", message: "", retryable: false } })
        }).pipe(Effect.ensuring(Deferred.succeed(analysisDone, undefined))),
        curateStage(config, analysisDone, "bench")
      ], { concurrency: "unbounded" })
      const paths = yield* Workspace
      const jsonl = yield* writeExport("jsonl", defaultExportPath(paths, "jsonl"), paths)
      const counts = yield* manifest.counts
      return { decided: counts.filter((c) => c.state === "rejected" || c.state === "accepted").reduce((n, c) => n + c.count, 0), exported: jsonl.lines + dataset.clips }
    }).pipe(Effect.provide(layer), Effect.scoped, Effect.provide(logger), Logger.withMinimumLogLevel(LogLevel.Info))
  )
  const cpu = process.cpuUsage(cpuBefore)
  return {
    videos,
    wallSeconds: (performance.now() - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    startRssMiB,
    peakRssAfterDiscoveryMiB,
    decided,
    exported
  }
}

/** This harness bundled as the CLI is (same esbuild options and lazy packages), under dist/bench/: what the instant runs execute. */
const bundleThisHarness = async () => {
  const { build } = await import("esbuild")
  // @ts-expect-error: plain JavaScript without types (node runs it without tsx)
  const { bundleOptions } = (await import("../scripts/build.mjs")) as { bundleOptions: () => Record<string, unknown> }
  const outdir = join(import.meta.dirname, "..", "dist", "bench")
  await build({ ...bundleOptions(), entryPoints: { pipeline: import.meta.filename }, outdir, splitting: false })
  return join(outdir, "pipeline.js")
}

const instantTable = async (sizes: ReadonlyArray<number>) => {
  const bundle = await bundleThisHarness()
  process.stdout.write(
    `instant stages: discover → claim → decide → export, no media work, bundled like the CLI; ${cpus().length} cores shared with other work (figures are noisy)\n` +
      "   videos   wall-s  wall-ms/video  cpu-ms/video  peak-RSS-MiB  (at start)  (after discovery)  decided  load(1 min) before/after\n"
  )
  for (const videos of sizes) {
    const dir = mkdtempSync(join(tmpdir(), "kidvoice-bench-pipeline-"))
    try {
      const loadBefore = loadavg()[0]!.toFixed(1)
      const { stdout } = await execa("node", [bundle, "--instant-one", String(videos), dir], { stderr: "ignore" })
      const r = JSON.parse(stdout.trim().split("\n").at(-1)!) as InstantResult
      process.stdout.write(
        `${r.videos.toLocaleString("en").padStart(9)}  ${r.wallSeconds.toFixed(1).padStart(7)}  ${((r.wallSeconds * 1000) / r.videos).toFixed(2).padStart(13)}  ` +
          `${((r.cpuSeconds * 1000) / r.videos).toFixed(2).padStart(12)}  ${r.peakRssMiB.toFixed(0).padStart(12)}  ${r.startRssMiB.toFixed(0).padStart(10)}  ` +
          `${r.peakRssAfterDiscoveryMiB.toFixed(0).padStart(17)}  ${(r.decided === r.videos ? "all" : `${r.decided} of ${r.videos}!`).padStart(7)}  ${loadBefore} / ${loadavg()[0]!.toFixed(1)}\n`
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** `count` distinct files of 10–20 s: the bundled child story from a different offset, pitch and length each, as Ogg Vorbis. */
const makeShortFiles = async (dir: string, count: number) => {
  const story = join(import.meta.dirname, "..", "samples", "child-cs-story.ogg")
  for (let i = 0; i < count; i++) {
    const seconds = 10 + (i * 7919) % 11
    const rate = 44100 + (i % 13) * 100
    await execa("ffmpeg", [
      "-v", "error", "-nostdin", "-stream_loop", "-1", "-ss", String((i * 3.7) % 40), "-i", story, "-t", String(seconds),
      "-af", `asetrate=${rate},aresample=44100,asetpts=N/SR/TB,volume=${(0.5 + (i % 10) / 20).toFixed(2)}`, "-c:a", "libvorbis", "-q:a", "3",
      join(dir, `short-${String(i).padStart(4, "0")}.ogg`)
    ])
  }
}

/** CPU seconds (user + system, waited-for children included) and peak RSS of one command, from GNU time. */
const timed = async (command: string, commandArgs: ReadonlyArray<string>, cwd?: string) => {
  const started = performance.now()
  const { stderr } = await execa("/usr/bin/time", ["-f", "TIME %U %S %M", command, ...commandArgs], { cwd, stdout: "ignore", reject: true })
  const line = stderr.trim().split("\n").filter((l) => l.startsWith("TIME ")).at(-1)!
  const [user, system, rssKiB] = line.slice(5).split(" ").map(Number) as [number, number, number]
  return { cpuSeconds: user + system, userSeconds: user, systemSeconds: system, wallSeconds: (performance.now() - started) / 1000, peakRssMiB: rssKiB / 1024 }
}

/**
 * `kidvoice` is the script run (bin/kidvoice.js by default; a copy of dist/cli/main.js under the project, so edits made
 * while the bench runs do not rebuild the bundle mid-run). `reuse` is a folder the files are made in once and kept.
 */
const filesTable = async (count: number, runs: number, kidvoiceScript: string, reuse: string) => {
  const dir = mkdtempSync(join(tmpdir(), "kidvoice-bench-files-"))
  try {
    const media = reuse || join(dir, "media")
    mkdirSync(media, { recursive: true })
    const made = readdirSync(media).filter((f) => f.endsWith(".ogg")).length
    if (made !== count) {
      for (const f of readdirSync(media)) rmSync(join(media, f), { force: true })
      await makeShortFiles(media, count)
    }
    const { stdout: audioSeconds } = await execa("bash", ["-c", `for f in "${media}"/*.ogg; do ffprobe -v error -show_entries format=duration -of csv=p=0 "$f"; done | paste -sd+ | bc`])
    process.stdout.write(
      `\n${count} short local files (${Number(audioSeconds).toFixed(0)} s of audio), ${runs} paired runs; ${cpus().length} cores shared with other work (figures are noisy)\n` +
        "run  runner     cpu-s  user-s  sys-s  wall-s  cpu-ms/video  peak-RSS-MiB\n"
    )
    const root = join(import.meta.dirname, "..")
    // kidvoice's decode (media/Ffmpeg.ts decodeToWav, with the default 3 h limit), flag for flag.
    const limit = defaultConfig.rules.maxDurationSeconds + 1
    const shellScript = `for f in "${media}"/*.ogg; do ffmpeg -hide_banner -nostdin -v warning -y -i "$f" -t ${limit} -vn -ac 1 -ar 16000 -c:a pcm_s16le -map_metadata -1 -bitexact -f wav "$1/$(basename "$f").wav"; done`
    const ratios: Array<number> = []
    for (let run = 1; run <= runs; run++) {
      const shellOut = join(dir, `shell-${run}`)
      mkdirSync(shellOut)
      const shell = await timed("bash", ["-c", shellScript, "loop", shellOut])
      const kidvoice = await timed("node", [kidvoiceScript, "run", "--input", media, "--out", join(dir, `kidvoice-${run}`), "--log-level", "warning"], root)
      const row = (runner: string, r: Awaited<ReturnType<typeof timed>>) =>
        process.stdout.write(
          `${String(run).padStart(3)}  ${runner.padEnd(8)}  ${r.cpuSeconds.toFixed(1).padStart(7)}  ${r.userSeconds.toFixed(1).padStart(6)}  ${r.systemSeconds.toFixed(1).padStart(5)}  ` +
            `${r.wallSeconds.toFixed(1).padStart(6)}  ${((r.cpuSeconds * 1000) / count).toFixed(0).padStart(12)}  ${r.peakRssMiB.toFixed(0).padStart(12)}\n`
        )
      row("shell", shell)
      row("kidvoice", kidvoice)
      ratios.push(kidvoice.cpuSeconds / shell.cpuSeconds)
      rmSync(shellOut, { recursive: true, force: true })
      rmSync(join(dir, `kidvoice-${run}`), { recursive: true, force: true })
    }
    process.stdout.write(`kidvoice CPU ÷ shell loop CPU: median ${median(ratios).toFixed(2)}× (runs: ${ratios.map((r) => r.toFixed(2)).join(", ")}); issue 17's target, ≤ 2.0×: ${median(ratios) <= 2 ? "met" : "NOT met"}\n`)
    process.stdout.write("peak RSS: for kidvoice its node process; for the shell, its largest process (ffmpeg).\n")
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (args[0] === "--instant-one") {
  process.stdout.write(JSON.stringify(await runInstant(Number(args[1]), args[2]!)) + "\n")
} else {
  const only = option("only", "")
  if (only !== "files") await instantTable(option("sizes", "1000,10000,100000").split(",").map(Number))
  if (only !== "instant") {
    await filesTable(Number(option("files", "300")), Number(option("runs", "3")), option("kidvoice", join(import.meta.dirname, "..", "bin", "kidvoice.js")), option("media", ""))
  }
}
