import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import {
  assessYtDlp, parseYtDlpVerbose, readinessSummary, type RuntimeContext, supportedRuntime, type YtDlpFindings
} from "../../src/download/ytDlpReadiness.js"
import { projectRoot } from "../support/cli.js"

/** `yt-dlp -v` output captured on this machine kind from the real programs (see the file names). */
const captured = (name: string) => readFileSync(join(projectRoot, "test", "fixtures", "yt-dlp", name), "utf8")

describe("parseYtDlpVerbose on captured yt-dlp -v output", () => {
  it("yt-dlp 2026.08.19 from pip given npm's deno: deno-2.9.6 supported, no yt-dlp-ejs", () => {
    const report = parseYtDlpVerbose(captured("v-2026.08.19-deno.txt"))
    expect(report).toMatchObject({ version: "2026.08.19", variant: "pip", jsRuntimesDisabled: false, ejsInstalled: false, refusedOption: null })
    expect(report.jsRuntimes).toEqual([{ name: "deno", version: "2.9.6", supported: true }])
    expect(supportedRuntime(report, "deno:/p/deno")?.name).toBe("deno")
    expect(supportedRuntime(report, "node")).toBeNull()
  })

  it("the same yt-dlp given Node 20: listed as unsupported, so no runtime can solve YouTube's challenges", () => {
    const report = parseYtDlpVerbose(captured("v-2026.08.19-node20.txt"))
    expect(report.jsRuntimes).toEqual([{ name: "node", version: "20.20.2", supported: false }])
    expect(supportedRuntime(report, "node")).toBeNull()
    // yt-dlp also lists the deno it finds on PATH by itself; that is not the runtime asked for.
    const both = parseYtDlpVerbose(captured("v-2026.08.19-node20.txt").replace("JS runtimes: node-20.20.2 (unsupported)", "JS runtimes: deno-2.9.6, node-20.20.2 (unsupported)"))
    expect(supportedRuntime(both, "node:/usr/bin/node")).toBeNull()
    expect(supportedRuntime(both, "deno")?.version).toBe("2.9.6")
  })

  it("runtimes turned off, and Debian's 2023 yt-dlp, which has no runtime line and refuses --js-runtimes", () => {
    const disabled = parseYtDlpVerbose(captured("v-2026.08.19-disabled.txt"))
    expect(disabled).toMatchObject({ jsRuntimes: [], jsRuntimesDisabled: true })
    const debian = parseYtDlpVerbose(captured("v-2023.03.04-debian.txt"))
    expect(debian).toMatchObject({ version: "2023.03.04", variant: "debian*", jsRuntimes: null, ejsInstalled: false })
    expect(parseYtDlpVerbose(captured("v-2023.03.04-js-runtimes.txt"))).toMatchObject({ version: null, refusedOption: "--js-runtimes" })
  })

  it("finds yt-dlp-ejs among the optional libraries, as yt-dlp names it (module name, dash, version)", () => {
    const withEjs = captured("v-2026.08.19-deno.txt").replace("Optional libraries: sqlite3-3.40.1", "Optional libraries: sqlite3-3.40.1, yt_dlp_ejs-0.8.0")
    expect(parseYtDlpVerbose(withEjs)).toMatchObject({ ejsInstalled: true, ejsVersion: "0.8.0" })
  })

  it("output that is not yt-dlp's yields no version and no runtimes", () => {
    expect(parseYtDlpVerbose("usage: something else\n")).toMatchObject({ version: null, jsRuntimes: null, ejsInstalled: false })
  })
})

const context: RuntimeContext = { jsRuntimeSetting: "auto", remoteComponentsSetting: "auto", denoFound: true, nodeVersion: "v20.20.2" }
const current: YtDlpFindings = {
  path: "/p/.venv/bin/yt-dlp",
  version: "2026.08.19",
  ageDays: 20,
  ageWarning: null,
  supportsJsRuntimes: true,
  report: parseYtDlpVerbose(captured("v-2026.08.19-deno.txt")),
  wantedJsRuntime: "deno:/p/node_modules/deno/deno",
  jsRuntime: "deno:/p/node_modules/deno/deno",
  remoteComponents: "ejs:npm"
}
const statuses = (found: YtDlpFindings | null, ctx = context) => assessYtDlp(found, "ENOENT", ctx).map((l) => `${l.check}:${l.status}`)

describe("assessYtDlp", () => {
  it("a current yt-dlp with a supported deno and ejs:npm is ready, and the run has nothing to say", () => {
    const lines = assessYtDlp(current, null, context)
    expect(lines.map((l) => l.status)).toEqual(["ok", "ok", "ok"])
    expect(lines[1]!.detail).toContain("deno-2.9.6")
    expect(readinessSummary(lines)).toBeNull()
  })

  it("each way YouTube cannot work fails its line, with the command that fixes it", () => {
    expect(statuses(null)).toEqual(["yt-dlp:fail"])
    const debian = { ...current, version: "2023.03.04", ageDays: 1368, supportsJsRuntimes: false, report: null, wantedJsRuntime: null, jsRuntime: null, remoteComponents: null }
    expect(statuses(debian)).toEqual(["yt-dlp:fail", "JS runtime:fail"])
    expect(assessYtDlp(debian, null, context)[0]!.fix).toBe("bash scripts/setup-yt-dlp.sh")
    const node20 = { ...current, report: parseYtDlpVerbose(captured("v-2026.08.19-node20.txt")), wantedJsRuntime: "node", jsRuntime: null, remoteComponents: null }
    const lines = assessYtDlp(node20, null, { ...context, jsRuntimeSetting: "node" })
    expect(lines.map((l) => l.status)).toEqual(["ok", "fail", "fail"])
    expect(lines[1]!.detail).toContain("node-20.20.2 (unsupported)")
    expect(lines[1]!.fix).toContain("--js-runtime auto")
    const noDeno = { ...current, wantedJsRuntime: null, jsRuntime: null, remoteComponents: null }
    expect(assessYtDlp(noDeno, null, { ...context, denoFound: false })[1]!.fix).toContain("npm ci")
    const remoteOff = { ...current, remoteComponents: null }
    const off = assessYtDlp(remoteOff, null, { ...context, remoteComponentsSetting: "none" })
    expect(off[2]).toMatchObject({ status: "fail" })
    expect(off[2]!.fix).toContain("--remote-components auto")
  })

  it("an old but capable yt-dlp only warns; the summary names each problem and its fix in one line", () => {
    const stale = { ...current, ageDays: 104, ageWarning: "old" }
    const lines = assessYtDlp(stale, null, context)
    expect(lines.map((l) => l.status)).toEqual(["warn", "ok", "ok"])
    const summary = readinessSummary(lines)!
    expect(summary).toContain("yt-dlp warns")
    expect(summary).toContain("104 days old")
    expect(summary).toContain("fix: bash scripts/setup-yt-dlp.sh")
    expect(summary.split("\n")).toHaveLength(1)
  })
})
