import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { resolveYtDlpPath } from "../../src/download/ytDlpLocation.js"
import { ytDlpVersionAdvice } from "../../src/download/ytDlpVersion.js"
import { kidvoice } from "../support/cli.js"

/** The yt-dlp `--yt-dlp auto` finds: after scripts/setup.sh, the project's .venv one. */
const realYtDlp = resolveYtDlpPath("auto")
const realVersion = execFileSync(realYtDlp, ["--version"], { encoding: "utf8" }).trim()
const current = ytDlpVersionAdvice(realVersion, new Date()).supportsJsRuntimes

describe("kidvoice doctor --ready", () => {
  it(`reports the yt-dlp setup installed (${realVersion} at ${realYtDlp}) and, for a current one, a JS runtime yt-dlp accepts`, async () => {
    const out = mkdtempSync(join(tmpdir(), "kidvoice-ready-"))
    try {
      const result = await kidvoice(["doctor", "--ready", "--out", join(out, "work")])
      const line = (check: string) => result.stdout.split("\n").find((l) => l.slice(6).startsWith(check)) ?? ""
      expect(line("yt-dlp")).toContain(`at ${realYtDlp}`)
      for (const check of ["ffmpeg", "ffprobe", "models", "disk", "cookies"]) expect(line(check)).toMatch(/^ok /)
      if (current) {
        // yt-dlp's own -v header, run with npm's deno, lists it as supported.
        expect(line("JS runtime")).toMatch(/^ok .*deno-\d+\.\d+\.\d+: supported \(--js-runtimes deno:.+\/deno\)/)
        expect(result.exitCode).toBe(0)
      } else {
        // The distribution's yt-dlp (setup could not reach the package index): named, with the command that fixes it.
        expect(line("yt-dlp")).toMatch(/^FAIL/)
        expect(result.stdout).toContain("fix: bash scripts/setup-yt-dlp.sh")
        expect(result.exitCode).toBe(1)
      }
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 120_000)

  it("fails, with one fix a line, for Debian's 2023 yt-dlp, Node 20 as the runtime, and an unreadable cookies file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kidvoice-notready-"))
    try {
      const old = join(dir, "yt-dlp")
      writeFileSync(old, "#!/bin/sh\n[ \"$1\" = --version ] && echo 2023.03.04 && exit 0\nexit 2\n")
      chmodSync(old, 0o755)
      const stale = await kidvoice(["doctor", "--ready", "--out", dir, "--yt-dlp", old, "--cookies", join(dir, "missing.txt")])
      expect(stale.exitCode).toBe(1)
      expect(stale.stdout).toMatch(/FAIL {2}yt-dlp .*2023\.03\.04.*too old for YouTube/)
      expect(stale.stdout).toMatch(/FAIL {2}cookies .*missing\.txt cannot be read/)
      expect(stale.stderr).toContain("not ready: yt-dlp, JS runtime, cookies")
      if (current) {
        const node20 = await kidvoice(["doctor", "--ready", "--out", dir, "--js-runtime", `node:${process.execPath}`])
        expect(node20.exitCode).toBe(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)
        if (node20.exitCode === 1) expect(node20.stdout).toMatch(/FAIL {2}JS runtime .*node-[\d.]+ \(unsupported\)/)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
