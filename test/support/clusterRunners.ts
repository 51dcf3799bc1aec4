import type { ResultPromise } from "execa"
import { execFileSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { kidvoice, samplesDir } from "./cli.js"
import { fakeYtDlpDownloads } from "./fakeYtDlp.js"
import { freePort } from "./ports.js"

/**
 * `kidvoice worker` processes over one PostgreSQL manifest, each with its own --out (as separate machines), for the
 * cluster e2e test and `bench -- cluster`.
 */
export interface RunnerProcess {
  readonly node: string
  readonly out: string
  readonly port: number
  readonly process: ResultPromise<{ reject: false; env: Record<string, string> }>
}

/**
 * A stand-in yt-dlp that fetches the URL over HTTP with curl (and answers --version and -v as yt-dlp 2026.08.19):
 * a real download from the local server at a fraction of Python yt-dlp's start-up CPU, which hundreds of downloads
 * on two shared cores cannot afford. A 4xx/5xx is reported in yt-dlp's words.
 */
export const curlYtDlp = (dir: string) =>
  fakeYtDlpDownloads(dir, "2026.08.19", [
    `for url in "$@"; do :; done`,
    `code=$(curl -s -o "$out" -w '%{http_code}' "$url")`,
    `[ "$code" = 200 ] || { rm -f "$out"; echo "ERROR: [generic] Unable to download webpage: HTTP Error $code" >&2; exit 1; }`
  ].join("\n"))

/** A short clip of the bundled child story as mp3: `seconds` long, the same for every URL. */
export const shortChildClip = (dir: string, seconds: number) => {
  const file = join(dir, `story-${seconds}s.mp3`)
  execFileSync("ffmpeg", ["-v", "error", "-y", "-i", join(samplesDir, "child-cs-story.ogg"), "-t", String(seconds), file])
  return file
}

/** A URL list of `urls`, written into `dir`. */
export const urlList = (dir: string, urls: ReadonlyArray<string>) => {
  const file = join(dir, "urls.txt")
  writeFileSync(file, urls.join("\n") + "\n")
  return file
}

export interface RunnerOptions {
  readonly manifest: string
  readonly out: string
  readonly node: string
  readonly ytDlp: string
  readonly inputs?: ReadonlyArray<string>
  readonly port?: number
  /** More flags (stage settings). */
  readonly flags?: ReadonlyArray<string>
  /** Default warning: a runner's info lines are one a video per stage (info also says when it is ready to claim). */
  readonly logLevel?: "debug" | "info" | "warning"
}

export const startRunner = async (options: RunnerOptions): Promise<RunnerProcess> => {
  const port = options.port ?? await freePort()
  const process = kidvoice([
    "worker",
    "--manifest", options.manifest,
    "--out", options.out,
    "--node", options.node,
    "--runner-host", "127.0.0.1",
    "--runner-port", String(port),
    "--yt-dlp", options.ytDlp,
    "--progress", "off",
    "--log-level", options.logLevel ?? "warning",
    ...(options.inputs ?? []).flatMap((input) => ["--input", input]),
    ...(options.flags ?? [])
  ])
  return { node: options.node, out: options.out, port, process }
}

/** Stops a runner as a user would (SIGTERM: claims handed back) and waits for it. */
export const stopRunner = async (runner: RunnerProcess) => {
  runner.process.kill("SIGTERM")
  return await runner.process
}

/** One query on the manifest's database, through a connection of its own (column names as the database has them). */
export const queryDatabase = <Row extends object>(url: string, text: string): Promise<ReadonlyArray<Row>> =>
  Effect.runPromise(
    Effect.flatMap(PgClient.PgClient, (sql) => sql.unsafe<Row>(text)).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(url) })),
      Effect.scoped
    )
  )

/**
 * Rows per state; a failed row whose retry is still ahead counts as `retrying`, not `failed`: it is not final (a
 * runner takes it again when it is due), and a check that took it for final would look at its work too early.
 */
export const statesOf = async (url: string) =>
  Object.fromEntries((await queryDatabase<{ state: string; n: string }>(url, `
    SELECT CASE WHEN state = 'failed' AND next_retry_at IS NOT NULL THEN 'retrying' ELSE state END AS state, COUNT(*) AS n
    FROM videos GROUP BY 1`).catch(() => []))
    .map((r) => [r.state, Number(r.n)])) as Record<string, number>

const finalStates = ["accepted", "rejected", "skipped", "failed", "uploaded"]

/** Rows in a final state (nothing left to do for them: a failure with a retry ahead is not final). */
export const finishedCount = (states: Record<string, number>) => finalStates.reduce((sum, s) => sum + (states[s] ?? 0), 0)

/** Waits until `check` holds, looking every `everyMs`; fails after `timeoutMs` with what it saw last. */
export const waitUntil = async <A>(what: string, look: () => Promise<A>, check: (a: A) => boolean, timeoutMs: number, everyMs = 500) => {
  const deadline = Date.now() + timeoutMs
  let last: A = await look()
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
    last = await look()
  }
  return last
}
