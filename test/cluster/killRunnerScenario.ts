import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { filesBelow, kidvoice } from "../support/cli.js"
import {
  finishedCount, queryDatabase, type RunnerProcess, shortChildClip, startRunner, statesOf, stopRunner, urlList, waitUntil
} from "../support/clusterRunners.js"
import { scopedTempDir } from "../support/manifest.js"
import { mediaServer } from "../support/mediaServer.js"
import { startPostgres } from "../support/postgresServer.js"
import { heldFiles, webdavServer } from "../support/webdavServer.js"

/**
 * The kill test's body, shared by the default-tier test (a curl stand-in for yt-dlp, a few dozen videos) and the
 * slow tier's (the project's real yt-dlp, the 300 videos).
 */
export interface KillScenario {
  readonly videos: number
  /** The yt-dlp the runners use, given the test's temp folder. */
  readonly ytDlp: (dir: string) => string
  /** Downloads at once per runner. */
  readonly downloadConcurrency: number
  /** HTTP requests one download makes: 1 for curl; 2 for yt-dlp's generic extractor (it probes the URL, then fetches it). */
  readonly requestsPerDownload: number
}

export interface KillFigures {
  readonly videos: number
  readonly secondsToFinish: number
  readonly urlsRequestedTwice: number
  readonly clips: number
  readonly states: Record<string, number>
}

interface SingletonRun {
  readonly runner: string
  readonly started_at: string
  readonly seen_at: string
  readonly ended_at: string | null
}

/** Two runs of one singleton overlap when one started before the other's last sign of life. */
const overlapping = (runs: ReadonlyArray<SingletonRun>) => {
  const spans = runs.map((r) => [Number(r.started_at), Number(r.seen_at)] as const).sort((a, b) => a[0] - b[0])
  return spans.filter((span, i) => i > 0 && span[0] < spans[i - 1]![1])
}

/**
 * PostgreSQL, a local media server, a WebDAV upload server and three `kidvoice worker` runners (own --out each, as three
 * machines); the runner holding the discovery singleton is SIGKILLed when a third of the videos are final, then
 * restarted. Checks every claim of the "done when", and that clips reach the upload server from every machine.
 */
export const killOneOfThreeRunners = ({ videos, ytDlp: makeYtDlp, downloadConcurrency, requestsPerDownload }: KillScenario) =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("cluster")
      const database = yield* Effect.acquireRelease(Effect.promise(() => startPostgres()), (server) => Effect.sync(server.stop))
      const childClip = shortChildClip(dir, 3)
      const paths = Array.from({ length: videos }, (_, i) => `/v${i}.mp3`)
      const server = yield* mediaServer(Object.fromEntries(paths.map((path) => [path, { status: 200, file: childClip, delayMs: 30 }])))
      const list = urlList(dir, paths.map(server.url))
      const ytDlp = makeYtDlp(dir)
      const uploads = yield* webdavServer()
      const started = Date.now()
      const query = <Row extends object>(text: string) => Effect.promise(() => queryDatabase<Row>(database.url, text))
      const flags = [
        // The first 3 s of the story are a child speaking; low bars keep the test about coordination, not the detector's margins.
        "--min-child-score", "0.5",
        "--min-child-speech-seconds", "0.2",
        "--min-child-share", "0",
        "--clip-min-seconds", "0.2",
        "--download-concurrency", String(downloadConcurrency),
        "--analysis-concurrency", "1",
        "--requests-per-minute", "60000",
        // Every runner sends the clips it cut to one server.
        "--upload-endpoint", uploads.endpoint
      ]
      const runners = new Map<string, RunnerProcess>()
      // KIDVOICE_CLUSTER_LOGS=DIR keeps every runner's log (info level) and the rows at the end there, to read a failure.
      const keepLogs = process.env.KIDVOICE_CLUSTER_LOGS
      const everyRunner: Array<RunnerProcess> = []
      const launch = (node: string, port?: number) =>
        Effect.promise(() =>
          startRunner({ manifest: database.url, out: join(dir, node), node, ytDlp, inputs: [list], flags, port, ...(keepLogs ? { logLevel: "info" as const } : {}) })
        ).pipe(
          Effect.tap((runner) => Effect.sync(() => {
            runners.set(node, runner)
            everyRunner.push(runner)
          }))
        )
      if (keepLogs) {
        yield* Effect.addFinalizer(() =>
          Effect.promise(async () => {
            mkdirSync(keepLogs, { recursive: true })
            for (const [i, runner] of everyRunner.entries()) {
              runner.process.kill("SIGKILL")
              const result = await runner.process
              writeFileSync(join(keepLogs, `runner-${runner.node}-${i}.log`), result.stderr)
            }
            const rows = await queryDatabase(database.url, "SELECT id, state, attempts, failed_stage, last_error_tag, last_error_message, claimed_by, audio_host, source_url FROM videos ORDER BY id").catch((e) => [String(e)])
            writeFileSync(join(keepLogs, "rows.json"), JSON.stringify({ rows, requests: Object.fromEntries(server.requests) }, null, 1))
          })
        )
      }
      // A runner that exits on its own (not the one this test kills) fails the test at once, with what it said.
      let killed: RunnerProcess | undefined
      const stillRunning = <A>(look: () => Promise<A>) => async () => {
        for (const runner of runners.values()) {
          if (runner !== killed && runner.process.exitCode !== null) {
            const result = await runner.process
            throw new Error(`runner ${runner.node} exited (${result.exitCode ?? result.signal}): ${result.stderr.split("\n").slice(-30).join("\n")}`)
          }
        }
        // A video that failed, even once, fails the test at once with its error (a retry would hide it).
        const failed = await queryDatabase(database.url, "SELECT id, source_url, state, attempts, last_error_tag, last_error_message FROM videos WHERE last_error_tag IS NOT NULL")
          .catch(() => []) // before the first runner made the table
        if (failed.length > 0) throw new Error(`a video failed: ${JSON.stringify(failed)}`)
        return look()
      }
      // Whatever happens, no runner outlives the test.
      yield* Effect.addFinalizer(() => Effect.sync(() => runners.forEach((runner) => runner.process.kill("SIGKILL"))))
      for (const node of ["a", "b", "c"]) yield* launch(node)

      yield* Effect.promise(() => waitUntil("a third of the videos to finish", stillRunning(() => statesOf(database.url)), (s) => finishedCount(s) >= videos / 3, 600_000))

      // The runner holding the discovery singleton is the one killed: its singleton must move.
      // (Between two runs, while runners join and shards move, no run is open: wait for one.)
      const [holding] = yield* Effect.promise(() =>
        waitUntil("a runner to hold the discovery singleton", stillRunning(() =>
          queryDatabase<{ runner: string }>(database.url, "SELECT runner FROM kidvoice_singleton_runs WHERE ended_at IS NULL ORDER BY id DESC LIMIT 1")),
          (rows) => rows.length === 1, 60_000)
      )
      const victim = runners.get(holding!.runner)!
      killed = victim
      victim.process.kill("SIGKILL")
      yield* Effect.promise(() => victim.process)
      const killedAt = Date.now()
      yield* Effect.promise(() =>
        waitUntil("another runner to take the discovery singleton over", () =>
          queryDatabase<SingletonRun>(database.url, `SELECT * FROM kidvoice_singleton_runs WHERE runner <> '${victim.node}' AND started_at > ${killedAt - 5000}`),
          (runs) => runs.length > 0, 60_000)
      )
      const claimsTakenOver = yield* Effect.promise(() =>
        waitUntil("the killed runner's claims to be taken back", () =>
          queryDatabase<{ n: string }>(database.url, `SELECT COUNT(*) AS n FROM videos WHERE claimed_by LIKE '%:${victim.process.pid}'`),
          (rows) => Number(rows[0]!.n) === 0, 60_000)
      )
      expect(claimsTakenOver).toEqual([{ n: "0" }])

      // Restarted on its own --out: the audio it downloaded is there only, so it analyzes and curates that.
      const requestsAtRestart = new Map(server.requests)
      yield* launch(victim.node, victim.port)
      killed = undefined
      yield* Effect.promise(() => waitUntil("every video to finish", stillRunning(() => statesOf(database.url)), (s) => finishedCount(s) === videos, 3_600_000, 1000))
      // Accepted videos become uploaded once the server holds all their clips.
      yield* Effect.promise(() => waitUntil("every accepted video's clips to be uploaded", stillRunning(() => statesOf(database.url)), (s) => (s["accepted"] ?? 0) === 0, 600_000, 1000))
      const secondsToFinish = (Date.now() - started) / 1000
      for (const runner of runners.values()) yield* Effect.promise(() => stopRunner(runner))

      // Every video in exactly one final state, nothing in flight.
      const states = yield* Effect.promise(() => statesOf(database.url))
      expect(finishedCount(states)).toBe(videos)
      expect(states["uploaded"] ?? 0).toBeGreaterThan(0)
      // No video failed on the way, not even once: the server answers every request, and a runner's death hands its
      // claims back without a failure. (A failure here names its cause: a crash in a worker, a refused request.)
      const failedOnce = yield* query<{ id: string; attempts: number; last_error_tag: string; last_error_message: string }>(
        "SELECT id, source_url, attempts, state, last_error_tag, last_error_message FROM videos WHERE attempts > 0 OR last_error_tag IS NOT NULL")
      expect(failedOnce).toEqual([])
      // No runner crashed: a defect anywhere in a runner is logged as a crash (and its stage restarted).
      for (const runner of everyRunner) {
        const { stderr } = yield* Effect.promise(() => runner.process)
        expect(stderr.split("\n").filter((line) => /crashed|unexpected error/.test(line)), `runner ${runner.node}`).toEqual([])
      }

      // Downloaded once after the last restart; before it, only the killed runner's own downloads ran twice.
      for (const path of paths) {
        expect(server.requests.get(path) ?? 0, path).toBeGreaterThanOrEqual(requestsPerDownload)
        expect((server.requests.get(path) ?? 0) - (requestsAtRestart.get(path) ?? 0), path).toBeLessThanOrEqual(requestsPerDownload)
      }
      const twice = paths.filter((path) => (server.requests.get(path) ?? 0) > requestsPerDownload)
      expect(twice.length).toBeLessThanOrEqual(downloadConcurrency)

      // Each row's audio on its own runner's machine, and each clip cut once, on that machine.
      const rows = yield* query<{ id: string; audio_host: string | null; audio_path: string | null }>(
        "SELECT id, audio_host, audio_path FROM videos WHERE state IN ('accepted', 'uploaded', 'rejected')"
      )
      for (const row of rows) expect(row.audio_path!.startsWith(join(dir, row.audio_host!)), row.id).toBe(true)
      const clips = yield* query<{ file_name: string; audio_host: string }>(
        "SELECT c.file_name, v.audio_host FROM clips c JOIN videos v ON v.id = c.video_id ORDER BY c.file_name"
      )
      expect(clips.length).toBeGreaterThan(0)
      const clipFiles = ["a", "b", "c"].flatMap((node) =>
        filesBelow(join(dir, node, "dataset")).filter((f) => f.endsWith(".wav")).map((f) => ({ node, file: f }))
      )
      const names = clipFiles.map((c) => c.file.split("/").at(-1)!)
      expect(new Set(names).size).toBe(names.length)
      expect([...names].sort()).toEqual(clips.map((c) => c.file_name.split("/").at(-1)!))

      // Each singleton ran once at a time; the killed runner's singleton went on elsewhere.
      const runs = yield* query<SingletonRun & { name: string }>("SELECT * FROM kidvoice_singleton_runs ORDER BY id")
      for (const name of new Set(runs.map((r) => r.name))) expect(overlapping(runs.filter((r) => r.name === name))).toEqual([])
      expect(runs.some((r) => r.runner !== victim.node && Number(r.started_at) >= killedAt - 5000)).toBe(true)

      // `status` says the same from every runner's folder (the manifest's part: the last-run figures are the machine's).
      const reports = []
      for (const node of ["a", "b", "c"]) {
        const status = yield* Effect.promise(() => kidvoice(["status", "--json", "--manifest", database.url, "--out", join(dir, node)]))
        expect(status.exitCode, status.stderr).toBe(0)
        const { lastRun: _lastRun, manifest: _manifest, ...shared } = JSON.parse(status.stdout)
        reports.push(shared)
      }
      expect(reports[1]).toEqual(reports[0])
      expect(reports[2]).toEqual(reports[0])
      expect(reports[0].total).toBe(videos)

      // Clips from every machine reached one server, each once, and nothing else; `export` on any machine writes the
      // dataset's index from the manifest, every file it lists held by the server.
      const clipPaths = clips.map((c) => c.file_name).sort()
      expect(new Set(clips.map((c) => c.audio_host)).size).toBeGreaterThan(1)
      expect(heldFiles(uploads)).toEqual(clipPaths)
      const exportRun = yield* Effect.promise(() =>
        kidvoice(["export", "--format", "hf", "--manifest", database.url, "--out", join(dir, "c"), "--output", join(dir, "c", "dataset", "metadata.jsonl")]))
      expect(exportRun.exitCode, exportRun.stderr).toBe(0)
      const listed = readFileSync(join(dir, "c", "dataset", "metadata.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line).file_name as string)
      expect([...listed].sort()).toEqual(clipPaths)

      return {
        videos,
        secondsToFinish,
        urlsRequestedTwice: twice.length,
        clips: clips.length,
        states
      } satisfies KillFigures
    })
