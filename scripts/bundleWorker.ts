import { build } from "esbuild"
import { createRequire } from "node:module"

/**
 * A worker script as one bundled ES module, for tests and benchmarks that start many processes: each
 * loading effect's few hundred modules through tsx would spend ~40 s of a 2-core machine starting up;
 * the bundle starts in well under a second.
 */
export const bundleWorker = async (entry: string, outfile: string) => {
  const nativeModule = createRequire(import.meta.url).resolve("better-sqlite3")
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "silent",
    // CommonJS dependencies inside an ES module bundle still call require.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    plugins: [{
      name: "native-sqlite",
      // The native addon cannot be bundled: load it from this project's node_modules.
      setup: (b) => b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: nativeModule, external: true }))
    }]
  })
  return outfile
}
