/**
 * The CLI's help, read off the @effect/cli command definitions (so every option anyone adds shows up) and the
 * settings table (so a setting shows its type, default, env name and config key). Plain text wrapped to the
 * terminal, 80 columns when piped, never colour. Also the "did you mean" for an unknown flag.
 *
 * @effect/cli keeps its command and option descriptors as plain tagged objects; this module walks them by their
 * `_tag` (pinned @effect/cli 0.77). Everything here is pure but `printHelpOrCheckFlags`.
 */
import { type Command } from "@effect/cli"
import { settingGroups, settingHelp, settingOfFlag } from "./settings.js"

/** What the help says of one option. */
export interface OptionHelp {
  readonly flag: string
  readonly aliases: ReadonlyArray<string>
  /** The value's placeholder: `<integer>`, `<path>`, `a|b|c`; empty for a switch. */
  readonly value: string
  readonly description: string
  readonly facts: ReadonlyArray<string>
  readonly group: string
}

export interface CommandHelp {
  readonly name: string
  readonly description: string
  readonly options: ReadonlyArray<OptionHelp>
  readonly args: ReadonlyArray<string>
  readonly subcommands: ReadonlyArray<CommandHelp>
}

type Node = { readonly _tag: string } & Record<string, unknown>
const isNode = (u: unknown): u is Node => typeof u === "object" && u !== null && typeof (u as Node)._tag === "string"

/** The words of a HelpDoc or Span, whatever its shape. */
const textOf = (doc: unknown): string => {
  if (!isNode(doc)) return ""
  if (typeof doc.value === "string") return doc.value
  return ["value", "left", "right", "elements", "definitions"]
    .flatMap((key) => (Array.isArray(doc[key]) ? (doc[key] as Array<unknown>).flat() : [doc[key]]))
    .map(textOf)
    .filter((t) => t !== "")
    .join(" ")
}

/** Options outside the settings table that belong with a section of it. */
const groupOfOption: Record<string, string> = { config: "workspace and logs", "log-level": "workspace and logs" }

const primitiveValue = (primitive: Node): string => {
  switch (primitive._tag) {
    case "Bool": return ""
    case "Choice": return (primitive.alternatives as ReadonlyArray<readonly [string, unknown]>).map(([name]) => name).join("|")
    case "Integer": return "<integer>"
    case "Float": return "<number>"
    case "Path": return `<${primitive.pathType === "directory" ? "folder" : primitive.pathType === "file" ? "file" : "path"}>`
    case "Redacted": case "Secret": return "<secret>"
    case "DateTime": return "<date>"
    default: return "<text>"
  }
}

const shownDefault = (fallback: unknown): string | null => {
  if (isNode(fallback) && (fallback._tag === "None" || fallback._tag === "Some")) return null // Options.optional
  if (fallback === false || fallback === undefined) return null
  return typeof fallback === "string" ? fallback : JSON.stringify(fallback)
}

/** Every single option below an options descriptor, with what wrapping it says (repeatable, default). */
const collectOptions = (node: unknown, wraps: { repeated: boolean; fallback: string | null }, out: Array<OptionHelp>) => {
  if (!isNode(node)) return
  switch (node._tag) {
    case "Both": case "OrElse":
      collectOptions(node.left, wraps, out)
      collectOptions(node.right, wraps, out)
      return
    case "Map": case "WithFallback":
      collectOptions(node.options, wraps, out)
      return
    case "WithDefault":
      collectOptions(node.options, { ...wraps, fallback: wraps.fallback ?? shownDefault(node.fallback) }, out)
      return
    case "Variadic": case "KeyValueMap":
      collectOptions(node.argumentOption, { ...wraps, repeated: true }, out)
      return
    case "Single": {
      const name = node.name as string
      // A command may define its own option under a setting's name (models --models-dir): only the table's own is one.
      const setting = settingOfFlag(name)
      if (setting && textOf(node.description) === setting.description) {
        const facts = settingHelp(setting)
        out.push({
          flag: `--${name}`,
          aliases: [],
          value: `<${facts.type}>`,
          description: setting.description,
          facts: [`default ${facts.default}`, `env ${facts.env}`, `config ${facts.configKey}`],
          group: facts.group
        })
        return
      }
      const facts = [
        ...(wraps.fallback !== null ? [`default ${wraps.fallback}`] : []),
        ...(wraps.repeated ? ["repeatable"] : [])
      ]
      out.push({
        flag: `--${name}`,
        aliases: (node.aliases as ReadonlyArray<string>).map((a) => (a.length === 1 ? `-${a}` : `--${a}`)),
        value: isNode(node.pseudoName) && node.pseudoName._tag === "Some"
          ? `<${String(node.pseudoName.value)}>`
          : primitiveValue(node.primitiveType as Node),
        description: textOf(node.description),
        facts,
        group: groupOfOption[name] ?? "options"
      })
    }
  }
}

const collectArgs = (node: unknown, out: Array<string>) => {
  if (!isNode(node)) return
  if (node._tag === "Single") out.push(textOf(node.pseudoName) || String(node.name))
  for (const key of ["args", "left", "right"]) collectArgs(node[key], out)
}

/** The help of a command descriptor and of its subcommands. */
export const commandHelp = (descriptor: unknown): CommandHelp => {
  if (!isNode(descriptor)) return { name: "", description: "", options: [], args: [], subcommands: [] }
  if (descriptor._tag === "Map") return commandHelp(descriptor.command)
  if (descriptor._tag === "Subcommands") {
    const parent = commandHelp(descriptor.parent)
    return { ...parent, subcommands: (descriptor.children as ReadonlyArray<unknown>).map(commandHelp) }
  }
  const options: Array<OptionHelp> = []
  collectOptions(descriptor.options, { repeated: false, fallback: null }, options)
  const args: Array<string> = []
  collectArgs(descriptor.args, args)
  const seen = new Set<string>()
  return {
    name: String(descriptor.name),
    description: textOf(descriptor.description),
    // A flag defined twice (a shared option set spread twice) is shown once.
    options: options.filter((o) => (seen.has(o.flag) ? false : (seen.add(o.flag), true))),
    args,
    subcommands: []
  }
}

export const helpOf = (command: Command.Command<string, never, never, unknown> | { readonly descriptor: unknown }) =>
  commandHelp((command as { readonly descriptor: unknown }).descriptor)

/** Words wrapped to `width` columns after `indent` spaces. */
export const wrap = (text: string, indent: number, width: number): Array<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && indent + line.length + 1 + word.length > width) {
      lines.push(" ".repeat(indent) + line)
      line = word
    } else line = line === "" ? word : `${line} ${word}`
  }
  if (line !== "") lines.push(" ".repeat(indent) + line)
  return lines
}

const groupOrder = ["options", ...settingGroups]

const renderOption = (o: OptionHelp, width: number): Array<string> => [
  ...wrap([[o.flag, ...o.aliases].join(", "), o.value].filter((p) => p !== "").join(" "), 2, width),
  ...wrap(o.description, 6, width),
  ...(o.facts.length > 0 ? wrap(o.facts.join("; "), 6, width) : [])
]

/** `kidvoice <path> --help`: what it does, its usage, and its options by section. */
export const renderCommandHelp = (program: string, path: ReadonlyArray<string>, help: CommandHelp, width: number): string => {
  const usage = [program, ...path, ...(help.subcommands.length > 0 ? ["<command>"] : []), ...help.args.map((a) => `<${a}>`), "[options]"]
  const lines = [...wrap(`${[program, ...path].join(" ")}: ${help.description}`, 0, width), "", ...wrap(`Usage: ${usage.join(" ")}`, 0, width)]
  if (help.subcommands.length > 0) {
    lines.push("", "Commands")
    const nameWidth = Math.max(...help.subcommands.map((c) => c.name.length)) + 2
    for (const c of help.subcommands) {
      const [first = "", ...rest] = wrap(c.description, 2 + nameWidth + 2, width)
      lines.push(`  ${c.name.padEnd(nameWidth)}  ${first.trimStart()}`, ...rest)
    }
  }
  const groups = [...new Set(help.options.map((o) => o.group))].sort((a, b) => groupOrder.indexOf(a) - groupOrder.indexOf(b))
  for (const group of groups) {
    lines.push("", group === "options" ? "Options" : group[0]!.toUpperCase() + group.slice(1))
    for (const o of help.options.filter((option) => option.group === group)) lines.push(...renderOption(o, width))
  }
  return lines.join("\n")
}

/** The top-level help's closing notes: where settings come from, and what the exit codes mean. */
export const helpFooter = (program: string, width: number): string =>
  [
    "",
    ...wrap(`Run ${program} <command> --help for a command's options.`, 0, width),
    ...wrap(
      "Settings come from their defaults, then a JSON file (--config or KIDVOICE_CONFIG; its keys are the `config` names " +
        "in each command's help), " +
        `then KIDVOICE_* environment variables, then flags; ${program} config --print shows the settings in force and where each came from.`,
      0,
      width
    ),
    ...wrap("Exit codes: 0 all done; 1 a setup or usage error; 2 finished with failed items (their count printed); 130 interrupted.", 0, width),
    ...wrap("Options of the argument parser itself: --help, -h, --version, --completions bash|sh|fish|zsh.", 0, width)
  ].join("\n")

/** Edit distance, for suggestions. */
const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}

/** The known name closest to `name`, if close enough to be a likely typo. Pure. */
export const closest = (name: string, known: ReadonlyArray<string>): string | null => {
  const ranked = known.map((k) => ({ k, d: distance(name, k) })).sort((a, b) => a.d - b.d)
  const best = ranked[0]
  if (best && best.d <= Math.max(2, Math.floor(name.length / 3))) return best.k
  const prefixed = known.filter((k) => k.startsWith(name) || name.startsWith(k))
  return prefixed.length === 1 ? prefixed[0]! : null
}

/** Flags the argument parser itself answers, on every command. */
const builtInFlags = ["--help", "-h", "--version", "--wizard", "--completions", "--log-level"]

/** What the command line asks of the help, found before the parser runs. Pure. */
export type HelpRequest =
  | { readonly _tag: "Help"; readonly path: ReadonlyArray<string>; readonly help: CommandHelp }
  | { readonly _tag: "UnknownFlag"; readonly path: ReadonlyArray<string>; readonly flag: string; readonly suggestion: string | null }
  | { readonly _tag: "UnknownCommand"; readonly name: string; readonly suggestion: string | null }
  /** A flag that takes a value given none (the last word), or a value outside its choices (`--log-level loud`). */
  | { readonly _tag: "BadValue"; readonly path: ReadonlyArray<string>; readonly flag: string; readonly problem: string }
  | { readonly _tag: "None" }

export const helpRequest = (root: CommandHelp, args: ReadonlyArray<string>): HelpRequest => {
  let help = root
  const path: Array<string> = []
  let i = 0
  for (; i < args.length; i++) {
    const next = help.subcommands.find((c) => c.name === args[i])
    if (!next) break
    help = next
    path.push(next.name)
  }
  const rest = args.slice(i)
  const end = rest.indexOf("--")
  const flags = (end === -1 ? rest : rest.slice(0, end)).filter((a) => a.startsWith("-") && a !== "-")
  if (flags.includes("--help") || flags.includes("-h") || (rest.length === 0 && help.subcommands.length > 0)) {
    return { _tag: "Help", path, help }
  }
  const first = rest[0]
  if (help.subcommands.length > 0 && first !== undefined && !first.startsWith("-")) {
    return { _tag: "UnknownCommand", name: first, suggestion: closest(first, help.subcommands.map((c) => c.name)) }
  }
  if (help.subcommands.length > 0) return { _tag: "None" }
  const known = [...help.options.flatMap((o) => [o.flag, ...o.aliases]), ...builtInFlags]
  // A boolean setting is a switch: shown as `<switch>` beside the settings' types, it takes no value.
  const takesValue = new Set([
    ...help.options.filter((o) => o.value !== "" && o.value !== "<switch>").flatMap((o) => [o.flag, ...o.aliases]),
    "--log-level",
    "--completions"
  ])
  const tokens = end === -1 ? rest : rest.slice(0, end)
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!
    if (!token.startsWith("-") || token === "-") continue
    const flag = token.split("=")[0]!
    if (known.includes(flag)) {
      if (!takesValue.has(flag)) continue
      const option = help.options.find((o) => o.flag === flag || o.aliases.includes(flag))
      const value = token.includes("=") ? token.slice(flag.length + 1) : tokens[++t] // its value may look like a flag ("-23", "-x")
      if (value === undefined) return { _tag: "BadValue", path, flag, problem: `needs a value${option ? ` (${option.value})` : ""}` }
      // A choice's value is shown as its alternatives, `a|b|c`; a typed value as `<type>`.
      const choices = option && !option.value.startsWith("<") ? option.value.split("|") : null
      if (choices && !choices.includes(value)) {
        const suggestion = closest(value, choices)
        return { _tag: "BadValue", path, flag, problem: `is one of ${choices.join(", ")}, not "${value}"${suggestion ? `; did you mean ${suggestion}?` : ""}` }
      }
      continue
    }
    return { _tag: "UnknownFlag", path, flag, suggestion: closest(flag, known.filter((k) => k.startsWith("--"))) }
  }
  return { _tag: "None" }
}
