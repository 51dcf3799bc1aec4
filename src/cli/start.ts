import { answerWithoutCommands } from "./version.js"

// The CLI's entry (the bundle's dist/cli/main.js): `--version` is answered here, without loading the commands; every
// other command line goes to main.ts, which the bundle keeps in a chunk of its own.
const answer = answerWithoutCommands(process.argv.slice(2))
if (answer !== undefined) process.stdout.write(answer)
else await import("./main.js")
