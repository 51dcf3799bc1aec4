import { Command } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Console, Effect } from "effect"
import { answerWithoutCommands, cliVersion } from "../../src/cli/version.js"

/** What @effect/cli itself prints for a command line (the path every command line but `--version` takes). */
const printedByCli = (args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const printed: Array<string> = []
    const console = yield* Effect.console
    const capture = { ...console, log: (...parts: ReadonlyArray<unknown>) => Effect.sync(() => void printed.push(`${parts.join(" ")}\n`)) }
    const cli = Command.run(Command.make("kidvoice"), { name: "kidvoice", version: cliVersion })
    yield* cli(["node", "kidvoice", ...args]).pipe(Console.withConsole(capture), Effect.provide(NodeContext.layer))
    return printed.join("")
  })

describe("answers given before the commands load", () => {
  it.effect("--version prints what @effect/cli prints for it", () =>
    Effect.gen(function* () {
      const full = yield* printedByCli(["--version"])
      expect(full).toContain(cliVersion)
      expect(answerWithoutCommands(["--version"])).toBe(full)
    }))

  it("anything else goes to the commands", () => {
    for (const args of [[], ["--help"], ["--version", "--help"], ["status", "--version"], ["-v"]]) {
      expect(answerWithoutCommands(args)).toBeUndefined()
    }
  })
})
