import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { bestAudioArgs, chooseRemoteComponents, flatListingArgs, networkArgs, type YtDlpNetwork, ytDlpCommand } from "../../src/download/ytDlpArgs.js"
import { chooseJsRuntime, denoBinary, projectRoot, resolveYtDlpPath } from "../../src/download/ytDlpLocation.js"
import { projectRoot as testProjectRoot } from "../support/cli.js"

const network: YtDlpNetwork = {
  cookiesFile: "/tmp/run/cookies.txt",
  proxy: "http://127.0.0.1:3128",
  sleepRequestsSeconds: 1.5,
  timeoutSeconds: 20,
  jsRuntime: "deno:/opt/deno",
  remoteComponents: "ejs:npm",
  fileUrls: true
}
const valueOf = (args: ReadonlyArray<string>, flag: string) => args[args.indexOf(flag) + 1]

describe("the yt-dlp argument builder", () => {
  it("gives listing and download the same network flags, and puts the target after --", () => {
    const listing = ytDlpCommand([networkArgs(network), flatListingArgs(5)], "ytsearch5:-rf")
    const download = ytDlpCommand(
      [networkArgs(network), bestAudioArgs({ limitRate: "1M", sleepRequestsSeconds: 1.5, timeoutSeconds: 20 }, "/tmp/x/source.%(ext)s")],
      "https://example.org/v"
    )
    for (const args of [listing, download]) {
      expect(valueOf(args, "--cookies")).toBe("/tmp/run/cookies.txt")
      expect(valueOf(args, "--proxy")).toBe("http://127.0.0.1:3128")
      expect(valueOf(args, "--sleep-requests")).toBe("1.5")
      expect(valueOf(args, "--socket-timeout")).toBe("20")
      expect(valueOf(args, "--js-runtimes")).toBe("deno:/opt/deno")
      expect(valueOf(args, "--remote-components")).toBe("ejs:npm")
      expect(args).toContain("--enable-file-urls")
      expect(args).not.toContain("--no-warnings")
      expect(args.at(-2)).toBe("--")
    }
    expect(listing.at(-1)).toBe("ytsearch5:-rf")
    expect(valueOf(download, "--limit-rate")).toBe("1M")
    expect(valueOf(download, "--sleep-interval")).toBe("1.5")
    expect(listing).not.toContain("--sleep-interval")
  })

  it("leaves out what is not set", () => {
    const args = networkArgs({ ...network, cookiesFile: null, proxy: null, sleepRequestsSeconds: 0, jsRuntime: null, remoteComponents: null, fileUrls: false })
    expect(args).toEqual(["--socket-timeout", "20", "--no-update"])
  })
})

describe("choosing the JavaScript runtime and remote components", () => {
  it("auto prefers npm's deno, takes Node only from 22, and honours none or an explicit spec", () => {
    expect(chooseJsRuntime("auto", "/nm/deno", "v20.20.2", "/usr/bin/node")).toBe("deno:/nm/deno")
    expect(chooseJsRuntime("auto", null, "v20.20.2", "/usr/bin/node")).toBeNull()
    expect(chooseJsRuntime("auto", null, "v22.1.0", "/usr/bin/node")).toBe("node:/usr/bin/node")
    expect(chooseJsRuntime("none", "/nm/deno", "v22.1.0", "/usr/bin/node")).toBeNull()
    expect(chooseJsRuntime("bun:/opt/bun", "/nm/deno", "v20.20.2", "/usr/bin/node")).toBe("bun:/opt/bun")
  })

  it("fetches the challenge scripts only when yt-dlp-ejs is missing: from npm for deno and bun, from GitHub otherwise", () => {
    expect(chooseRemoteComponents("auto", "deno:/nm/deno", false)).toBe("ejs:npm")
    expect(chooseRemoteComponents("auto", "bun", false)).toBe("ejs:npm")
    expect(chooseRemoteComponents("auto", "node:/usr/bin/node", false)).toBe("ejs:github")
    expect(chooseRemoteComponents("auto", "deno:/nm/deno", true)).toBeNull()
    expect(chooseRemoteComponents("auto", null, false)).toBeNull()
    expect(chooseRemoteComponents("none", "deno:/nm/deno", false)).toBeNull()
    expect(chooseRemoteComponents("ejs:github", "deno:/nm/deno", true)).toBe("ejs:github")
  })
})

describe("finding the programs", () => {
  it("finds the project from its own source, and the deno binary the npm package installed, which runs", () => {
    expect(projectRoot()).toBe(testProjectRoot)
    const deno = denoBinary()
    expect(deno).not.toBeNull()
    expect(execFileSync(deno!, ["--version"], { encoding: "utf8" })).toMatch(/^deno \d+\.\d+\.\d+/)
  })

  it("auto means the project's .venv yt-dlp when it is executable, else yt-dlp on PATH; a given path is kept", () => {
    const root = mkdtempSync(join(tmpdir(), "kidvoice-root-"))
    try {
      expect(resolveYtDlpPath("auto", root)).toBe("yt-dlp")
      mkdirSync(join(root, ".venv", "bin"), { recursive: true })
      writeFileSync(join(root, ".venv", "bin", "yt-dlp"), "#!/bin/sh\n")
      expect(resolveYtDlpPath("auto", root)).toBe("yt-dlp")
      chmodSync(join(root, ".venv", "bin", "yt-dlp"), 0o755)
      expect(resolveYtDlpPath("auto", root)).toBe(join(root, ".venv", "bin", "yt-dlp"))
      expect(resolveYtDlpPath("/opt/yt-dlp", root)).toBe("/opt/yt-dlp")
      expect(resolveYtDlpPath("auto", null)).toBe("yt-dlp")
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
