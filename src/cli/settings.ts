import { Options } from "@effect/cli"
import { Data, Effect, Either, Option, ParseResult, Schema } from "effect"
import { promises as fs } from "node:fs"
import { defaultConfig, KidvoiceConfig } from "../domain/Config.js"

/**
 * One setting a user can give by flag, environment variable or config file; the one table all three, the help and
 * `kidvoice config --print` come from. The help's type, group and default are derived (see `settingHelp`) unless given.
 */
export interface Setting {
  readonly flag: string
  readonly path: ReadonlyArray<string>
  readonly kind: "text" | "number" | "list" | "boolean"
  readonly description: string
  /** What the help shows as the value's type when the derived one is wrong (e.g. "url"). */
  readonly type?: string
  /** What the help shows as the default when the config's default value would mislead (e.g. a computed one). */
  readonly defaultText?: string
  /** The environment variable, when not KIDVOICE_<FLAG>. */
  readonly env?: string
}

const setting = (
  flag: string,
  path: string,
  kind: Setting["kind"],
  description: string,
  extra: { readonly type?: string; readonly defaultText?: string; readonly env?: string } = {}
): Setting => ({
  flag,
  path: path.split("."),
  kind,
  description,
  ...extra
})

export const commonSettings: ReadonlyArray<Setting> = [
  setting("out", "out", "text", "working directory: manifest, audio, dataset, exports"),
  setting("manifest", "manifest", "text",
    "a PostgreSQL database for a manifest shared by many processes and machines (postgres://user:password@host:5432/db); unset: <out>/manifest.sqlite",
    { type: "url", defaultText: "<out>/manifest.sqlite", env: "KIDVOICE_DATABASE_URL" }),
  setting("log-format", "logFormat", "text", "pretty for people, json for one JSON object a line", { type: "pretty|json" })
]

export const pipelineSettings: ReadonlyArray<Setting> = [
  setting("download-concurrency", "downloadConcurrency", "number", "downloads at once"),
  setting("analysis-concurrency", "analysisConcurrency", "number", "analysis workers at once (CPU-bound)", {
    defaultText: `the core count (${defaultConfig.analysisConcurrency} here)`
  }),
  setting("max-attempts", "maxAttempts", "number", "tries per video before a retryable failure is final"),
  setting("retry-base-seconds", "retryBaseSeconds", "number", "first retry delay; doubles each attempt"),
  setting("stale-claim-minutes", "staleClaimMinutes", "number", "a claim older than this is taken back from a hung or remote worker"),
  setting("lease-seconds", "leaseSeconds", "number",
    "a claim's lease, renewed every third of it while its worker lives; a claim whose lease ran out is taken back by any process on any machine"),
  setting("min-child-speech-seconds", "rules.minChildSpeechSeconds", "number", "child speech a video needs to be accepted"),
  setting("min-child-share", "rules.minChildShare", "number", "share (0-1) of the speech that must be a child's"),
  setting("min-child-score", "rules.minChildScore", "number", "child-voice score (0-1) from which a segment counts as a child's"),
  setting("languages", "rules.allowedLanguages", "list", "comma-separated languages to keep (empty: any, unknown included)"),
  setting("min-duration-seconds", "rules.minDurationSeconds", "number", "shorter videos are rejected (skipped at discovery when the host declares the duration)"),
  setting("max-duration-seconds", "rules.maxDurationSeconds", "number", "longer videos are skipped before download (at discovery when the host declares the duration)"),
  setting("clip-min-seconds", "clips.minSeconds", "number", "shortest clip kept"),
  setting("clip-max-seconds", "clips.maxSeconds", "number", "longer speech is split into clips of at most this"),
  setting("clip-merge-gap-seconds", "clips.mergeGapSeconds", "number", "child speech closer than this is joined into one clip"),
  setting("clip-loudness-dbfs", "clips.loudnessDbfs", "number", "normalise clips cut from now on to this RMS level, e.g. -23 (peaks stay under -1 dBFS)"),
  setting("vad-threshold", "vad.threshold", "number", "speech probability (0-1) at which speech starts"),
  setting("models-dir", "models.dir", "text", "folder of installed models, as given to kidvoice models install (null: the shipped models/)"),
  setting("child-model", "models.childVoice", "text", "child-voice model card to use: a name, or auto (a learned model if installed, else the acoustic one)"),
  setting("language-model", "models.language", "text", "spoken-language model card: a name, auto (if one is installed) or none; without one, metadata and title decide"),
  setting("asr", "models.asr", "text", "transcribe clips without captions (text_source asr): auto (with an installed Whisper model that can), off, or a model card's name", { type: "auto|off|NAME" }),
  setting("upload-endpoint", "upload.endpoint", "text", "server to upload the dataset to (user:password@ in the URL or env KIDVOICE_UPLOAD_USER/KIDVOICE_UPLOAD_PASSWORD; token: env KIDVOICE_UPLOAD_TOKEN); run uploads when set"),
  setting("upload-concurrency", "upload.concurrency", "number", "clips uploaded at once"),
  setting("upload-timeout-seconds", "upload.requestTimeoutSeconds", "number", "limit for one upload request"),
  setting("upload-layout", "upload.layout", "text", "dataset (the dataset folder by WebDAV PUT/MKCOL) or content-addressed (clips at clips/<sha256>)"),
  setting("upload-retry-base-seconds", "upload.retryBaseSeconds", "number", "first pause after a failed upload request; doubles with each failure in a row, shared by all clips"),
  setting("metrics-port", "metricsPort", "number", "serve Prometheus metrics on 127.0.0.1:<port>/metrics while running"),
  setting("progress", "progress", "text",
    "auto: a live line on a terminal, else lines; tty: the live line; lines: a one-line summary every 30 s; off", { type: "auto|tty|lines|off" }),
  setting("yt-dlp", "ytDlpPath", "text", "the yt-dlp program to run (auto: the one scripts/setup.sh put in .venv/, else yt-dlp on PATH)"),
  setting("cookies", "download.cookiesFile", "text", "a Netscape cookies file for yt-dlp (members-only, age-gated videos, bot checks); must exist"),
  setting("proxy", "download.proxy", "text", "proxy for yt-dlp, e.g. http://host:3128 or socks5://host:1080"),
  setting("limit-rate", "download.limitRate", "text", "bandwidth per download, e.g. 500K or 1M (bytes a second)"),
  setting("sleep-requests", "download.sleepRequestsSeconds", "number", "seconds yt-dlp waits between its requests and before each download"),
  setting("requests-per-minute", "download.requestsPerMinute", "number", "downloads started a minute, shared by all download workers"),
  setting("rate-limit-pause-seconds", "download.rateLimitPauseSeconds", "number",
    "when the host says too many requests or asks for a bot check, all downloads pause this long, doubling while it keeps refusing"),
  setting("download-timeout", "download.timeoutSeconds", "number", "seconds without data before a download counts as stalled (retried later)"),
  setting("max-download-minutes", "download.maxMinutes", "number", "a download still running after this long is killed and retried later (null: no limit)"),
  setting("js-runtime", "download.jsRuntime", "text",
    "JavaScript runtime yt-dlp solves YouTube's challenges with: auto (the deno from npm, else Node >= 22), none, or yt-dlp's NAME[:PATH]"),
  setting("remote-components", "download.remoteComponents", "text",
    "yt-dlp --remote-components: auto (ejs:npm when the yt-dlp-ejs scripts are not installed), none, or e.g. ejs:github"),
  setting("allow-file-urls", "download.allowFileUrls", "boolean", "accept file:// URLs in URL lists (yt-dlp --enable-file-urls)"),
  setting("caption-languages", "download.captionLanguages", "list",
    "caption languages fetched with the media, creator's and automatic (yt-dlp --sub-langs; en-orig: the automatic track in the spoken language; empty: none)"),
  setting("require-transcript", "rules.requireTranscript", "text", "captions a video needs to be accepted: manual (the creator's), any (automatic too) or none")
]

/** Settings of discovery, for `discover` and `run`; duration bounds come from the curate rules (one truth for both). */
export const discoverySettings: ReadonlyArray<Setting> = [
  setting("search-limit", "discovery.searchLimit", "number", "videos taken from each --query search, channel or playlist"),
  setting("channel-explore-limit", "discovery.channelExploreLimit", "number", "videos taken from the channel of an accepted video, once per channel (0: no exploration)"),
  setting("youtube-api-url", "discovery.youtubeApiUrl", "text", "YouTube Data API v3 base URL (used when API keys are given)"),
  setting("relevance-language", "discovery.relevanceLanguage", "text", "Data API searches: prefer results in this language (ISO 639-1, e.g. vi)"),
  setting("region-code", "discovery.regionCode", "text", "Data API searches: results for this region (ISO 3166-1, e.g. VN)")
]

export const envName = (s: Setting) => s.env ?? `KIDVOICE_${s.flag.toUpperCase().replace(/-/g, "_")}`

const getPath = (object: unknown, path: ReadonlyArray<string>): unknown =>
  path.reduce<unknown>((at, key) => (at !== null && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined), object)

/**
 * Each setting as an optional text flag (a switch for a boolean): values are checked once, by the config schema,
 * whatever their source. The help (src/cli/help.ts) finds the type, default, env name and config key through
 * `settingOfFlag`.
 */
export const settingOptions = (settings: ReadonlyArray<Setting>) =>
  Object.fromEntries(settings.map((s) => [
    s.flag,
    s.kind === "boolean"
      ? Options.boolean(s.flag).pipe(
        Options.withDescription(s.description),
        Options.map((on) => (on ? Option.some("true") : Option.none<string>()))
      )
      : Options.text(s.flag).pipe(Options.withDescription(s.description), Options.optional)
  ])) as Record<string, Options.Options<Option.Option<string>>>

/** Every setting of the table, the one `loadConfig` layers. */
export const allSettings = (): ReadonlyArray<Setting> => [...commonSettings, ...pipelineSettings, ...discoverySettings]

export const settingOfFlag = (flag: string): Setting | undefined => allSettings().find((s) => s.flag === flag)

/** The help's sections for settings, in the order shown; a setting's section follows from its config key. */
export const settingGroups = ["workspace and logs", "workers and retries", "discovery", "download", "analysis", "curation and clips", "upload"] as const
export type SettingGroup = (typeof settingGroups)[number]

const groupOfPath: ReadonlyArray<readonly [RegExp, SettingGroup]> = [
  [/^(out|logFormat|progress|manifest)$/, "workspace and logs"],
  [/^(discovery\.|rules\.(min|max)DurationSeconds$)/, "discovery"],
  [/^(download\.|ytDlpPath$|downloadConcurrency$)/, "download"],
  [/^(analysisConcurrency$|vad\.|models\.)/, "analysis"],
  [/^(rules\.|clips\.)/, "curation and clips"],
  [/^upload\./, "upload"]
]

/** What the help says of a setting besides its description. Pure. */
export const settingHelp = (s: Setting) => {
  const key = s.path.join(".")
  const value = getPath(defaultConfig, s.path)
  const derivedType = s.kind === "boolean"
    ? "switch"
    : s.kind === "list"
    ? "list"
    : s.kind === "number"
    ? /seconds$|-timeout$|^sleep-requests$/.test(s.flag) ? "seconds" : /minutes$/.test(s.flag) ? "minutes" : /port$/.test(s.flag)
      ? "port" : /\(0-1\)/.test(s.description) ? "0-1" : Number.isInteger(value) && !/dbfs|threshold/.test(s.flag) ? "integer" : "number"
    : /^(out|models-dir|cookies|yt-dlp)$/.test(s.flag) ? "path" : /(url|endpoint|proxy)$/.test(s.flag) ? "url" : "text"
  const shown = s.defaultText ?? (value === null ? "none" : Array.isArray(value) ? (value.length === 0 ? "none (any)" : value.join(",")) : String(value))
  return {
    type: s.type ?? derivedType,
    default: shown,
    env: envName(s),
    configKey: key,
    group: groupOfPath.find(([pattern]) => pattern.test(key))?.[1] ?? "workers and retries"
  }
}

export const configFileOption = Options.file("config").pipe(
  Options.withDescription("a JSON file of settings, same names as the config schema (env KIDVOICE_CONFIG)"),
  Options.optional
)

export class ConfigError extends Data.TaggedError("ConfigError")<{
  readonly problems: ReadonlyArray<string>
}> {
  override get message() {
    return `invalid settings:\n${this.problems.map((p) => `  - ${p}`).join("\n")}\nSee --help for every setting and its default.`
  }
}

type Layered = { readonly value: unknown; readonly source: string }

const fromText = (s: Setting, text: string): unknown => {
  if (s.kind === "boolean" && /^(true|yes|1|false|no|0)$/i.test(text.trim())) return /^(true|yes|1)$/i.test(text.trim())
  if (s.kind === "list") return text.split(",").map((part) => part.trim()).filter((part) => part !== "")
  // Anything JavaScript reads as a finite number (".5", "1e-1"); the rest stays text for the schema to reject by name.
  if (s.kind === "number" && text.trim() !== "" && Number.isFinite(Number(text))) return Number(text)
  return text
}

const setPath = (target: Record<string, unknown>, path: ReadonlyArray<string>, value: unknown) => {
  let at = target
  for (const key of path.slice(0, -1)) {
    at[key] = { ...(at[key] as Record<string, unknown> | undefined) }
    at = at[key] as Record<string, unknown>
  }
  at[path.at(-1)!] = value
}

const readConfigFile = (path: string) =>
  Effect.tryPromise({ try: () => fs.readFile(path, "utf8"), catch: (e) => new ConfigError({ problems: [`config file ${path}: ${String(e)}`] }) }).pipe(
    Effect.flatMap((text) =>
      Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: (e) => new ConfigError({ problems: [`config file ${path} is not valid JSON: ${(e as Error).message}`] })
      })
    ),
    Effect.filterOrFail(
      (json): json is Record<string, unknown> => json !== null && typeof json === "object" && !Array.isArray(json),
      () => new ConfigError({ problems: [`config file ${path} must hold a JSON object`] })
    )
  )

const decodeConfig = Schema.decodeUnknownEither(KidvoiceConfig, { onExcessProperty: "error", errors: "all" })

/**
 * A value outside a set of choices is one issue per choice from Schema (`Expected "auto", actual "x"`, then "tty", ...):
 * said once instead, as the choices and what was given. Pure.
 */
export const joinLiteralIssues = <I extends { readonly path: ReadonlyArray<PropertyKey>; readonly message: string }>(issues: ReadonlyArray<I>): Array<I> => {
  const literal = /^Expected (".*"|\d+|true|false|null), actual (.*)$/s
  const out: Array<I> = []
  for (const issue of issues) {
    const match = literal.exec(issue.message)
    const previous = out.at(-1)
    const joined = previous && match && previous.path.join(".") === issue.path.join(".") && /^expected one of (.*); got (.*)$/s.exec(previous.message)
    const single = previous && match && previous.path.join(".") === issue.path.join(".") && literal.exec(previous.message)
    if (joined && joined[2] === match![2]) out[out.length - 1] = { ...previous!, message: `expected one of ${joined[1]}, ${match![1]}; got ${match![2]}` }
    else if (single && single[2] === match![2]) out[out.length - 1] = { ...previous!, message: `expected one of ${single[1]}, ${match![1]}; got ${match![2]}` }
    else out.push(issue)
  }
  return out
}

/**
 * The settings in force: defaults, then the config file, then KIDVOICE_* environment variables, then flags.
 * Every problem is reported with the field and where its value came from.
 */
export const loadConfig = (
  flags: Record<string, Option.Option<string>>,
  configFile: Option.Option<string>,
  env: Record<string, string | undefined> = process.env
) => Effect.map(loadConfigWithSources(flags, configFile, env), ({ config }) => config)

/** Where a setting's value in force came from. */
export interface SettingInForce {
  readonly flag: string
  readonly configKey: string
  readonly env: string
  readonly value: unknown
  /** "default", "file <path>", "env <NAME>" or "flag --<name>". */
  readonly source: string
}

/** Every setting of the table with its value in force and where that came from, for `kidvoice config --print`. */
export const settingsInForce = (
  flags: Record<string, Option.Option<string>>,
  configFile: Option.Option<string>,
  env: Record<string, string | undefined> = process.env
) =>
  Effect.map(loadConfigWithSources(flags, configFile, env), ({ config, sources }) =>
    allSettings().map((s): SettingInForce => {
      const key = s.path.join(".")
      const from = sources.get(key) ?? "default"
      return {
        flag: s.flag,
        configKey: key,
        env: envName(s),
        value: getPath(config, s.path),
        source: from.startsWith("config file ") ? `file ${from.slice("config file ".length)}` : from.startsWith("--") ? `flag ${from}` : from
      }
    }))

const loadConfigWithSources = (
  flags: Record<string, Option.Option<string>>,
  configFile: Option.Option<string>,
  env: Record<string, string | undefined>
) =>
  Effect.gen(function* () {
    const settings = allSettings()
    const filePath = Option.getOrUndefined(configFile) ?? env["KIDVOICE_CONFIG"]
    const file = filePath ? yield* readConfigFile(filePath) : {}
    const merged = structuredClone(defaultConfig) as unknown as Record<string, unknown>
    const sources = new Map<string, string>()
    for (const key of Object.keys(file)) {
      const value = file[key]
      if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        merged[key] = { ...(merged[key] as object | undefined), ...(value as object) }
        for (const inner of Object.keys(value)) sources.set(`${key}.${inner}`, `config file ${filePath}`)
      } else {
        merged[key] = value
        sources.set(key, `config file ${filePath}`)
      }
    }
    const layer = (s: Setting, given: Layered | undefined) => {
      if (!given) return
      setPath(merged, s.path, given.value)
      sources.set(s.path.join("."), given.source)
    }
    for (const s of settings) {
      const fromEnv = env[envName(s)]
      if (fromEnv !== undefined) layer(s, { value: fromText(s, fromEnv), source: `env ${envName(s)}` })
      const fromFlag = flags[s.flag]
      if (fromFlag && Option.isSome(fromFlag)) layer(s, { value: fromText(s, fromFlag.value), source: `--${s.flag}` })
    }
    const decoded = decodeConfig(merged)
    if (Either.isRight(decoded)) return { config: decoded.right, sources: sources as ReadonlyMap<string, string> }
    const problems = joinLiteralIssues(ParseResult.ArrayFormatter.formatErrorSync(decoded.left)).map((issue) => {
      const field = issue.path.join(".")
      const source = sources.get(field) ?? [...sources.entries()].find(([key]) => field.startsWith(`${key}.`))?.[1] ?? "default"
      return `${field || "(settings)"} (from ${source}): ${issue.message}`
    })
    return yield* new ConfigError({ problems })
  })
