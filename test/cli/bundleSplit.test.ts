import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
// @ts-expect-error: plain JavaScript without types (node runs it without tsx)
import { bundleOptions } from "../../scripts/build.mjs"

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
