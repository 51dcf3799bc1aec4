/** The CLI's version: what `kidvoice --version` prints and the command tree declares. */
export const cliVersion = "0.1.0"

/**
 * The answer to a command line that needs no command tree, else undefined. Pure. `--version` alone is answered
 * before @effect/cli and the commands load, in the text @effect/cli prints for it (a help paragraph: the version,
 * then an empty line); test/cli/version.test.ts holds the two together.
 */
export const answerWithoutCommands = (args: ReadonlyArray<string>): string | undefined =>
  args.length === 1 && args[0] === "--version" ? `${cliVersion}\n\n` : undefined
