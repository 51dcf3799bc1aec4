import { describe, expect, it } from "@effect/vitest"
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { kidvoice, samplesDir } from "../support/cli.js"

const withTempDir = async (use: (dir: string) => Promise<void>) => {
  const dir = mkdtempSync(join(tmpdir(), "kidvoice-cli-"))
  try {
    await use(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

// Each test spawns the CLI and waits on it, in temp folders of its own: a file's tests run a few at a time
// (vitest's maxConcurrency), so the two cores are kept busy instead of one.
describe.concurrent("the CLI refuses bad input clearly and touches nothing", () => {
  it.each([
    [["run", "--download-concurrency", "abc"], "downloadConcurrency (from --download-concurrency)"],
    [["run", "--download-concurrency", "0"], "downloadConcurrency (from --download-concurrency)"],
    [["run", "--min-child-share", "1.5"], "rules.minChildShare (from --min-child-share)"],
    [["status", "--log-format", "xml"], "logFormat (from --log-format)"]
  ])("%j names the field and the flag", async (args, expected) =>
    withTempDir(async (dir) => {
      const out = join(dir, "out")
      const result = await kidvoice([...args, "--out", out])
      expect(result.exitCode).toBe(1)
      expect(result.stderr).toContain(expected)
      expect(existsSync(out)).toBe(false)
    }))

  it("an unknown flag is refused by the parser", async () => {
    const result = await kidvoice(["run", "--no-such-flag"])
    expect(result.exitCode).toBe(1)
    expect(result.stdout + result.stderr).toContain("--no-such-flag")
  })

  it("a config file with a typo, or that is not JSON, is named in the error", async () =>
    withTempDir(async (dir) => {
      const typo = join(dir, "typo.json")
      writeFileSync(typo, JSON.stringify({ downloadConcurency: 8 }))
      const broken = join(dir, "broken.json")
      writeFileSync(broken, "{ downloadConcurrency: ")
      const typoRun = await kidvoice(["status", "--config", typo, "--out", join(dir, "out")])
      expect(typoRun.exitCode).toBe(1)
      expect(typoRun.stderr).toContain("downloadConcurency")
      const brokenRun = await kidvoice(["status", "--config", broken, "--out", join(dir, "out")])
      expect(brokenRun.exitCode).toBe(1)
      expect(brokenRun.stderr).toContain(`config file ${broken} is not valid JSON`)
    }))

  it("environment variables are checked like flags, and flags win over them", async () =>
    withTempDir(async (dir) => {
      const bad = await kidvoice(["status", "--out", join(dir, "out")], { KIDVOICE_LOG_FORMAT: "yaml" })
      expect(bad.exitCode).toBe(1)
      expect(bad.stderr).toContain("env KIDVOICE_LOG_FORMAT")
      const overridden = await kidvoice(["status", "--out", join(dir, "out"), "--log-format", "json"], { KIDVOICE_LOG_FORMAT: "yaml" })
      // The settings passed: what stops it is the missing manifest, checked after them.
      expect(overridden.stderr).not.toContain("KIDVOICE_LOG_FORMAT")
      expect(overridden.stderr).toContain("no manifest at")
    }))

  it("a manifest that is not a database is refused with its path, and left as it was", async () =>
    withTempDir(async (dir) => {
      const out = join(dir, "out")
      const manifest = join(out, "manifest.sqlite")
      const { mkdirSync, readFileSync } = await import("node:fs")
      mkdirSync(out)
      writeFileSync(manifest, "{\"records\": []}")
      const result = await kidvoice(["status", "--out", out])
      expect(result.exitCode).toBe(1)
      expect(result.stderr).toContain(`cannot open the manifest ${manifest}`)
      expect(readFileSync(manifest, "utf8")).toBe("{\"records\": []}")
      expect(readdirSync(out)).toEqual(["manifest.sqlite"])
    }))

  it("an input that does not exist is named", async () =>
    withTempDir(async (dir) => {
      const result = await kidvoice(["run", "--input", join(dir, "nowhere"), "--out", join(dir, "out")])
      expect(result.exitCode).toBe(1)
      expect(result.stderr).toContain(`cannot read the input ${join(dir, "nowhere")}: no such file or folder`)
    }))

  it("imports the old crawler's manifest once: a second import adds nothing", async () =>
    withTempDir(async (dir) => {
      const legacy = join(import.meta.dirname, "..", "fixtures", "legacy", "manifest.json")
      const first = await kidvoice(["import", legacy, "--out", dir])
      expect(first.exitCode, first.stderr).toBe(0)
      expect(first.stdout).toMatch(/imported 10 videos, 2 more from the URL list; 0 already known/)
      expect(first.stdout).toContain("skipped manifest.json records[9]")
      const second = await kidvoice(["import", legacy, "--out", dir])
      expect(second.stdout).toMatch(/imported 0 videos, 0 more from the URL list; 12 already known/)
    }))

  it.for([[], ["run"], ["discover"], ["download"], ["analyze"], ["curate"], ["upload"], ["import"], ["status"], ["export"],
    ["doctor"], ["models"], ["models", "install"], ["eval"], ["config"], ["worker"]])(
    "%j --help reads well when piped: at most 100 columns, no filler text, no escape codes",
    async (command, { expect }) => {
      const result = await kidvoice([...command, "--help"])
      expect(result.exitCode, command.join(" ")).toBe(0)
      expect(result.stdout).toContain(`kidvoice ${command.join(" ")}`.trim())
      expect(result.stdout).not.toMatch(/user-defined piece of text/i)
      expect(result.stdout).not.toContain("\u001b")
      for (const line of result.stdout.split("\n")) expect(line.length, `${command.join(" ")}: ${line}`).toBeLessThanOrEqual(100)
      // Options a stage does not use are not offered to it.
      if (command[0] === "download") {
        expect(result.stdout).not.toContain("--upload-endpoint")
        expect(result.stdout).not.toContain("--clip-min-seconds")
      }
      // Every command that draws the progress display lets --progress choose it.
      if (["run", "download", "analyze", "curate"].includes(command[0] ?? "")) expect(result.stdout).toContain("--progress")
    }
  )

  it("the help of status, as a snapshot", async ({ expect }) => {
    const result = await kidvoice(["status", "--help"])
    expect(result.stdout).toMatchSnapshot()
  })

  it("an unknown flag gets the closest known one", async () => {
    const result = await kidvoice(["run", "--inptu", "x"])
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain("unknown option --inptu for kidvoice run; did you mean --input?")
  })

  it("a flag without its value, and a value outside a flag's choices, are named", async () => {
    const missing = await kidvoice(["run", "--input", samplesDir, "--download-concurrency"])
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toContain("kidvoice: --download-concurrency needs a value (<integer>)")
    const choice = await kidvoice(["export", "--format", "nemoo"])
    expect(choice.exitCode).toBe(1)
    expect(choice.stderr).toContain('kidvoice: --format is one of hf, nemo, csv, urls, jsonl, lhotse, webdataset, not "nemoo"; did you mean nemo?')
  })

  it("config --print shows each setting's value and where it came from", async () =>
    withTempDir(async (dir) => {
      const file = join(dir, "settings.json")
      writeFileSync(file, JSON.stringify({ rules: { minChildShare: 0.7 } }))
      const result = await kidvoice(["config", "--print", "--format", "json", "--config", file, "--max-attempts", "5"], { KIDVOICE_SEARCH_LIMIT: "7" })
      expect(result.exitCode, result.stderr).toBe(0)
      const rows = JSON.parse(result.stdout) as Array<{ configKey: string; value: unknown; source: string }>
      const row = (key: string) => rows.find((r) => r.configKey === key)
      expect(row("rules.minChildShare")).toMatchObject({ value: 0.7, source: `file ${file}` })
      expect(row("maxAttempts")).toMatchObject({ value: 5, source: "flag --max-attempts" })
      expect(row("discovery.searchLimit")).toMatchObject({ value: 7, source: "env KIDVOICE_SEARCH_LIMIT" })
      expect(row("retryBaseSeconds")).toMatchObject({ value: 30, source: "default" })
    }))
})

describe.concurrent("--out is checked once, at start: an error naming it, never a hang", () => {
  // A hang is killed at 60 s (the suite's machine may be busy); a working check answers at start-up.
  const refused = async (out: string, expected: string) => {
    const result = await kidvoice(["run", "--input", samplesDir, "--out", out], {}, { timeoutMs: 60_000 })
    expect(result.timedOut).toBe(false)
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain(`--out ${out}: ${expected}`)
  }

  it("a folder under /proc (mkdir says ENOENT)", () => refused("/proc/kidvoice-x", "it is inside /proc"))

  it("a folder under /sys (mkdir says EPERM)", () => refused("/sys/kidvoice-x", "it is inside /sys"))

  it("a file, and a path through a file", async () =>
    withTempDir(async (dir) => {
      const file = join(dir, "file")
      writeFileSync(file, "not a folder")
      await refused(file, "it exists and is not a folder")
      await refused(join(file, "sub"), "a part of the path is a file")
      // A reading command names the slip too, instead of looking for <file>/manifest.sqlite.
      const status = await kidvoice(["status", "--out", file])
      expect(status.exitCode).toBe(1)
      expect(status.stderr).toContain(`--out ${file} is a file, not the folder a run wrote to`)
    }))
})

describe.concurrent("exit codes and reading commands", () => {
  it("status and export on a folder without a manifest fail with its path and create nothing", async () =>
    withTempDir(async (dir) => {
      const out = join(dir, "typo")
      for (const command of [["status"], ["export", "--format", "csv"]]) {
        const result = await kidvoice([...command, "--out", out])
        expect(result.exitCode).toBe(1)
        expect(result.stderr).toContain(`no manifest at ${join(out, "manifest.sqlite")}`)
      }
      expect(existsSync(out)).toBe(false)
    }))

  it("run with nothing to do is a usage error, and creates nothing", async () =>
    withTempDir(async (dir) => {
      const out = join(dir, "out")
      const result = await kidvoice(["run", "--out", out])
      expect(result.exitCode).toBe(1)
      expect(result.stderr).toContain("nothing to do: give run an --input or a --query")
      expect(existsSync(out)).toBe(false)
    }))

  it("a missing input creates no --out", async () =>
    withTempDir(async (dir) => {
      const out = join(dir, "out")
      const result = await kidvoice(["run", "--input", join(dir, "nowhere"), "--out", out])
      expect(result.exitCode).toBe(1)
      expect(existsSync(out)).toBe(false)
    }))

  it("discover where every source failed exits 2 and says how many", async () =>
    withTempDir(async (dir) => {
      const result = await kidvoice(["discover", "--query", "x", "--yt-dlp", join(dir, "no-yt-dlp"), "--out", join(dir, "out")])
      expect(result.exitCode, result.stderr).toBe(2)
      expect(result.stdout).toContain("1 source failed (see the log)")
      expect(result.stderr).toContain("finished, but 1 source failed")
    }))

  it("a run that finishes with failed videos exits 2 and prints how many", async () =>
    withTempDir(async (dir) => {
      const input = join(dir, "media")
      const { mkdirSync, copyFileSync } = await import("node:fs")
      mkdirSync(input)
      copyFileSync(join(samplesDir, "broken-upload.mp3"), join(input, "broken-upload.mp3"))
      const result = await kidvoice(["run", "--input", input, "--out", join(dir, "out")])
      expect(result.exitCode, result.stderr).toBe(2)
      expect(result.stderr).toContain("finished, but 1 video failed")
      expect(result.stdout).toContain("failed")
      // An empty export says why it is empty.
      const urls = await kidvoice(["export", "--format", "urls", "--out", join(dir, "out")])
      expect(urls.exitCode, urls.stderr).toBe(0)
      expect(urls.stdout).toContain("wrote 0 lines")
      expect(urls.stdout).toContain("local files have no URL")
    }))

  it("download alone, after discover: the audio of every decodable file placed, the broken one failed (exit 2), nothing analysed", async () =>
    withTempDir(async (dir) => {
      const out = join(dir, "out")
      const discovered = await kidvoice(["discover", "--input", samplesDir, "--out", out])
      expect(discovered.exitCode, discovered.stderr).toBe(0)
      // A stage takes --progress as `run` does (it draws the same display).
      const downloaded = await kidvoice(["download", "--out", out, "--progress", "lines"])
      expect(downloaded.exitCode, downloaded.stderr).toBe(2)
      expect(downloaded.stderr).toContain("finished, but 1 video failed")
      expect(downloaded.stdout).toContain("UndecodableMedia 1")
      expect(readdirSync(join(out, "audio")).filter((f) => f.endsWith(".wav"))).toHaveLength(7)
      expect(downloaded.stdout).toMatch(/analyze\s+done 0, in flight 0, waiting 7/)
    }))
})
