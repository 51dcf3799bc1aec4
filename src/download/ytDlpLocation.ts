import { accessSync, constants, existsSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * Where the programs yt-dlp needs are: the yt-dlp that `scripts/setup.sh` installed in the project's `.venv/`,
 * and the deno binary the `deno` npm package brought. Found from this file's own place, so the same lookup
 * works from `src/` under tsx, from `dist/`, and from a bundle, whatever the current directory is.
 */

/** The folder holding kidvoice's package.json, or null when this code runs outside the project (embedded). */
export const projectRoot = (from: string = dirname(fileURLToPath(import.meta.url))): string | null => {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json")
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "kidvoice") return dir
      } catch {
        // an unreadable package.json is not ours; keep looking up
      }
    }
    if (dirname(dir) === dir) return null
  }
}

const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The setting's word for "find it": the project's venv yt-dlp, else the one on PATH. */
export const autoYtDlp = "auto"

/** The yt-dlp program a `--yt-dlp` setting means: a path or command as given, or for `auto` the project's own. */
export const resolveYtDlpPath = (configured: string, root: string | null = projectRoot()): string => {
  if (configured !== autoYtDlp) return configured
  const venv = root === null ? null : join(root, ".venv", "bin", "yt-dlp")
  return venv !== null && isExecutable(venv) ? venv : "yt-dlp"
}

/** The npm package per platform that carries deno's binary (the `deno` package's optional dependencies). */
const denoPlatformPackage = (): string | null => {
  const arch = process.arch === "x64" || process.arch === "arm64" ? process.arch : null
  if (arch === null) return null
  if (process.platform === "linux") return `@deno/linux-${arch}-glibc`
  if (process.platform === "darwin") return `@deno/darwin-${arch}`
  if (process.platform === "win32") return `@deno/win32-${arch}`
  return null
}

/** The deno binary from node_modules, or null when the `deno` package (or its platform part) is not installed. */
export const denoBinary = (): string | null => {
  const require = createRequire(import.meta.url)
  const exe = process.platform === "win32" ? "deno.exe" : "deno"
  const candidates: Array<() => string> = []
  const platformPackage = denoPlatformPackage()
  if (platformPackage !== null) candidates.push(() => join(dirname(require.resolve(`${platformPackage}/package.json`)), exe))
  // The deno package copies the binary next to itself on install.
  candidates.push(() => join(dirname(require.resolve("deno/package.json")), exe))
  for (const candidate of candidates) {
    try {
      const path = candidate()
      if (isExecutable(path)) return path
    } catch {
      // package not installed: try the next place
    }
  }
  return null
}

/** `--js-runtimes` takes `auto` (choose), `none` (pass nothing), or yt-dlp's own `NAME[:PATH]`. */
export const autoJsRuntime = "auto"
export const noJsRuntime = "none"

/** Node itself is accepted by current yt-dlp from this major version on; Node 20 is listed "(unsupported)". */
export const nodeMajorAccepted = 22

/**
 * The `--js-runtimes` value to give yt-dlp, or null for none. Pure. `auto` prefers the deno binary shipped
 * through npm, then this Node when yt-dlp accepts it.
 */
export const chooseJsRuntime = (setting: string, deno: string | null, nodeVersion: string, nodePath: string): string | null => {
  if (setting === noJsRuntime) return null
  if (setting !== autoJsRuntime) return setting
  if (deno !== null) return `deno:${deno}`
  const major = Number(nodeVersion.replace(/^v/, "").split(".")[0])
  return major >= nodeMajorAccepted ? `node:${nodePath}` : null
}
