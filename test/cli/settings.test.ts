import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConfigError, joinLiteralIssues, loadConfig } from "../../src/cli/settings.js"
import { defaultConfig } from "../../src/domain/Config.js"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "kidvoice-settings-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)
const configFile = (contents: unknown) =>
  Effect.map(tempDir, (dir) => {
    const path = join(dir, "kidvoice.json")
    writeFileSync(path, typeof contents === "string" ? contents : JSON.stringify(contents))
    return path
  })

const flags = (given: Record<string, string> = {}) =>
  Object.fromEntries(Object.entries(given).map(([k, v]) => [k, Option.some(v)])) as Record<string, Option.Option<string>>

const problem = (
  given: Record<string, Option.Option<string>>,
  file: Option.Option<string>,
  env: Record<string, string | undefined>
) =>
  Effect.gen(function* () {
    const error = yield* Effect.flip(loadConfig(given, file, env))
    expect(error).toBeInstanceOf(ConfigError)
    return error.message
  })

describe("loadConfig", () => {
  it.effect("gives the defaults when nothing is set", () =>
    Effect.gen(function* () {
      const config = yield* loadConfig({ "download-concurrency": Option.none() }, Option.none(), {})
      expect(config.downloadConcurrency).toBe(defaultConfig.downloadConcurrency)
      expect(config.out).toBe("kidvoice-out")
      expect(config.rules.minChildShare).toBe(defaultConfig.rules.minChildShare)
      expect(config.rules.allowedLanguages).toEqual([])
      expect(config.clips).toMatchObject(defaultConfig.clips)
      expect(config.vad).toMatchObject(defaultConfig.vad)
      expect(config.logFormat).toBe("pretty")
    }))

  it.scoped("takes flags over env over file over defaults", () =>
    Effect.gen(function* () {
      const path = yield* configFile({ downloadConcurrency: 2, maxAttempts: 7, retryBaseSeconds: 11 })
      const env = { KIDVOICE_DOWNLOAD_CONCURRENCY: "3", KIDVOICE_MAX_ATTEMPTS: "8" }
      const config = yield* loadConfig(flags({ "download-concurrency": "5" }), Option.some(path), env)
      expect(config.downloadConcurrency).toBe(5)
      expect(config.maxAttempts).toBe(8)
      expect(config.retryBaseSeconds).toBe(11)
      expect(config.staleClaimMinutes).toBe(defaultConfig.staleClaimMinutes)
      expect((yield* loadConfig({}, Option.some(path), env)).downloadConcurrency).toBe(3)
      expect((yield* loadConfig({}, Option.some(path), {})).downloadConcurrency).toBe(2)
    }))

  it.effect("reads every way of writing a number that people type", () =>
    Effect.gen(function* () {
      const config = yield* loadConfig(flags({ "min-child-share": ".5", "vad-threshold": "6e-1", "max-attempts": "+4" }), Option.none(), {})
      expect([config.rules.minChildShare, config.vad.threshold, config.maxAttempts]).toEqual([0.5, 0.6, 4])
    }))

  it.scoped("merges nested file settings with the defaults and with flags", () =>
    Effect.gen(function* () {
      const path = yield* configFile({ rules: { minChildShare: 0.8 }, clips: { maxSeconds: 12 } })
      const config = yield* loadConfig(flags({ "min-child-score": "0.7" }), Option.some(path), {})
      expect(config.rules).toMatchObject({ minChildShare: 0.8, minChildScore: 0.7, minChildSpeechSeconds: defaultConfig.rules.minChildSpeechSeconds })
      expect(config.clips).toMatchObject({ maxSeconds: 12, minSeconds: defaultConfig.clips.minSeconds })
    }))

  it.scoped("finds the config file through KIDVOICE_CONFIG, with the flag winning", () =>
    Effect.gen(function* () {
      const path = yield* configFile({ out: "from-env-file" })
      expect((yield* loadConfig({}, Option.none(), { KIDVOICE_CONFIG: path })).out).toBe("from-env-file")
      const dir = yield* tempDir
      const other = join(dir, "other.json")
      writeFileSync(other, JSON.stringify({ out: "from-flag-file" }))
      expect((yield* loadConfig({}, Option.some(other), { KIDVOICE_CONFIG: path })).out).toBe("from-flag-file")
    }))

  it.effect("reads lists as comma-separated", () =>
    Effect.gen(function* () {
      expect((yield* loadConfig(flags({ languages: "vi,en" }), Option.none(), {})).rules.allowedLanguages).toEqual(["vi", "en"])
      expect((yield* loadConfig(flags({ languages: " vi , ,en " }), Option.none(), {})).rules.allowedLanguages).toEqual(["vi", "en"])
      expect((yield* loadConfig({}, Option.none(), { KIDVOICE_LANGUAGES: "fr" })).rules.allowedLanguages).toEqual(["fr"])
      expect((yield* loadConfig(flags({ languages: "" }), Option.none(), { KIDVOICE_LANGUAGES: "fr" })).rules.allowedLanguages).toEqual([])
    }))

  it.effect("reads numbers and text from flags and env", () =>
    Effect.gen(function* () {
      const config = yield* loadConfig(
        flags({ "vad-threshold": "0.25", "clip-min-seconds": "2", "log-format": "json", "yt-dlp": "/opt/yt-dlp" }),
        Option.none(),
        { KIDVOICE_OUT: "/data/run", KIDVOICE_MIN_DURATION_SECONDS: " 4.5 " }
      )
      expect(config).toMatchObject({ out: "/data/run", logFormat: "json", ytDlpPath: "/opt/yt-dlp" })
      expect(config.vad.threshold).toBe(0.25)
      expect(config.clips.minSeconds).toBe(2)
      expect(config.rules.minDurationSeconds).toBe(4.5)
    }))

  it.effect("takes the download options from flags and env, and says what a bad rate or proxy should look like", () =>
    Effect.gen(function* () {
      const config = yield* loadConfig(
        flags({ cookies: "/home/me/cookies.txt", "limit-rate": "1.5M", "sleep-requests": "2", "requests-per-minute": "6" }),
        Option.none(),
        { KIDVOICE_PROXY: "socks5://127.0.0.1:1080", KIDVOICE_DOWNLOAD_TIMEOUT: "20" }
      )
      expect(config.download).toMatchObject({
        cookiesFile: "/home/me/cookies.txt", proxy: "socks5://127.0.0.1:1080", limitRate: "1.5M",
        sleepRequestsSeconds: 2, requestsPerMinute: 6, timeoutSeconds: 20, rateLimitPauseSeconds: 60
      })
      const rate = yield* problem(flags({ "limit-rate": "fast" }), Option.none(), {})
      expect(rate).toContain("download.limitRate (from --limit-rate)")
      expect(rate).toContain("500K or 1.5M")
      const proxy = yield* problem({}, Option.none(), { KIDVOICE_PROXY: "127.0.0.1:3128" })
      expect(proxy).toContain("download.proxy (from env KIDVOICE_PROXY)")
      expect(proxy).toContain("http://host:3128")
      expect(yield* problem(flags({ "requests-per-minute": "0" }), Option.none(), {})).toContain("download.requestsPerMinute")
    }))

  it.effect("takes yt-dlp's runtime choices and the file:// switch from flags and env; auto by default", () =>
    Effect.gen(function* () {
      const defaults = yield* loadConfig({}, Option.none(), {})
      expect(defaults.ytDlpPath).toBe("auto")
      expect(defaults.download).toMatchObject({ jsRuntime: "auto", remoteComponents: "auto", allowFileUrls: false })
      const config = yield* loadConfig(
        flags({ "js-runtime": "deno:/opt/deno", "allow-file-urls": "true" }),
        Option.none(),
        { KIDVOICE_REMOTE_COMPONENTS: "none" }
      )
      expect(config.download).toMatchObject({ jsRuntime: "deno:/opt/deno", remoteComponents: "none", allowFileUrls: true })
      expect((yield* loadConfig({}, Option.none(), { KIDVOICE_ALLOW_FILE_URLS: "no" })).download.allowFileUrls).toBe(false)
      expect(yield* problem({}, Option.none(), { KIDVOICE_ALLOW_FILE_URLS: "maybe" })).toContain("download.allowFileUrls (from env KIDVOICE_ALLOW_FILE_URLS)")
    }))

  it.effect("names the field and the flag of a bad flag value", () =>
    Effect.gen(function* () {
      for (const bad of ["abc", "-3", "0", "2.5"]) {
        const message = yield* problem(flags({ "download-concurrency": bad }), Option.none(), {})
        expect(message).toContain("downloadConcurrency")
        expect(message).toContain("--download-concurrency")
      }
      const share = yield* problem(flags({ "min-child-share": "1.5" }), Option.none(), { KIDVOICE_MIN_CHILD_SHARE: "0.2" })
      expect(share).toContain("rules.minChildShare")
      expect(share).toContain("--min-child-share")
      expect(share).not.toContain("env KIDVOICE_MIN_CHILD_SHARE")
      const format = yield* problem(flags({ "log-format": "xml" }), Option.none(), {})
      expect(format).toContain("logFormat")
      expect(format).toContain("--log-format")
    }))

  it.effect("names the environment variable of a bad env value", () =>
    Effect.gen(function* () {
      const message = yield* problem({}, Option.none(), { KIDVOICE_DOWNLOAD_CONCURRENCY: "abc" })
      expect(message).toContain("downloadConcurrency")
      expect(message).toContain("env KIDVOICE_DOWNLOAD_CONCURRENCY")
      const vad = yield* problem({}, Option.none(), { KIDVOICE_VAD_THRESHOLD: "2" })
      expect(vad).toContain("vad.threshold")
      expect(vad).toContain("env KIDVOICE_VAD_THRESHOLD")
    }))

  it.scoped("names the config file of a bad file value, and reports every problem", () =>
    Effect.gen(function* () {
      const path = yield* configFile({ downloadConcurrency: 0, rules: { minChildShare: 3 } })
      const message = yield* problem(flags({ "max-attempts": "x" }), Option.some(path), {})
      expect(message).toContain(`downloadConcurrency (from config file ${path})`)
      expect(message).toContain(`rules.minChildShare (from config file ${path})`)
      expect(message).toContain("maxAttempts (from --max-attempts)")
    }))

  it.scoped("rejects unknown keys in the config file, at the top and nested", () =>
    Effect.gen(function* () {
      const path = yield* configFile({ downloadConcurency: 3, rules: { minChildShares: 0.4 } })
      const message = yield* problem({}, Option.some(path), {})
      expect(message).toContain("downloadConcurency")
      expect(message).toContain("rules.minChildShares")
      expect(message).toContain(`config file ${path}`)
    }))

  it.scoped("rejects a config file that is not JSON or not an object, naming it", () =>
    Effect.gen(function* () {
      for (const contents of ["{ downloadConcurrency: 3 }", "[1, 2]", "null", "\"text\"", "42"]) {
        const path = yield* configFile(contents)
        const message = yield* problem({}, Option.some(path), {})
        expect(message).toContain(path)
        expect(message).toMatch(/not valid JSON|must hold a JSON object/)
      }
      const dir = yield* tempDir
      const missing = join(dir, "missing.json")
      expect(yield* problem({}, Option.some(missing), {})).toContain(`config file ${missing}`)
    }))
})

describe("joinLiteralIssues", () => {
  it("says a value outside a set of choices once, with the choices, and leaves other issues alone", () => {
    const issue = (path: Array<string>, message: string) => ({ path, message })
    expect(joinLiteralIssues([
      issue(["progress"], 'Expected "auto", actual "x"'),
      issue(["progress"], 'Expected "tty", actual "x"'),
      issue(["progress"], 'Expected "off", actual "x"'),
      issue(["downloadConcurrency"], 'Expected number, actual "y"'),
      issue(["logFormat"], 'Expected "json", actual "z"')
    ])).toEqual([
      issue(["progress"], 'expected one of "auto", "tty", "off"; got "x"'),
      issue(["downloadConcurrency"], 'Expected number, actual "y"'),
      issue(["logFormat"], 'Expected "json", actual "z"')
    ])
  })

  it.effect("a --progress outside its choices is one line naming them", () =>
    Effect.gen(function* () {
      const message = yield* problem(flags({ progress: "sometimes" }), Option.none(), {})
      expect(message).toContain('progress (from --progress): expected one of "auto", "tty", "lines", "off"; got "sometimes"')
      expect(message.split("\n").filter((line) => line.includes("progress"))).toHaveLength(1)
    }))
})
