import { Data, Effect, Layer } from "effect"
import { constants, promises as fs } from "node:fs"
import { resolve } from "node:path"
import { installedCards, selectedTranscriberCard } from "../analyze/installedModels.js"
import { modelsDir as shippedModelsDir } from "../analyze/ModelCard.js"
import { Transcriber } from "../analyze/Transcriber.js"
import type { KidvoiceConfig } from "../domain/Config.js"
import type { ReadinessLine } from "../download/ytDlpReadiness.js"
import { inspectYtDlp, ytDlpReadiness } from "../download/ytDlpSetup.js"
import { reserveBytes } from "../files/diskSpace.js"
import { runProgram } from "../media/ProgramRun.js"
import { analyzerLayer } from "../pipeline/layers.js"

/** `doctor --ready` found a line that stops the work: the exit code says so to scripts. */
export class NotReady extends Data.TaggedError("NotReady")<{ readonly failing: ReadonlyArray<string> }> {
  override get message() {
    return `not ready: ${this.failing.join(", ")} (see the table above for the command that fixes each)`
  }
}

/** Below this much free space in --out a long run soon stops for disk (about 9 hours of 16 kHz WAV). */
const lowDiskBytes = 1024 ** 3

const toolVersion = (program: "ffmpeg" | "ffprobe") =>
  runProgram(program, ["-version"], { stdin: "ignore", timeout: 30_000, encoding: "utf8" }).pipe(
    Effect.map((result): ReadinessLine => {
      const first = String(result.stdout ?? "").split("\n")[0] ?? ""
      return result.failed || !first.startsWith(`${program} version`)
        ? { check: program, status: "fail", detail: `cannot be run (${result.shortMessage ?? "no version line"})`, fix: "apt-get install ffmpeg" }
        : { check: program, status: "ok", detail: first.split(" ").slice(0, 3).join(" "), fix: null }
    })
  )

/** The models the settings choose, loaded for real: each checksum and each session's inputs checked against its card. */
const modelsLine = (config: KidvoiceConfig) =>
  Effect.gen(function* () {
    const dir = config.models.dir ?? shippedModelsDir
    const cards = yield* installedCards(dir)
    const names = cards.map((c) => `${c.name} (${c.task})`).join(", ") || "none"
    // The speech recogniser too, when --asr chooses one: curate loads it, and a bad card should show before a run.
    const asr = Effect.flatMap(selectedTranscriberCard(config.models), (card) =>
      card === null ? Effect.void : Layer.build(Transcriber.layerFromCard(card.path)))
    return yield* Layer.build(analyzerLayer(config.models)).pipe(
      Effect.zipRight(asr),
      Effect.scoped,
      Effect.as<ReadinessLine>({ check: "models", status: "ok", detail: `verified in ${dir}: ${names}`, fix: null }),
      Effect.catchAll((e) => Effect.succeed<ReadinessLine>({
        check: "models", status: "fail", detail: `${dir}: ${e.message}`, fix: "kidvoice models list (then kidvoice models install NAME)"
      }))
    )
  })

/** Free space where the work goes (the nearest existing folder of --out, which need not exist yet). */
const diskLine = (out: string) =>
  Effect.promise(async (): Promise<ReadinessLine> => {
    let at = resolve(out)
    while (!(await fs.stat(at).then(() => true, () => false))) at = resolve(at, "..")
    const stats = await fs.statfs(at)
    const free = stats.bavail * stats.bsize
    const detail = `${(free / 1024 ** 3).toFixed(1)} GiB free in ${at}`
    if (free < reserveBytes * 2) return { check: "disk", status: "fail", detail, fix: `free space in ${at}, or point --out elsewhere` }
    if (free < lowDiskBytes) return { check: "disk", status: "warn", detail: `${detail}: about ${Math.floor(free / 32000 / 3600)} h of audio`, fix: `free space in ${at}` }
    return { check: "disk", status: "ok", detail, fix: null }
  })

const cookiesLine = (cookiesFile: string | null) =>
  cookiesFile === null
    ? Effect.succeed<ReadinessLine>({ check: "cookies", status: "ok", detail: "none given (needed once YouTube asks for a sign-in or bot check)", fix: null })
    : Effect.promise(() => fs.access(cookiesFile, constants.R_OK).then(
      (): ReadinessLine => ({ check: "cookies", status: "ok", detail: `${cookiesFile} readable`, fix: null }),
      (e: { code?: string }): ReadinessLine => ({
        check: "cookies", status: "fail", detail: `${cookiesFile} cannot be read (${e.code ?? "error"})`,
        fix: "export cookies.txt from a logged-in browser (Netscape format) to that path, or leave --cookies out"
      })
    ))

/** Every line of the readiness table, checked at once where independent. */
export const readinessTable = (config: KidvoiceConfig) =>
  Effect.gen(function* () {
    const choices = config.download
    const ytDlp = yield* inspectYtDlp(config.ytDlpPath, choices).pipe(
      Effect.map((setup) => ytDlpReadiness(setup, null, choices)),
      Effect.catchTag("YtDlpNotFound", (e) => Effect.succeed(ytDlpReadiness(null, e.detail, choices)))
    )
    const rest = yield* Effect.all(
      [toolVersion("ffmpeg"), toolVersion("ffprobe"), modelsLine(config), diskLine(config.out), cookiesLine(config.download.cookiesFile)],
      { concurrency: "unbounded" }
    )
    return [...ytDlp, ...rest]
  })

const mark = { ok: "ok  ", warn: "warn", fail: "FAIL" } as const

/** The table as text: one line a check, and under each problem the command that fixes it. */
export const renderReadiness = (lines: ReadonlyArray<ReadinessLine>): string => {
  const width = Math.max(...lines.map((l) => l.check.length))
  return lines.map((l) => `${mark[l.status]}  ${l.check.padEnd(width)}  ${l.detail}` + (l.fix === null ? "" : `\n      ${" ".repeat(width)}  fix: ${l.fix}`)).join("\n")
}

/** Fails with NotReady when a line fails: the run would not get YouTube's audio, or not get far. */
export const requireReady = (lines: ReadonlyArray<ReadinessLine>) => {
  const failing = lines.filter((l) => l.status === "fail").map((l) => l.check)
  return failing.length === 0 ? Effect.void : Effect.fail(new NotReady({ failing }))
}
