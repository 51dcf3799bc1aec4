import { Effect } from "effect"
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { samplesDir } from "./cli.js"
import { scopedTempDir } from "./manifest.js"

export interface FakeYtDlpScript {
  /** A file whose bytes the fake prints on stdout. */
  readonly stdoutFile?: string
  readonly stderr?: string
  readonly exitCode?: number
  /** What it answers to --version (and in its -v header, which lists the runtime it is given as supported). */
  readonly version?: string
}

/**
 * The `-v` debug header of a yt-dlp `version` without yt-dlp-ejs, which accepts the JavaScript runtime it is given:
 * RUNTIMES stands for what it lists (deno-2.9.6 when given --js-runtimes, else none).
 */
const verboseHeader = (version: string) => [
  `[debug] yt-dlp version stable@${version} from yt-dlp/yt-dlp (pip)`,
  "[debug] Optional libraries: sqlite3-3.40.1",
  "[debug] JS runtimes: RUNTIMES"
]

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
      `const version = ${JSON.stringify(script.version ?? "2026.08.19")}`,
      `if (process.argv[2] === "--version") { console.log(version); process.exit(0) }`,
      `if (process.argv[2] === "-v") { process.stderr.write(${JSON.stringify(verboseHeader(script.version ?? "2026.08.19").join("\n"))}` +
        `.replace("RUNTIMES", process.argv.includes("--js-runtimes") ? "deno-2.9.6" : "none")); process.exit(2) }`,
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

/**
 * A stand-in yt-dlp for downloads (a shell script): answers --version with `version` (counting the calls), records
 * its arguments, then runs `body`, in which `$out` is the file yt-dlp was asked to write.
 */
export const fakeYtDlpDownloads = (dir: string, version: string, body: string) => {
  const path = join(dir, "yt-dlp")
  writeFileSync(path, [
    "#!/bin/sh",
    `if [ "$1" = "--version" ]; then echo x >> '${dir}/version-calls'; echo '${version}'; exit 0; fi`,
    // -v: the debug header of a yt-dlp that accepts the runtime it was given and has no yt-dlp-ejs; exits 2 like yt-dlp without a URL.
    `if [ "$1" = "-v" ]; then echo x >> '${dir}/verbose-calls'; printf '%s\\n' ${verboseHeader(version).map((l) => `"${l.replace("RUNTIMES", `$(case " $* " in *" --js-runtimes "*) echo deno-2.9.6;; *) echo none;; esac)`)}"`).join(" ")} >&2; exit 2; fi`,
    `printf '%s\\n' "$@" > '${dir}/args'`,
    `prev=''; for a in "$@"; do [ "$prev" = "-o" ] && out=$(echo "$a" | sed 's/%(ext)s/mp3/'); prev="$a"; done`,
    body
  ].join("\n"))
  chmodSync(path, 0o755)
  return path
}

/** A `fakeYtDlpDownloads` body that "downloads" the bundled child poem. */
export const fetchesPoem = `cp '${join(samplesDir, "child-cs-poem.mp3")}' "$out"`
