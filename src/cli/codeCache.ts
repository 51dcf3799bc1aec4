import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { basename, dirname, isAbsolute, join } from "node:path"
import { pathToFileURL } from "node:url"
import vm from "node:vm"

/*
 * Runs the CLI's classic-script bundle (dist/cli/main.cjs) with a V8 code cache beside it. Node 20 caches no compiled
 * ES module (`module.enableCompileCache` is 22.1+), so every start used to parse and compile the ~0.9 MB of chunks a
 * command loads. V8 gives a classic script's compiled code back through `vm.Script`'s `cachedData`: the first start of
 * a command writes what it compiled (`createCachedData` once the command is done, so the functions it ran are in it),
 * later starts of that command deserialize it instead of compiling. Plain Node, no Effect: it runs before the runtime
 * is loaded, and anything it loads is paid at every start.
 *
 * The cache is never trusted blindly. Its file name carries the bundle's size and modification time and the node
 * version, so a rebuilt bundle or another node looks for another file (a build also empties the folder); V8 itself
 * checks the rest (its version, flags, the source's length) and rejects a cache that does not fit
 * (`cachedDataRejected`), which is then written again. A cache that cannot be read or written (a read-only install)
 * only costs the compile it would have saved.
 */

/**
 * Where the caches live: `dist/.cache/` beside `dist/cli/`. `KIDVOICE_CODE_CACHE=off` runs without one; an absolute
 * path puts them there (a test's own folder).
 */
export const codeCacheDir = (bundle: string, setting = process.env.KIDVOICE_CODE_CACHE): string | null =>
  setting === "off" ? null : setting !== undefined && isAbsolute(setting) ? setting : join(dirname(bundle), "..", ".cache")

/**
 * Which cache a command line uses, pure: one per command (`status`, `run`, ...), since each compiles other functions;
 * `help` for a command line without one (`--help`, a bare `kidvoice`). Words that cannot be a command name share
 * one, so a typo does not leave a file behind each time.
 */
export const codeCacheKey = (args: ReadonlyArray<string>): string => {
  const first = args[0]
  return first !== undefined && /^[a-z][a-z-]{0,23}$/.test(first) ? first : "help"
}

/** The cache file for a bundle as it is now (size and mtime) under this node. */
export const codeCacheFile = (dir: string, key: string, bundle: { readonly size: number; readonly mtimeMs: number }): string =>
  join(dir, `${key}-${bundle.size}-${Math.trunc(bundle.mtimeMs)}-${process.version}.v8`)

/**
 * The parameters the bundle's code sees: a CommonJS module's, `import.meta.url`, and the import() of the packages it
 * loads that way (ES modules only: eld, prom-client), which the build rewrote to calls of it (scriptText in
 * scripts/build.mjs): a `vm.Script` from a code cache loses its own dynamic import callback on Node 20.
 */
const wrapperParameters = "exports, require, module, __filename, __dirname, __kidvoiceImportMetaUrl, __kidvoiceImport"

const readCache = (file: string): Buffer | undefined => {
  try {
    return readFileSync(file)
  } catch {
    return undefined
  }
}

/** Writes through a temp file and a rename, so a concurrent start reads a whole cache or none. Errors are ignored. */
export const writeCache = (file: string, data: Buffer) => {
  const temp = `${file}.${process.pid}.tmp`
  try {
    mkdirSync(dirname(file), { recursive: true })
    // Caches of an older bundle or node are of no use any more: one file per command stays.
    const keyOf = (name: string) => /^([a-z-]+)-\d+-\d+-v[\d.]+\.v8$/.exec(name)?.[1]
    const key = keyOf(basename(file))
    for (const name of readdirSync(dirname(file))) {
      if (keyOf(name) === key && name !== basename(file)) rmSync(join(dirname(file), name), { force: true })
    }
    writeFileSync(temp, data)
    renameSync(temp, file)
  } catch {
    // A read-only install: every start compiles, as without a cache. A full disk may have left part of the temp file.
    try {
      rmSync(temp, { force: true })
    } catch {
      // Nothing was written, then.
    }
  }
}

/**
 * Runs the classic-script bundle at `bundle` for this process's command line. Returns what became of the cache:
 * `used` (V8 took it), `written` (none fit; one is written when the process exits), or `off`.
 */
export const runScriptBundle = (bundle: string): "used" | "written" | "off" => {
  // Text and size/time from one open file: a build renaming a new bundle in meanwhile cannot pair one's text with
  // the other's cache name. The bundle is ASCII (the build escapes the rest): latin1 makes a one-byte string, no decoding.
  const fd = openSync(bundle, "r")
  const [source, stats] = (() => {
    try {
      return [readFileSync(fd, "latin1"), fstatSync(fd)] as const
    } finally {
      closeSync(fd)
    }
  })()
  const dir = codeCacheDir(bundle)
  const file = dir === null ? null : codeCacheFile(dir, codeCacheKey(process.argv.slice(2)), stats)
  const cachedData = file === null ? undefined : readCache(file)
  const script = new vm.Script(`(function (${wrapperParameters}) {${source}\n})`, {
    filename: bundle,
    ...(cachedData === undefined ? {} : { cachedData })
  })
  const cache = file === null ? "off" : cachedData !== undefined && !script.cachedDataRejected ? "used" : "written"
  // Made when the command is done, so it holds every function the command compiled, not only the top level.
  if (cache === "written") process.once("exit", () => writeCache(file!, script.createCachedData()))
  const module = { exports: {} }
  const importPackage = (specifier: string) => import(specifier)
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle), pathToFileURL(bundle).href, importPackage)
  return cache
}
