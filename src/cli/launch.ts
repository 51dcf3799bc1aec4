import { fileURLToPath } from "node:url"
import { runScriptBundle } from "./codeCache.js"
import { answerWithoutCommands } from "./version.js"

// The bundle's entry, dist/cli/main.js (bin/kidvoice.js imports it): `--version` is answered here, loading nothing
// else; every other command line runs the CLI itself, dist/cli/main.cjs beside this file (src/cli/start.ts bundled as
// one classic script), through the V8 code cache of src/cli/codeCache.ts.
const answer = answerWithoutCommands(process.argv.slice(2))
if (answer !== undefined) process.stdout.write(answer)
else runScriptBundle(fileURLToPath(new URL("main.cjs", import.meta.url)))
