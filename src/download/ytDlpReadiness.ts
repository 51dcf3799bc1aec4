/**
 * What `yt-dlp -v [--js-runtimes SPEC]` says about itself, read from its debug header. Pure: the header is
 * the only place yt-dlp tells whether it accepts the JavaScript runtime it was given (a runtime it finds too
 * old is listed as "(unsupported)") and whether the yt-dlp-ejs challenge scripts are installed beside it.
 */

export interface JsRuntimeReport {
  /** As yt-dlp names it: `deno`, `node`, `bun`, `quickjs`. */
  readonly name: string
  readonly version: string | null
  readonly supported: boolean
}

export interface YtDlpSelfReport {
  /** The release (2026.08.19), or null when the header has no version line (not yt-dlp, or cut short). */
  readonly version: string | null
  /** Where this yt-dlp came from, as it says: pip, debian*, zip, exe... */
  readonly variant: string | null
  /** null: this yt-dlp predates JavaScript runtimes (no such line, or `--js-runtimes` refused). */
  readonly jsRuntimes: ReadonlyArray<JsRuntimeReport> | null
  /** JS runtimes were turned off (`--no-js-runtimes`). */
  readonly jsRuntimesDisabled: boolean
  /** The yt-dlp-ejs package (YouTube's challenge solver scripts) is importable by this yt-dlp. */
  readonly ejsInstalled: boolean
  readonly ejsVersion: string | null
  /** The option yt-dlp refused (`no such option: --js-runtimes`), if it refused one. */
  readonly refusedOption: string | null
}

const debugValue = (output: string, key: string): string | null => {
  const line = output.split(/\r?\n/).find((l) => l.startsWith(`[debug] ${key}: `))
  return line === undefined ? null : line.slice(`[debug] ${key}: `.length).trim()
}

/** `deno-2.9.6`, `node-20.20.2 (unsupported)`, `bun (unknown)`. */
const parseRuntime = (entry: string): JsRuntimeReport => {
  const unsupported = /\((unsupported|unknown)\)\s*$/.test(entry)
  const bare = entry.replace(/\s*\((unsupported|unknown)\)\s*$/, "").trim()
  const match = /^([a-z]+)(?:-(.+))?$/i.exec(bare)
  return { name: match?.[1] ?? bare, version: match?.[2] ?? null, supported: !unsupported }
}

export const parseYtDlpVerbose = (output: string): YtDlpSelfReport => {
  const versionLine = debugValue(output, "yt-dlp version")
  // "stable@2026.08.19 from yt-dlp/yt-dlp [594bd50c2] (pip)" or "stable@2023.03.04 [392389b7d] (debian*)"
  const version = versionLine === null ? null : (/(\d{4}\.\d{2}\.\d{2}(?:\.\d+)?)/.exec(versionLine)?.[1] ?? null)
  const variant = versionLine === null ? null : (/\(([^()]+)\)\s*$/.exec(versionLine)?.[1] ?? null)
  const runtimes = debugValue(output, "JS runtimes")
  const disabled = runtimes !== null && /^none \(disabled\)$/.test(runtimes)
  const libraries = debugValue(output, "Optional libraries") ?? ""
  const ejs = /\byt[-_]dlp[-_]ejs(?:-(\S+?))?(?:,|$)/i.exec(libraries)
  return {
    version,
    variant,
    jsRuntimes: runtimes === null ? null : disabled || runtimes === "none" ? [] : runtimes.split(",").map((r) => parseRuntime(r.trim())),
    jsRuntimesDisabled: disabled,
    ejsInstalled: ejs !== null,
    ejsVersion: ejs?.[1] ?? null,
    refusedOption: /no such option: (\S+)/.exec(output)?.[1] ?? null
  }
}

/** A runtime this yt-dlp listed and accepts, if any: YouTube's signature and n challenges can be solved. */
export const supportedRuntime = (report: YtDlpSelfReport): JsRuntimeReport | null =>
  report.jsRuntimes?.find((r) => r.supported) ?? null
