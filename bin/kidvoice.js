#!/usr/bin/env node
// Runs the bundled CLI (dist/cli/main.js, which runs dist/cli/main.cjs with a V8 code cache; built by scripts/setup.sh): it starts in a fraction of the time tsx needs
// to transpile the sources. A source newer than the bundle (an edit, a pull) rebuilds it first, so this never runs
// stale code; KIDVOICE_TSX=1 runs the TypeScript sources through tsx instead, as does a copy without esbuild.
import { buildBundle, bundleIsStale, bundlePath } from "../scripts/build.mjs"
import { pathToFileURL } from "node:url"

const fromSources = async () => {
  const { register } = await import("tsx/esm/api")
  register()
  await import("../src/cli/start.ts")
}

if (process.env.KIDVOICE_TSX === "1") {
  await fromSources()
} else {
  let bundle = bundlePath
  if (bundleIsStale()) {
    bundle = await buildBundle().catch((error) => {
      process.stderr.write(`kidvoice: could not rebuild ${bundlePath} (${error.message.split("\n")[0]}); running the sources through tsx\n`)
      return null
    })
  }
  if (bundle === null) await fromSources()
  else await import(pathToFileURL(bundle).href)
}
