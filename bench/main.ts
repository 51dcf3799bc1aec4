/**
 * Benchmarks: `npm run bench -- <name> [options]`. They print figures; nothing here is asserted.
 *   analyze   real-time factor and peak memory of the analysis on long files (--minutes 10,60)
 */
import { execa } from "execa"
import { join } from "node:path"

const harnesses: Record<string, string> = {
  analyze: "analyze.ts"
}

const [name = "analyze", ...rest] = process.argv.slice(2)
const file = harnesses[name]
if (!file) {
  process.stderr.write(`unknown benchmark ${name}; known: ${Object.keys(harnesses).join(", ")}\n`)
  process.exit(2)
}
await execa("npx", ["tsx", join(import.meta.dirname, file), ...rest], { stdio: "inherit" })
