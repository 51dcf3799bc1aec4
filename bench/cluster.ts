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
 * Each run starts its clock when the cluster is up (every runner registered, the discovery singleton running) and
 * the URL list is queued; it notes when discovery has recorded every row, and stops when every row's audio is in
 * place (download-only) or every row is decided (full pipeline). Throughput is videos ÷ the time after discovery:
 * the rate of the stages, which a crawl of hours runs at; the end-to-end time, with discovery's one-off seconds,
 * is printed beside it.
 *
 *   npm run bench -- cluster [--files 36] [--runners 1,2,3] [--full-runners 1,3] [--seconds-per-file 4] [--per-runner 2]
 */
import { Effect, Exit, Scope } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  curlYtDlp, finishedCount, queryDatabase, type RunnerProcess, shortChildClip, startRunner, statesOf, stopRunner, urlList, waitUntil
} from "../test/support/clusterRunners.js"
import { mediaServer } from "../test/support/mediaServer.js"
import { startPostgres } from "../test/support/postgresServer.js"
import { option } from "./benchArgs.js"

const files = Number(option("files", "36"))
const counts = (text: string) => text === "" ? [] : text.split(",").map(Number)
const runnerCounts = counts(option("runners", "1,2,3"))
const fullRunnerCounts = counts(option("full-runners", "1,3"))
const secondsPerFile = Number(option("seconds-per-file", "4"))
const perRunner = Number(option("per-runner", "2"))

type Mode = "download-only" | "full pipeline"

const dir = mkdtempSync(join(tmpdir(), "kidvoice-bench-cluster-"))
const scope = Effect.runSync(Scope.make())
const database = await startPostgres()
const childClip = shortChildClip(dir, 3)
const ytDlp = curlYtDlp(dir)
const paths = (tag: string) => Array.from({ length: files }, (_, i) => `/${tag}-v${i}.mp3`)
const allPaths = [...runnerCounts.map((n) => `d${n}`), ...fullRunnerCounts.map((n) => `f${n}`)].flatMap(paths)
const server = await Effect.runPromise(Scope.extend(
  mediaServer(Object.fromEntries(allPaths.map((path) => [path, { status: 200, file: childClip, sendOverMs: secondsPerFile * 1000 }]))),
  scope
))
const results: Array<{ mode: Mode; runners: number; seconds: number; perSecond: number; endToEnd: number; maxInFlight: number }> = []

const measure = async (mode: Mode, count: number) => {
  const tag = `${mode === "download-only" ? "d" : "f"}${count}`
  const url = database.createDatabase(`bench_${tag}`)
  const list = urlList(join(dir), paths(tag).map(server.url))
  const runners: Array<RunnerProcess> = []
  const stages = mode === "download-only" ? ["--stages", "download"] : []
  for (let i = 0; i < count; i++) {
    runners.push(await startRunner({
      manifest: url,
      out: join(dir, `${tag}-${i}`),
      node: `node-${i}`,
      ytDlp,
      flags: [...stages, "--download-concurrency", String(perRunner), "--analysis-concurrency", "1", "--requests-per-minute", "600000"]
    }))
  }
  try {
    await waitUntil(`${count} runners to register`, () =>
      queryDatabase<{ n: string }>(url, "SELECT COUNT(*) AS n FROM cluster_runners WHERE healthy").catch(() => [{ n: "0" }]),
      (rows) => Number(rows[0]!.n) === count, 180_000)
    await waitUntil("the discovery singleton to run", () =>
      queryDatabase<{ n: string }>(url, "SELECT COUNT(*) AS n FROM kidvoice_singleton_runs WHERE ended_at IS NULL").catch(() => [{ n: "0" }]),
      (rows) => Number(rows[0]!.n) === 1, 180_000)
    server.load.maxInFlight = 0
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
    const seconds = (finished - discovered) / 1000
    const endToEnd = (finished - started) / 1000
    results.push({ mode, runners: count, seconds, perSecond: files / seconds, endToEnd, maxInFlight: server.load.maxInFlight })
    process.stdout.write(
      `${mode}, ${count} runner(s): ${files} videos in ${seconds.toFixed(1)} s after discovery, ${(files / seconds).toFixed(2)} videos/s; ` +
        `${endToEnd.toFixed(1)} s end to end (discovery ${((discovered - started) / 1000).toFixed(1)} s); ` +
        `at most ${server.load.maxInFlight} downloads open at once\n`
    )
  } finally {
    for (const runner of runners) await stopRunner(runner)
  }
}

try {
  for (const count of runnerCounts) await measure("download-only", count)
  for (const count of fullRunnerCounts) await measure("full pipeline", count)
} finally {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  database.stop()
  rmSync(dir, { recursive: true, force: true })
}
for (const mode of ["download-only", "full pipeline"] as const) {
  const one = results.find((r) => r.mode === mode && r.runners === 1)
  if (!one) continue
  for (const r of results.filter((r) => r.mode === mode)) {
    process.stdout.write(
      `  ${mode}: ${r.runners} runner(s) ${(r.perSecond / one.perSecond).toFixed(2)}× one runner ` +
        `(end to end ${(one.endToEnd / r.endToEnd).toFixed(2)}×)\n`
    )
  }
}
process.stdout.write(
  `(${files} files of 3 s audio, each sent over ${secondsPerFile} s per connection, ${perRunner} downloads at once per runner; ` +
    `ideal download-only: ${(perRunner / secondsPerFile).toFixed(2)} videos/s per runner; download-only runners run --stages download, ` +
    `full-pipeline runners also analyze and curate on the same cores)\n`
)
