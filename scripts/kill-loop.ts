/**
 * The kill -9 loop of issue 15: runs `kidvoice run` on one working directory again and again, each time killed
 * with SIGKILL at a random moment between --min and --max seconds after its start (start-up, download, analysis,
 * curation), checks 1 s after each kill that no process the run had started is still alive, and whenever a run
 * gets to finish, and once more at the end, compares the working directory with an uninterrupted run's: the rows'
 * outcomes, the clips, and the bytes of every dataset file. Prints figures; exits 1 on any stray or difference.
 *
 *   npx tsx scripts/kill-loop.ts --iterations 50 [--min 0.5] [--max 15] [--input samples] [--seed 1]
 */
import Database from "better-sqlite3"
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative, resolve } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { parseArgs } from "node:util"

const root = resolve(import.meta.dirname, "..")
const bin = join(root, "bin", "kidvoice.js")
const { values } = parseArgs({
  options: {
    iterations: { type: "string", default: "50" },
    min: { type: "string", default: "0.5" },
    max: { type: "string", default: "15" },
    input: { type: "string", default: join(root, "samples") },
    seed: { type: "string", default: "1" }
  }
})
const iterations = Number(values.iterations)
const [minMs, maxMs] = [Number(values.min) * 1000, Number(values.max) * 1000]

/** A seeded generator, so a run of the loop can be repeated kill for kill. */
let state = Number(values.seed) >>> 0 || 1
const random = () => {
  state = (state * 1664525 + 1013904223) >>> 0
  return state / 2 ** 32
}

/** Live (not zombie) processes below `pid`, from /proc. */
const descendants = (pid: number): Map<number, string> => {
  const parent = new Map<number, number>()
  const command = new Map<number, string>()
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8")
      const [st, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      if (st === "Z") continue
      parent.set(Number(entry), Number(ppid))
      command.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ").trim().slice(0, 80))
    } catch {
      // gone while we looked
    }
  }
  const below = new Map<number, string>()
  for (const [p] of parent) {
    for (let at = parent.get(p); at !== undefined && at > 1; at = parent.get(at)) {
      if (at === pid) {
        below.set(p, command.get(p) ?? "")
        break
      }
    }
  }
  return below
}

const isLive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z"
  } catch {
    return false
  }
}

const startRun = (out: string) =>
  spawn(process.execPath, [bin, "run", "--input", values.input!, "--out", out], { stdio: "ignore", env: { ...process.env, CI: "true" } })

const exited = (child: ReturnType<typeof startRun>) =>
  new Promise<number | null>((done) => child.once("exit", (code) => done(code)))

/** Which work the manifest shows in flight: where the kill landed. */
const phase = (out: string): string => {
  const path = join(out, "manifest.sqlite")
  if (!existsSync(path)) return "start-up"
  try {
    const db = new Database(path, { readonly: true, timeout: 2000 })
    try {
      const states = db.prepare("SELECT state, COUNT(*) AS n FROM videos GROUP BY state").all() as Array<{ state: string; n: number }>
      const has = (s: string) => states.some((r) => r.state === s && r.n > 0)
      if (states.length === 0) return "start-up"
      if (has("downloading") || has("discovered")) return "download"
      if (has("analyzing") || has("downloaded")) return "analysis"
      if (has("analyzed")) return "curation"
      return "finishing"
    } finally {
      db.close()
    }
  } catch {
    return "start-up"
  }
}

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 16)
const filesBelow = (dir: string): Array<string> =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort()
    : []

/** What must be the same after an interrupted history as after one clean run. */
const outcome = (out: string) => {
  const db = new Database(join(out, "manifest.sqlite"), { readonly: true })
  try {
    return {
      rows: db.prepare(`SELECT id, state, failed_stage, last_error_tag, decision_rule, measured_duration_seconds, speech_seconds,
        child_speech_seconds, language, claimed_by FROM videos ORDER BY id`).all(),
      clips: db.prepare("SELECT file_name, video_id, start_seconds, end_seconds, language FROM clips ORDER BY file_name").all(),
      // The card names the command line and the time: everything else is compared byte for byte.
      dataset: filesBelow(join(out, "dataset")).filter((f) => f !== "README.md").map((f) => `${f} ${sha(join(out, "dataset", f))}`),
      audio: filesBelow(join(out, "audio")).map((f) => `${f} ${sha(join(out, "audio", f))}`),
      tmp: filesBelow(join(out, "tmp"))
    }
  } finally {
    db.close()
  }
}

/** The parts of `out`'s outcome that differ from `expected`; a directory with no manifest differs in everything. */
const differences = (out: string, expected: ReturnType<typeof outcome>) => {
  if (!existsSync(join(out, "manifest.sqlite"))) return ["manifest (none)"]
  const a = outcome(out)
  return (Object.keys(a) as Array<keyof typeof a>).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(expected[k]))
}

const main = async () => {
  const scratch = mkdtempSync(join(tmpdir(), "kidvoice-kill-loop-"))
  const reference = join(scratch, "reference")
  const referenceStarted = Date.now()
  const referenceRun = startRun(reference)
  if ((await exited(referenceRun)) !== 0) throw new Error("the uninterrupted reference run failed")
  const expected = outcome(reference)
  console.log(`reference run: ${((Date.now() - referenceStarted) / 1000).toFixed(1)} s, ${expected.rows.length} videos, ${expected.clips.length} clips`)

  let work = join(scratch, "work-0")
  const landed: Record<string, number> = {}
  const strays: Array<string> = []
  const mismatches: Array<string> = []
  let finishedBeforeKill = 0
  let killToGoneMax = 0
  for (let i = 0; i < iterations; i++) {
    const delay = minMs + random() * (maxMs - minMs)
    const child = startRun(work)
    const end = exited(child)
    const started = Date.now()
    const seen = new Map<number, string>()
    let code: number | null | "running" = "running"
    void end.then((c) => (code = c))
    while (Date.now() - started < delay && code === "running") {
      for (const [pid, command] of descendants(child.pid!)) seen.set(pid, command)
      await sleep(25)
    }
    if (code !== "running") {
      // Finished before its kill: the directory is complete, so it must match the reference; start over.
      finishedBeforeKill++
      const diff = differences(work, expected)
      console.log(`run ${i + 1}/${iterations} finished (exit ${code}) before its kill at ${(delay / 1000).toFixed(1)} s: ` +
        (diff.length === 0 ? "identical to the reference" : `differs in ${diff.join(", ")}`))
      if (code !== 0 || diff.length > 0) mismatches.push(`iteration ${i}: exit ${code}, differs in ${diff.join(", ") || "nothing"} (${work})`)
      else rmSync(work, { recursive: true, force: true })
      work = join(scratch, `work-${i + 1}`)
      continue
    }
    const where = phase(work)
    landed[where] = (landed[where] ?? 0) + 1
    for (const [pid, command] of descendants(child.pid!)) seen.set(pid, command)
    const killedAt = Date.now()
    child.kill("SIGKILL")
    await end
    // How long the children took to go (polled), then the check: none alive 1 s after the kill.
    while ([...seen.keys()].some(isLive) && Date.now() - killedAt < 1000) await sleep(5)
    killToGoneMax = Math.max(killToGoneMax, Date.now() - killedAt)
    await sleep(Math.max(0, 1000 - (Date.now() - killedAt)))
    for (const [pid, command] of seen) if (isLive(pid)) strays.push(`iteration ${i} (killed at ${(delay / 1000).toFixed(1)} s, ${where}): ${pid} ${command}`)
    console.log(`kill ${i + 1}/${iterations} at ${(delay / 1000).toFixed(1)} s (${where}): ${seen.size} children seen, ` +
      `${[...seen.keys()].filter(isLive).length} alive 1 s later`)
  }
  const last = startRun(work)
  const lastCode = await exited(last)
  const diff = differences(work, expected)
  if (lastCode !== 0 || diff.length > 0) mismatches.push(`final run: exit ${lastCode}, differs in ${diff.join(", ") || "nothing"} (${work})`)

  console.log(`\n${iterations} iterations, kills between ${values.min} and ${values.max} s: ${JSON.stringify(landed)}; ` +
    `${finishedBeforeKill} runs finished before their kill (compared and started over)`)
  console.log(`children still alive 1 s after a kill: ${strays.length}; slowest kill-to-no-child: ${killToGoneMax} ms`)
  console.log(`final state vs the uninterrupted run: ${mismatches.length === 0 ? "identical" : mismatches.join("\n  ")}`)
  for (const stray of strays) console.log(`  stray: ${stray}`)
  if (mismatches.length === 0 && strays.length === 0) rmSync(scratch, { recursive: true, force: true })
  else console.log(`kept for inspection: ${scratch}`)
  process.exitCode = mismatches.length === 0 && strays.length === 0 ? 0 : 1
}

await main()
