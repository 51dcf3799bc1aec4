import { execa, type ResultPromise } from "execa"
import { readdirSync, statSync } from "node:fs"
import { join, relative, resolve } from "node:path"

export const projectRoot = resolve(import.meta.dirname, "..", "..")
export const samplesDir = join(projectRoot, "samples")
const bin = join(projectRoot, "bin", "kidvoice.js")

/**
 * The real CLI in a child process, as a user runs it; never throws on a non-zero exit. `timeoutMs` kills it after
 * that long (a test of something that must not hang: the result then has `timedOut`).
 */
export const kidvoice = (
  args: ReadonlyArray<string>,
  env: Record<string, string> = {},
  options: { readonly timeoutMs?: number } = {}
): ResultPromise<{ reject: false; env: Record<string, string> }> =>
  execa("node", [bin, ...args], {
    reject: false,
    env: { ...env, CI: "true" },
    stdin: "ignore",
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs })
  } as { reject: false; env: Record<string, string> })

/** Every file below `dir`, relative to it, sorted. */
export const filesBelow = (dir: string): Array<string> => {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .sort()
  } catch {
    return []
  }
}

export const mtimes = (dir: string) => Object.fromEntries(filesBelow(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs]))
