import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
// @ts-expect-error: plain JavaScript without types (node runs it without tsx)
import { bundleOptions, launcherOptions, scriptOptions, scriptText } from "../../scripts/build.mjs"

interface Metafile {
  readonly outputs: Record<string, {
    readonly entryPoint?: string
    readonly imports: ReadonlyArray<{ readonly path: string; readonly kind: string; readonly external?: boolean }>
    readonly inputs: Record<string, { readonly bytesInOutput: number }>
  }>
}

/** The bundle's files as esbuild would write them, with what each holds; nothing is written. */
const bundleMetafile = Effect.promise(async () => {
  const { build } = await import("esbuild")
  return (await build({ ...bundleOptions(), write: false, metafile: true })).metafile as Metafile
})

/** An output file and everything it imports statically: what loads before its first line runs. */
const loadedWith = (meta: Metafile, start: string) => {
  const files = new Set<string>()
  const visit = (file: string) => {
    if (files.has(file)) return
    files.add(file)
    for (const i of meta.outputs[file]!.imports) if (i.kind === "import-statement" && !i.external) visit(i.path)
  }
  visit(start)
  const inputs = [...files].flatMap((file) => Object.keys(meta.outputs[file]!.inputs))
  const externals = [...files].flatMap((file) => meta.outputs[file]!.imports.filter((i) => i.external).map((i) => i.path))
  return { inputs, externals }
}

// What `--version` and `--help` load must stay small: a command's body, a store, a model runtime or a client
// imported at the top of main.ts (or of a module it imports statically) would load at every start (docs/cli.md).
describe("the bundle loads at start only what --version and --help need", () => {
  it.effect("--version: the entry holds its answer and imports nothing else; --help: the command tree, no stage", () =>
    Effect.gen(function* () {
      const meta = yield* bundleMetafile
      const entry = Object.keys(meta.outputs).find((file) => meta.outputs[file]!.entryPoint?.endsWith("src/cli/start.ts"))!
      expect(entry).toMatch(/dist\/cli\/main\.js$/)
      expect(loadedWith(meta, entry).inputs.sort()).toEqual(["src/cli/start.ts", "src/cli/version.ts"])

      const commandTree = meta.outputs[entry]!.imports.find((i) => i.kind === "dynamic-import")!.path
      const { inputs, externals } = loadedWith(meta, commandTree)
      expect(inputs).toContain("src/cli/main.ts")
      expect(inputs).toContain("src/cli/help.ts")
      const heavy = inputs.filter((input) =>
        /^src\/(pipeline|download|curate|upload|source\/(?!youTubeTargets))|^src\/manifest\/|^src\/analyze\/(?!Model(Card|Registry)\.ts)/.test(input) ||
        /node_modules\/(undici|yaml|toml|ini|fast-check|execa|@effect\/(sql|cluster|rpc|workflow))/.test(input))
      expect(heavy).toEqual([])
      expect(externals.filter((e) => !e.startsWith("node:"))).toEqual([])
    }), 120_000)
})

// What ships: a launcher (dist/cli/main.js) that answers --version alone and runs the CLI, one classic script
// (dist/cli/main.cjs) built from the same module graph, through a V8 code cache (src/cli/codeCache.ts).
describe("the shipped bundle: a small launcher and one classic script", () => {
  it.effect("the launcher holds only itself, the cache and the version; the script is one file with no import.meta left", () =>
    Effect.promise(async () => {
      const { build } = await import("esbuild")
      const launcher = (await build({ ...launcherOptions(), write: false, metafile: true })).metafile as Metafile
      const [output, ...more] = Object.values(launcher.outputs)
      expect(more).toEqual([])
      expect(Object.keys(output!.inputs).sort()).toEqual(["src/cli/codeCache.ts", "src/cli/launch.ts", "src/cli/version.ts"])
      expect(output!.imports.filter((i) => !i.path.startsWith("node:"))).toEqual([])

      const script = await build({ ...scriptOptions(), write: false, metafile: true })
      expect(script.outputFiles!.map((file) => file.path.split("/").slice(-2).join("/"))).toEqual(["cli/main.cjs"])
      expect(script.outputFiles![0]!.text).not.toContain("import.meta")
      // The packages only import() can load (ES modules) are left outside, and the script as written calls
      // __kidvoiceImport for them, never import() (lost with a code cache on Node 20).
      const dynamic = Object.values((script.metafile as Metafile).outputs)[0]!.imports.filter((i) => i.kind === "dynamic-import")
      expect(dynamic.every((i) => i.external)).toBe(true)
      const text = scriptText(script)
      for (const i of dynamic) expect(text).toContain(`__kidvoiceImport(${JSON.stringify(i.path)})`)
      expect(text).not.toMatch(/(?<![\w$.])import\(/)
      expect(text).toMatch(/^[\x00-\x7f]*$/)
    }), 120_000)
})
