/**
 * Start-up of the CLI: `--version`, `--help` and `status` on a manifest of N rows (default 10,000), each started
 * `--runs` times (default 7) through tsx (the sources, as before the bundle) and through bin/kidvoice.js (the
 * bundle); with `--against DIR`, also through another checkout's bin/kidvoice.js (say, main's, for before/after).
 * `--no-tsx` leaves tsx out (it takes seconds a start). The ways take turns start by start, so a busy machine
 * weighs on each alike. Prints the median wall time and the median CPU time (user + system) of each: on a shared
 * machine CPU time is the steadier figure; with `--against`, the ratio of this checkout's bundle to the other's. Each
 * command is started once per way before timing (the first start after a build writes the code cache). Asserts nothing.
 */
import Database from "better-sqlite3"
import { Effect } from "effect"
import { execa } from "execa"
import { mkdtempSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { workspacePaths } from "../src/domain/Workspace.js"
import { currentProcessOwner } from "../src/manifest/ClaimOwner.js"
import { sqliteManifestLayer } from "../src/manifest/ManifestStore.js"
import { flag, median, numberOption, option } from "./benchArgs.js"

const rows = numberOption("rows", 10_000)
const runs = numberOption("runs", 7)
const against = option("against", null)
const root = join(import.meta.dirname, "..")
const bin = join(root, "bin", "kidvoice.js")


/** Wall and CPU seconds of one start, CPU as GNU time reports it for the child. */
const timeOnce = async (command: ReadonlyArray<string>, env: Record<string, string>) => {
  const started = performance.now()
  const result = await execa("/usr/bin/time", ["-f", "%U %S", "node", ...command], { reject: false, env: { ...env, CI: "true" }, stdin: "ignore" })
  const wall = (performance.now() - started) / 1000
  const [user, system] = result.stderr.trim().split("\n").at(-1)!.split(" ").map(Number)
  if (result.exitCode !== 0) throw new Error(`${command.join(" ")} exited ${result.exitCode}: ${result.stderr}`)
  return { wall, cpu: user! + system! }
}

const dir = mkdtempSync(join(tmpdir(), "kidvoice-startup-"))
try {
  const paths = workspacePaths(dir)
  const layer = sqliteManifestLayer(paths.manifest, {
    owner: currentProcessOwner(),
    staleClaimMs: 3_600_000,
    retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 }
  })
  await Effect.runPromise(Effect.void.pipe(Effect.provide(layer), Effect.scoped) as Effect.Effect<void>)
  const db = new Database(paths.manifest)
  const insert = db.prepare(`INSERT INTO videos (id, kind, source_url, title, state, attempts, created_at, updated_at)
    VALUES (?, 'youtube', ?, ?, ?, 0, ?, ?)`)
  const states = ["discovered", "downloaded", "accepted", "rejected", "skipped"]
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const id = i.toString(36).padStart(11, "0")
      insert.run(id, `https://www.youtube.com/watch?v=${id}`, `video ${i}`, states[i % states.length]!, i, i)
    }
  })()
  db.pragma("wal_checkpoint(TRUNCATE)")
  db.close()
  // The bundle is built before timing: a stale one would be rebuilt by the first start.
  await execa("node", [join(root, "scripts", "build.mjs")], { stdio: "inherit" })

  const commands: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
    ["--version", ["--version"]],
    ["--help", ["--help"]],
    [`status (${rows.toLocaleString("en")} rows)`, ["status", "--out", dir]]
  ]
  const ways: ReadonlyArray<readonly [string, string, Record<string, string>]> = [
    ...(flag("no-tsx") ? [] : [["tsx (sources)", bin, { KIDVOICE_TSX: "1" }] as const]),
    ["bundle", bin, {}],
    ...(against === null ? [] : [["--against", join(against, "bin", "kidvoice.js"), {}] as const])
  ]
  if (against !== null) await execa("node", [join(against, "scripts", "build.mjs")], { stdio: "inherit" })
  process.stdout.write(`median of ${runs} starts each; wall and CPU (user + system) seconds${against === null ? "" : `; --against is ${against}`}\n`)
  process.stdout.write(`${"command".padEnd(24)} ${ways.map(([w]) => `${w.padStart(14)} wall   cpu`).join("  ")}\n`)
  const ratios: Array<string> = []
  for (const [label, command] of commands) {
    // One start each first, not timed: after a build, the first start of a command writes its code cache
    // (src/cli/codeCache.ts), as a user's first start does once; the medians are of the starts after it.
    for (const [, entry, env] of ways) await timeOnce([entry, ...command], env)
    const samples = ways.map(() => [] as Array<{ wall: number; cpu: number }>)
    for (let i = 0; i < runs; i++) {
      for (const [w, [, entry, env]] of ways.entries()) samples[w]!.push(await timeOnce([entry, ...command], env))
    }
    const medians = samples.map((s) => ({ wall: median(s.map((x) => x.wall)), cpu: median(s.map((x) => x.cpu)) }))
    const cells = medians.map((m) => `${m.wall.toFixed(2).padStart(19)} ${m.cpu.toFixed(2).padStart(5)}`)
    process.stdout.write(`${label.padEnd(24)} ${cells.join("  ")}\n`)
    const bundle = medians[ways.findIndex(([w]) => w === "bundle")]!
    const other = medians.at(-1)!
    if (against !== null) ratios.push(`${label}: wall ${(bundle.wall / other.wall).toFixed(2)}, CPU ${(bundle.cpu / other.cpu).toFixed(2)}`)
  }
  if (ratios.length > 0) process.stdout.write(`bundle / --against (below 1: this checkout starts faster)\n  ${ratios.join("\n  ")}\n`)
  process.stdout.write(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(" ")}\n`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
