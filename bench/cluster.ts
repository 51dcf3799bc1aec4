/**
 * Cluster throughput: videos downloaded per second by 1, 2 and 3 `kidvoice worker` runners (separate --out folders,
 * one PostgreSQL manifest) from a 127.0.0.1 server that paces each connection (it sends each file over
 * --seconds-per-file), so the work is download-bound, as a crawl is when the video host paces each address. Each
 * runner downloads --per-runner files at once. The clock starts when the URL list is queued for the discovery
 * singleton (all runners up) and stops when every row's audio is in place.
 *   npm run bench -- cluster [--files 36] [--runners 1,2,3] [--seconds-per-file 2] [--per-runner 2]
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  curlYtDlp, queryDatabase, type RunnerProcess, shortChildClip, startRunner, stopRunner, urlList, waitUntil
} from "../test/support/clusterRunners.js"
import { startPostgres } from "../test/support/postgresServer.js"
import { option } from "./benchArgs.js"
import { pacedFileServer } from "./pacedServer.js"

const files = Number(option("files", "36"))
const runnerCounts = option("runners", "1,2,3").split(",").map(Number)
const secondsPerFile = Number(option("seconds-per-file", "2"))
const perRunner = Number(option("per-runner", "2"))

const dir = mkdtempSync(join(tmpdir(), "kidvoice-bench-cluster-"))
const database = await startPostgres()
const childClip = shortChildClip(dir, 2)
const server = await pacedFileServer(childClip, secondsPerFile)
const ytDlp = curlYtDlp(dir)
const results: Array<{ runners: number; seconds: number; perSecond: number }> = []
try {
  for (const count of runnerCounts) {
    const url = database.createDatabase(`bench_${count}_runners`)
    const list = urlList(join(dir), Array.from({ length: files }, (_, i) => server.url(`/r${count}-v${i}.mp3`)))
    const runners: Array<RunnerProcess> = []
    for (let i = 0; i < count; i++) {
      runners.push(await startRunner({
        manifest: url,
        out: join(dir, `r${count}-${i}`),
        node: `node-${i}`,
        ytDlp,
        flags: ["--download-concurrency", String(perRunner), "--analysis-concurrency", "1", "--requests-per-minute", "600000"]
      }))
    }
    try {
      await waitUntil(`${count} runners to register`, () =>
        queryDatabase<{ n: string }>(url, "SELECT COUNT(*) AS n FROM cluster_runners WHERE healthy").catch(() => [{ n: "0" }]),
        (rows) => Number(rows[0]!.n) === count, 180_000)
      const started = performance.now()
      await queryDatabase(url, `INSERT INTO kidvoice_discovery_inputs (kind, value, added_at) VALUES ('input', '${list}', ${Date.now()})`)
      await waitUntil(`${files} downloads`, () =>
        queryDatabase<{ n: string }>(url, "SELECT COUNT(*) AS n FROM videos WHERE audio_path IS NOT NULL"),
        (rows) => Number(rows[0]!.n) === files, 600_000, 100)
      const seconds = (performance.now() - started) / 1000
      results.push({ runners: count, seconds, perSecond: files / seconds })
      process.stdout.write(`${count} runner(s): ${files} downloads in ${seconds.toFixed(1)} s, ${(files / seconds).toFixed(2)} videos/s\n`)
    } finally {
      for (const runner of runners) await stopRunner(runner)
    }
  }
} finally {
  server.close()
  database.stop()
  rmSync(dir, { recursive: true, force: true })
}
const one = results.find((r) => r.runners === 1)
if (one) {
  for (const r of results) {
    process.stdout.write(`  ${r.runners} runner(s): ${(r.perSecond / one.perSecond).toFixed(2)}× one runner\n`)
  }
}
process.stdout.write(
  `(${files} files of 2 s audio, each sent over ${secondsPerFile} s per connection, ${perRunner} downloads at once per runner; ` +
    `ideal: ${(perRunner / secondsPerFile).toFixed(1)} videos/s per runner)\n`
)
