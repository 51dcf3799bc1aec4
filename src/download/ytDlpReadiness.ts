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
  const versionLine = output.split(/\r?\n/).find((l) => l.startsWith("[debug] yt-dlp version ")) ?? null
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

/**
 * The runtime given as `spec` (yt-dlp's NAME[:PATH]) as this yt-dlp listed it, if it accepts it. By name: yt-dlp
 * also lists the runtimes it enables by itself (deno, when one is on PATH), which are not the one kidvoice passes.
 */
export const supportedRuntime = (report: YtDlpSelfReport, spec: string): JsRuntimeReport | null => {
  const name = spec.split(":")[0]!.toLowerCase()
  return report.jsRuntimes?.find((r) => r.supported && r.name.toLowerCase() === name) ?? null
}

/** One line of a readiness table: what was checked, what was found, and the one command that fixes it. */
export interface ReadinessLine {
  readonly check: string
  /** fail: this stops YouTube work; warn: it may get in the way. */
  readonly status: "ok" | "warn" | "fail"
  readonly detail: string
  readonly fix: string | null
}

/** What `inspectYtDlp` found, as the assessment needs it (kept structural so the rules are tested on plain data). */
export interface YtDlpFindings {
  readonly path: string
  readonly version: string
  readonly ageDays: number | null
  readonly ageWarning: string | null
  readonly supportsJsRuntimes: boolean
  readonly report: YtDlpSelfReport | null
  readonly wantedJsRuntime: string | null
  readonly jsRuntime: string | null
  readonly remoteComponents: string | null
}

export interface RuntimeContext {
  /** The `--js-runtime` setting (auto, none, or a spec). */
  readonly jsRuntimeSetting: string
  readonly remoteComponentsSetting: string
  readonly denoFound: boolean
  readonly nodeVersion: string
}

const updateYtDlp = "bash scripts/setup-yt-dlp.sh"

/**
 * The yt-dlp lines of the readiness table. Pure. `found` is null when yt-dlp could not be run (`notFound` says why).
 * The JavaScript runtime line is what yt-dlp itself says about the runtime kidvoice gives it.
 */
export const assessYtDlp = (found: YtDlpFindings | null, notFound: string | null, context: RuntimeContext): ReadonlyArray<ReadinessLine> => {
  if (found === null) {
    return [{ check: "yt-dlp", status: "fail", detail: `cannot be run: ${notFound ?? "not found"}`, fix: updateYtDlp }]
  }
  const age = found.ageDays === null ? "age unknown" : `${found.ageDays} days old`
  const variant = found.report?.variant ? ` (${found.report.variant})` : ""
  const ytDlp: ReadinessLine = !found.supportsJsRuntimes
    ? {
      check: "yt-dlp", status: "fail", fix: updateYtDlp,
      detail: `${found.version}${variant} at ${found.path}, ${age}: too old for YouTube (no JavaScript runtime support before 2025.11.12)`
    }
    : {
      check: "yt-dlp", status: found.ageWarning === null ? "ok" : "warn", fix: found.ageWarning === null ? null : updateYtDlp,
      detail: `${found.version}${variant} at ${found.path}, ${age}${found.ageWarning === null ? "" : "; YouTube often breaks versions older than 90 days"}`
    }
  if (!found.supportsJsRuntimes) {
    return [ytDlp, { check: "JS runtime", status: "fail", detail: "this yt-dlp cannot use one", fix: updateYtDlp }]
  }
  return [ytDlp, runtimeLine(found, context), ejsLine(found, context)]
}

const runtimeLine = (found: YtDlpFindings, context: RuntimeContext): ReadinessLine => {
  if (found.wantedJsRuntime === null) {
    return context.jsRuntimeSetting === "none"
      ? { check: "JS runtime", status: "fail", detail: "turned off (--js-runtime none): YouTube's challenges go unsolved", fix: "kidvoice ... --js-runtime auto" }
      : {
        check: "JS runtime", status: "fail",
        detail: `no deno in node_modules, and Node ${context.nodeVersion} is older than 22, which yt-dlp requires`,
        fix: "npm ci (installs the deno package)"
      }
  }
  const listed = found.report?.jsRuntimes ?? null
  if (found.report === null || listed === null) {
    return { check: "JS runtime", status: "warn", detail: `${found.wantedJsRuntime} given, but yt-dlp -v did not say whether it accepts it`, fix: updateYtDlp }
  }
  const named = listed.map((r) => `${r.name}${r.version ? `-${r.version}` : ""}${r.supported ? "" : " (unsupported)"}`).join(", ") || "none"
  if (found.jsRuntime !== null) {
    return { check: "JS runtime", status: "ok", detail: `yt-dlp -v lists ${named}: supported (--js-runtimes ${found.jsRuntime})`, fix: null }
  }
  return {
    check: "JS runtime", status: "fail",
    detail: `yt-dlp -v lists ${named} for --js-runtimes ${found.wantedJsRuntime}: not usable`,
    fix: context.denoFound ? "kidvoice ... --js-runtime auto" : "npm ci (installs the deno package)"
  }
}

const ejsLine = (found: YtDlpFindings, context: RuntimeContext): ReadinessLine => {
  if (found.report?.ejsInstalled) {
    return { check: "EJS scripts", status: "ok", detail: `yt-dlp-ejs ${found.report.ejsVersion ?? ""} installed beside yt-dlp`.replace("  ", " "), fix: null }
  }
  if (found.remoteComponents !== null) {
    return {
      check: "EJS scripts", status: "ok", fix: null,
      detail: `yt-dlp-ejs not installed; fetched when first needed (--remote-components ${found.remoteComponents}), which needs the registry reachable`
    }
  }
  if (found.jsRuntime === null) {
    return { check: "EJS scripts", status: "fail", detail: "not installed, and no JavaScript runtime to run them (fix the JS runtime line first)", fix: null }
  }
  return {
    check: "EJS scripts", status: "fail",
    detail: `yt-dlp-ejs not installed and remote components are off (--remote-components ${context.remoteComponentsSetting})`,
    fix: `${updateYtDlp} (where the index has yt-dlp[default]) or kidvoice ... --remote-components auto`
  }
}

/** The problems of a table in one line, for the start of a run; null when there are none. */
export const readinessSummary = (lines: ReadonlyArray<ReadinessLine>): string | null => {
  const problems = lines.filter((l) => l.status !== "ok")
  if (problems.length === 0) return null
  return `YouTube readiness: ${problems.map((l) => `${l.check} ${l.status === "fail" ? "FAILS" : "warns"}: ${l.detail}` +
    (l.fix === null ? "" : ` (fix: ${l.fix})`)).join("; ")}. Details: kidvoice doctor --ready`
}
