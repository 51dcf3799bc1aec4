import { Command, Options } from "@effect/cli"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { closest, helpOf, helpRequest, renderCommandHelp, wrap } from "../../src/cli/help.js"
import { settingOptions, pipelineSettings } from "../../src/cli/settings.js"

const fetch = Command.make("fetch", {
  ...settingOptions(pipelineSettings.filter((s) => s.flag === "download-concurrency" || s.flag === "min-child-share" || s.flag === "allow-file-urls")),
  input: Options.text("input").pipe(Options.withDescription("where to read"), Options.withPseudoName("path|url"), Options.repeated),
  format: Options.choice("format", ["csv", "json"]).pipe(Options.withDescription("output format"), Options.withDefault("csv" as const)),
  dry: Options.boolean("dry-run").pipe(Options.withDescription("change nothing"))
}, () => Effect.void).pipe(Command.withDescription("fetch things"))
const root = Command.make("tool").pipe(Command.withSubcommands([fetch]))

const byFlagOf = (help: ReturnType<typeof helpOf>) => Object.fromEntries(help.subcommands[0]!.options.map((o) => [o.flag, o]))

describe("help read off the command definitions", () => {
  const help = helpOf(root)
  const fetchHelp = help.subcommands[0]!

  it("finds every option with its value type, default, repeatability and, for settings, env name and config key", () => {
    const byFlag = Object.fromEntries(fetchHelp.options.map((o) => [o.flag, o]))
    expect(Object.keys(byFlag).sort()).toEqual(["--allow-file-urls", "--download-concurrency", "--dry-run", "--format", "--input", "--min-child-share"])
    expect(byFlag["--download-concurrency"]).toMatchObject({
      value: "<integer>",
      facts: ["default 4", "env KIDVOICE_DOWNLOAD_CONCURRENCY", "config downloadConcurrency"],
      group: "download"
    })
    expect(byFlag["--min-child-share"]).toMatchObject({ value: "<0-1>", group: "curation and clips" })
    expect(byFlag["--input"]).toMatchObject({ value: "<path|url>", description: "where to read", facts: ["repeatable"] })
    expect(byFlag["--format"]).toMatchObject({ value: "csv|json", facts: ["default csv"] })
    expect(byFlag["--dry-run"]).toMatchObject({ value: "", facts: [] })
  })

  it("renders within the width, with sections, and never the parser's filler text", () => {
    const text = renderCommandHelp("tool", ["fetch"], fetchHelp, 60)
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(60)
    expect(text).toContain("Usage: tool fetch [options]")
    expect(text).toMatch(/\nDownload\n {2}--download-concurrency <integer>\n/)
    expect(text).not.toContain("user-defined")
  })

  it("answers --help, names unknown flags and commands with the closest known one, and leaves the rest to the parser", () => {
    expect(helpRequest(help, ["fetch", "--help"])).toMatchObject({ _tag: "Help", path: ["fetch"] })
    expect(helpRequest(help, [])).toMatchObject({ _tag: "Help", path: [] })
    expect(helpRequest(help, ["fetch", "--inptu", "x"])).toEqual({ _tag: "UnknownFlag", path: ["fetch"], flag: "--inptu", suggestion: "--input" })
    expect(helpRequest(help, ["fetch", "--format=json", "--input", "-"])).toEqual({ _tag: "None" })
    expect(helpRequest(help, ["fetch", "--min-child-share", "-1"])).toEqual({ _tag: "None" })
    expect(helpRequest(help, ["fetch", "--input", "-weird-name", "--dry-run"])).toEqual({ _tag: "None" })
    expect(helpRequest(help, ["fetch", "--dry-run", "--inptu"])).toMatchObject({ _tag: "UnknownFlag", flag: "--inptu" })
    expect(helpRequest(help, ["fecth"])).toEqual({ _tag: "UnknownCommand", name: "fecth", suggestion: "fetch" })
  })

  it("says which flag lacks its value and which choice a value is not, before the parser's unnamed messages", () => {
    expect(helpRequest(help, ["fetch", "--input", "x", "--download-concurrency"])).toEqual({
      _tag: "BadValue", path: ["fetch"], flag: "--download-concurrency", problem: "needs a value (<integer>)"
    })
    expect(helpRequest(help, ["fetch", "--format", "jsno"])).toEqual({
      _tag: "BadValue", path: ["fetch"], flag: "--format", problem: 'is one of csv, json, not "jsno"; did you mean json?'
    })
    expect(helpRequest(help, ["fetch", "--format=xml"])).toMatchObject({ _tag: "BadValue", flag: "--format", problem: 'is one of csv, json, not "xml"' })
    expect(helpRequest(help, ["fetch", "--format", "json", "--dry-run"])).toEqual({ _tag: "None" })
    // A typed value is the settings' to check, where the message names the setting and where it came from.
    expect(helpRequest(help, ["fetch", "--download-concurrency", "many"])).toEqual({ _tag: "None" })
    // A boolean setting is a switch (shown `<switch>`): last on the line it lacks nothing, and it takes no word after it.
    expect(byFlagOf(help)["--allow-file-urls"]).toMatchObject({ value: "<switch>" })
    expect(helpRequest(help, ["fetch", "--input", "x", "--allow-file-urls"])).toEqual({ _tag: "None" })
    expect(helpRequest(help, ["fetch", "--allow-file-urls", "--format", "xml"])).toMatchObject({ _tag: "BadValue", flag: "--format" })
  })
})

describe("closest and wrap", () => {
  it("suggests a near name and nothing for a far one", () => {
    expect(closest("--out-dir", ["--out", "--input"])).toBe("--out")
    expect(closest("--zzzzzzzz", ["--out", "--input"])).toBeNull()
  })

  it("wraps words at the width, indented", () => {
    expect(wrap("aa bb cc dd", 2, 8)).toEqual(["  aa bb", "  cc dd"])
  })
})
