import { answerWithoutCommands } from "./version.js"

// The CLI's entry: what `KIDVOICE_TSX=1` runs through tsx, and what the bundle dist/cli/main.cjs is built from
// (src/cli/launch.ts runs it). `--version` is answered here, without loading the commands; every other command line
// goes to main.ts, which neither tsx nor the bundle evaluates for `--version`. No top-level await: the bundle is a
// classic script; a failed import still ends the process with its error (an unhandled rejection).
const answer = answerWithoutCommands(process.argv.slice(2))
if (answer !== undefined) process.stdout.write(answer)
else void import("./main.js")
