import { Effect } from "effect"
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { scopedTempDir } from "./manifest.js"

export interface FakeYtDlpScript {
  /** A file whose bytes the fake prints on stdout. */
  readonly stdoutFile?: string
  readonly stderr?: string
  readonly exitCode?: number
}

/**
 * A stand-in `yt-dlp` executable (a node script) that records the argument array it was given and answers as
 * scripted: YouTube is out of reach here, but the process plumbing (arguments, exit codes, stderr) is real.
 */
export const fakeYtDlp = (script: FakeYtDlpScript) =>
  Effect.map(scopedTempDir("fake-yt-dlp"), (dir) => {
    const program = join(dir, "yt-dlp")
    const argvFile = join(dir, "argv.json")
    writeFileSync(program, [
      `#!${process.execPath}`,
      `const fs = require("node:fs")`,
      `fs.appendFileSync(${JSON.stringify(argvFile)}, JSON.stringify(process.argv.slice(2)) + "\\n")`,
      script.stdoutFile ? `process.stdout.write(fs.readFileSync(${JSON.stringify(script.stdoutFile)}))` : "",
      script.stderr ? `process.stderr.write(${JSON.stringify(script.stderr)})` : "",
      `process.exitCode = ${script.exitCode ?? 0}`
    ].join("\n"))
    chmodSync(program, 0o755)
    /** The argument arrays of every run so far, in order. */
    const invocations = (): ReadonlyArray<ReadonlyArray<string>> =>
      existsSync(argvFile) ? readFileSync(argvFile, "utf8").trim().split("\n").map((line) => JSON.parse(line)) : []
    return { program, invocations, argv: () => invocations().at(-1) ?? [] }
  })
