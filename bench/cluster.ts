/**
 * Cluster throughput with 1, 2 and 3 `kidvoice worker` runners (separate --out folders, one PostgreSQL manifest),
 * from a 127.0.0.1 server that paces each connection (it sends each file over --seconds-per-file, however many
 * connections are open), so the work is download-bound, as a crawl is when the video host paces each address.
 *
 * Two figures:
 * - download-only: the runners run `--stages download` (download machines; analysis would be on the accelerator
 *   machine), so the figure is what the issue asks: paced downloads, not the 2 shared cores, set the pace.
 * - full pipeline: every runner runs every stage (download, analysis, curation), until every row is decided. On a
 *   2-core machine the analyses of all runners share those cores, so this one is CPU-bound from some runner count on.
 *
 * Each run starts its clock when the cluster is up (every runner registered and ready to claim, the discovery
 * singleton running) and the URL list is queued; it notes when discovery has recorded every row, and stops when every
 * row's audio is in place (download-only) or every row is decided (full pipeline). Throughput is videos ÷ the time
 * after discovery: the rate of the stages, which a crawl of hours runs at; the end-to-end time, with discovery's
 * one-off seconds, is printed beside it, and so is the share of the ideal (every download slot of every runner busy
 * with a paced transfer all the time): what is left is each download's own cost (spawns, decode, commits) and the
 * cluster's.
 *
 *   npm run bench -- cluster [--files 48] [--runners 1,2,3] [--full-runners 1,3] [--seconds-per-file 6] [--per-runner 2]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { availableParallelism, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import {
  curlYtDlp, finishedCount, queryDatabase, type RunnerProcess, shortChildClip, startRunner, statesOf, stopRunner, urlList, waitUntil
} from "../test/support/clusterRunners.js"
import { startPostgres } from "../test/support/postgresServer.js"
import { option } from "./benchArgs.js"
import { pacedFileServer } from "./pacedServer.js"

const files = Number(option("files", "48"))
const counts = (text: string) => text === "" ? [] : text.split(",").map(Number)
const runnerCounts = counts(option("runners", "1,2,3"))
const fullRunnerCounts = counts(option("full-runners", "1,3"))
const secondsPerFile = Number(option("seconds-per-file", "6"))
const perRunner = Number(option("per-runner", "2"))

type Mode = "download-only" | "full pipeline"

const dir = mkdtempSync(join(tmpdir(), "kidvoice-bench-cluster-"))
const database = await startPostgres()
const childClip = shortChildClip(dir, 3)
const ytDlp = curlYtDlp(dir)
const server = await pacedFileServer(childClip, secondsPerFile)
const results: Array<{ mode: Mode; runners: number; perSecond: number; endToEnd: number }> = []

/**
 * CPU seconds a runner has used so far, its programs included (curl, ffmpeg: children it has waited for), from
 * /proc/PID/stat; null where there is no /proc.
 */
const cpuSecondsOf = (runner: RunnerProcess): number | null => {
  try {
    const fields = readFileSync(`/proc/${runner.process.pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    // utime, stime, cutime, cstime: fields 14-17 of the line, 12-15 after the command name.
    return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / 100
  } catch {
    return null
  }
}

/** Resolves once the runner says it works on the manifest: yt-dlp inspected, its egress's pace entity awake. */
const ready = (runner: RunnerProcess) =>
  new Promise<void>((resolve, reject) => {
    let seen = ""
    runner.process.stderr?.on("data", (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-4096)
      if (seen.includes("works on the shared manifest")) resolve()
    })
    runner.process.then((result) => reject(new Error(`runner ${runner.node} exited: ${result.stderr.slice(-2000)}`)), reject)
  })

const measure = async (mode: Mode, count: number) => {
  const tag = `${mode === "download-only" ? "d" : "f"}${count}`
  const url = database.createDatabase(`bench_${tag}`)
  const list = urlList(dir, Array.from({ length: files }, (_, i) => server.url(`/${tag}-v${i}.mp3`)))
  const runners: Array<RunnerProcess> = []
  // Each runner's readiness is listened for from its start: the line can come before the previous runner's.
  const readiness: Array<Promise<void>> = []
  const stages = mode === "download-only" ? ["--stages", "download"] : []
  for (let i = 0; i < count; i++) {
    runners.push(await startRunner({
      manifest: url,
      out: join(dir, `${tag}-${i}`),
      node: `node-${i}`,
      ytDlp,
      // Info: the line that says a runner is ready to claim.
      logLevel: "info",
      flags: [...stages, "--download-concurrency", String(perRunner), "--analysis-concurrency", "1", "--requests-per-minute", "600000"]
    }))
    const runnerReady = ready(runners.at(-1)!)
    // Awaited in order below; a later runner that exits meanwhile is reported there, not as an unhandled rejection.
    runnerReady.catch(() => undefined)
    readiness.push(runnerReady)
  }
  try {
    for (const runnerReady of readiness) await runnerReady
    await waitUntil(`${count} runners to register`, () =>
      queryDatabase<{ n: string }>(url, "SELECT COUNT(*) AS n FROM cluster_runners WHERE healthy").catch(() => [{ n: "0" }]),
      (rows) => Number(rows[0]!.n) === count, 180_000)
    await waitUntil("the discovery singleton to run", () =>
      queryDatabase<{ n: string }>(url, "SELECT COUNT(*) AS n FROM kidvoice_singleton_runs WHERE ended_at IS NULL").catch(() => [{ n: "0" }]),
      (rows) => Number(rows[0]!.n) === 1, 180_000)
    server.load.maxInFlight = 0
    const loadBefore = loadavg()[0]!
    const cpuBefore = runners.map(cpuSecondsOf)
    const started = performance.now()
    await queryDatabase(url, `INSERT INTO kidvoice_discovery_inputs (kind, value, added_at) VALUES ('input', '${list}', ${Date.now()})`)
    await waitUntil(`${files} rows`, () => queryDatabase<{ n: string }>(url, "SELECT COUNT(*) AS n FROM videos"), (rows) => Number(rows[0]!.n) === files, 600_000, 50)
    const discovered = performance.now()
    if (mode === "download-only") {
      await waitUntil(`${files} downloads`, () =>
        queryDatabase<{ n: string }>(url, "SELECT COUNT(*) AS n FROM videos WHERE audio_path IS NOT NULL"),
        (rows) => Number(rows[0]!.n) === files, 600_000, 100)
    } else {
      await waitUntil(`${files} decisions`, () => statesOf(url), (states) => finishedCount(states) === files, 900_000, 100)
    }
    const finished = performance.now()
    const cpuAfter = runners.map(cpuSecondsOf)
    const cpu = cpuAfter.every((c) => c !== null) && cpuBefore.every((c) => c !== null)
      ? cpuAfter.reduce((sum, c, i) => sum! + c! - cpuBefore[i]!, 0)! / files
      : null
    const seconds = (finished - discovered) / 1000
    const endToEnd = (finished - started) / 1000
    const perSecond = files / seconds
    const ideal = (count * perRunner) / secondsPerFile
    results.push({ mode, runners: count, perSecond, endToEnd })
    process.stdout.write(
      `${mode}, ${count} runner(s): ${files} videos in ${seconds.toFixed(1)} s after discovery, ${perSecond.toFixed(2)} videos/s ` +
        `(${Math.round((100 * perSecond) / ideal)} % of the ideal ${ideal.toFixed(2)}); ${endToEnd.toFixed(1)} s end to end ` +
        `(discovery ${((discovered - started) / 1000).toFixed(1)} s); ` +
        `${cpu === null ? "" : `${cpu.toFixed(2)} CPU-s per video (runners and their programs); `}at most ${server.load.maxInFlight} downloads open at once; ` +
        `load average ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}\n`
    )
  } finally {
    for (const runner of runners) await stopRunner(runner)
  }
}

try {
  for (const count of runnerCounts) await measure("download-only", count)
  for (const count of fullRunnerCounts) await measure("full pipeline", count)
} finally {
  server.close()
  database.stop()
  rmSync(dir, { recursive: true, force: true })
}
process.stdout.write(`\nthroughput against one runner (the issue's figure: download-only, target ≥ 2.5× with 3 runners):\n`)
for (const mode of ["download-only", "full pipeline"] as const) {
  const one = results.find((r) => r.mode === mode && r.runners === 1)
  if (!one) continue
  for (const r of results.filter((r) => r.mode === mode && r.runners > 1)) {
    const ratio = r.perSecond / one.perSecond
    const verdict = mode === "download-only" && r.runners === 3 ? (ratio >= 2.5 ? " — target met" : " — target NOT met") : ""
    process.stdout.write(
      `  ${mode}: ${r.runners} runners ${r.perSecond.toFixed(2)} videos/s = ${ratio.toFixed(2)}× one runner's ${one.perSecond.toFixed(2)}` +
        ` (end to end ${(one.endToEnd / r.endToEnd).toFixed(2)}×)${verdict}\n`
    )
  }
}
process.stdout.write(
  `(${files} files of 3 s audio, each sent over ${secondsPerFile} s per connection, ${perRunner} downloads at once per runner; ` +
    `download-only runners run --stages download, full-pipeline runners also analyze and curate on the same cores; ` +
    `${availableParallelism()} cores; figures on a machine shared with other work move with its load)\n`
)
