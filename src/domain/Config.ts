import { Schema } from "effect"
import { cpus } from "node:os"
import { TranscriptRequirement } from "./Captions.js"

/** Vietnamese and English, creator's and automatic; `-orig` is YouTube's automatic track in the spoken language. */
const defaultCaptionLanguages = ["vi", "vi-orig", "en", "en-orig"]

const PositiveInt = Schema.Int.pipe(Schema.positive())
const NonNegative = Schema.Number.pipe(Schema.nonNegative())
const Probability = Schema.Number.pipe(Schema.between(0, 1))

/** Curate's rules: what makes a video's speech worth keeping. */
export class CurateRules extends Schema.Class<CurateRules>("CurateRules")({
  minChildSpeechSeconds: NonNegative,
  minChildShare: Probability,
  minChildScore: Probability,
  /** Empty means any language, `unknown` included. */
  allowedLanguages: Schema.Array(Schema.String),
  minDurationSeconds: NonNegative,
  maxDurationSeconds: Schema.Number.pipe(Schema.positive()),
  /** Captions a video must have to be accepted: `manual` (the creator's), `any` (automatic too) or `none`. */
  requireTranscript: Schema.optionalWith(TranscriptRequirement, { default: () => "none" as const })
}) {}

export class ClipRules extends Schema.Class<ClipRules>("ClipRules")({
  minSeconds: Schema.Number.pipe(Schema.positive()),
  maxSeconds: Schema.Number.pipe(Schema.positive()),
  mergeGapSeconds: NonNegative,
  /** RMS level (dBFS, e.g. -23) to normalise clips to, peaks kept under -1 dBFS; null leaves levels as recorded. */
  loudnessDbfs: Schema.NullOr(Schema.Number.pipe(Schema.between(-70, 0)))
}) {}

export class VadSettings extends Schema.Class<VadSettings>("VadSettings")({
  threshold: Probability,
  minSpeechMs: NonNegative,
  minSilenceMs: NonNegative,
  maxSegmentSeconds: Schema.Number.pipe(Schema.positive())
}) {}

export class UploadSettings extends Schema.Class<UploadSettings>("UploadSettings")({
  /** The clip server (see src/upload/Uploader.ts for its protocol); null: no upload. The token comes from KIDVOICE_UPLOAD_TOKEN. */
  endpoint: Schema.NullOr(Schema.NonEmptyTrimmedString),
  concurrency: PositiveInt,
  requestTimeoutSeconds: Schema.Number.pipe(Schema.positive()),
  /** `dataset`: the dataset folder under its own paths (WebDAV PUT + MKCOL); `content-addressed`: clips at clips/<sha256>. */
  layout: Schema.Literal("dataset", "content-addressed"),
  /** First pause after a failed upload request; it doubles with each failure in a row, shared by all clips. */
  retryBaseSeconds: Schema.Number.pipe(Schema.positive())
}) {}

export class ModelSettings extends Schema.Class<ModelSettings>("ModelSettings")({
  /** Folder of installed models (`kidvoice models install`); null: the shipped models/ folder. */
  dir: Schema.NullOr(Schema.NonEmptyTrimmedString),
  /** A model card's name, `auto` (the best installed), or for language `none` (title and metadata only). */
  childVoice: Schema.NonEmptyTrimmedString,
  language: Schema.NonEmptyTrimmedString,
  /** Speech recognition for clips without captions: `auto` (a Whisper card that can transcribe, if installed), `off`, or a card's name. */
  asr: Schema.optionalWith(Schema.NonEmptyTrimmedString, { default: () => "auto" })
}) {}

/** How remote audio is fetched: what yt-dlp is given, and how hard the video host is asked. */
export class DownloadSettings extends Schema.Class<DownloadSettings>("DownloadSettings")({
  /** A Netscape cookies file for yt-dlp (members-only, age-gated, bot checks); null: none. */
  cookiesFile: Schema.NullOr(Schema.NonEmptyTrimmedString),
  proxy: Schema.NullOr(Schema.NonEmptyTrimmedString.pipe(
    Schema.pattern(/^(https?|socks4a?|socks5h?):\/\//i, { message: () => "a proxy URL such as http://host:3128 or socks5://host:1080" })
  )),
  /** yt-dlp's --limit-rate: bytes a second per download, with K, M or G. */
  limitRate: Schema.NullOr(Schema.String.pipe(
    Schema.pattern(/^\d+(\.\d+)?[KMG]?$/i, { message: () => "a rate such as 500K or 1.5M (bytes a second)" })
  )),
  /** yt-dlp's --sleep-requests and --sleep-interval: seconds between one download's requests and before its media. */
  sleepRequestsSeconds: NonNegative,
  /** yt-dlp runs started a minute across all download workers. */
  requestsPerMinute: Schema.Number.pipe(Schema.positive()),
  /** The first pause of all downloads after the host refuses (429, bot check); doubles while it keeps refusing. */
  rateLimitPauseSeconds: Schema.Number.pipe(Schema.positive()),
  /** A connection silent this long is dropped (yt-dlp's --socket-timeout); a yt-dlp silent for 3× this is killed. */
  timeoutSeconds: Schema.Number.pipe(Schema.positive()),
  /**
   * A download still running after this many minutes is killed and retried later: a host that trickles bytes
   * is never silent, and would hold a download worker for ever. null: no limit.
   */
  maxMinutes: Schema.NullOr(Schema.Number.pipe(Schema.positive())),
  /** yt-dlp's JavaScript runtime for YouTube's challenges: auto (npm's deno, else Node >= 22), none, or yt-dlp's NAME[:PATH]. */
  jsRuntime: Schema.NonEmptyTrimmedString,
  /** yt-dlp's --remote-components: auto (ejs:npm when yt-dlp-ejs is not installed), none, or yt-dlp's value (ejs:github). */
  remoteComponents: Schema.NonEmptyTrimmedString,
  /** Accept file:// URLs in URL lists and let yt-dlp open them (--enable-file-urls): local archives, offline work. */
  allowFileUrls: Schema.Boolean,
  /** Caption languages fetched with the media (yt-dlp `--sub-langs`: `vi`, `en-orig`, regexes); empty: no captions. */
  captionLanguages: Schema.optionalWith(Schema.Array(Schema.String), { default: () => defaultCaptionLanguages })
}) {}

export class DiscoverySettings extends Schema.Class<DiscoverySettings>("DiscoverySettings")({
  /** Videos taken from each search, channel or playlist. */
  searchLimit: PositiveInt,
  /** Videos taken from the channel of an accepted video (each channel is explored once); 0 turns exploration off. */
  channelExploreLimit: Schema.Int.pipe(Schema.nonNegative()),
  /** The YouTube Data API's base URL, used when API keys are given (KIDVOICE_YOUTUBE_API_KEYS or --youtube-api-key). */
  youtubeApiUrl: Schema.NonEmptyTrimmedString,
  /** search.list hints: results relevant to this language (ISO 639-1, e.g. vi) and region (ISO 3166-1, e.g. VN). */
  relevanceLanguage: Schema.NullOr(Schema.NonEmptyTrimmedString),
  regionCode: Schema.NullOr(Schema.NonEmptyTrimmedString)
}) {}

export const LogFormat = Schema.Literal("pretty", "json")
/** How a run shows progress: auto (a live line on a terminal, else `lines`), tty, lines (one every 30 s), off. */
export const ProgressMode = Schema.Literal("auto", "tty", "lines", "off")

export class KidvoiceConfig extends Schema.Class<KidvoiceConfig>("KidvoiceConfig")({
  out: Schema.NonEmptyTrimmedString,
  downloadConcurrency: PositiveInt,
  analysisConcurrency: PositiveInt,
  maxAttempts: PositiveInt,
  retryBaseSeconds: NonNegative,
  staleClaimMinutes: Schema.Number.pipe(Schema.positive()),
  /** A claim's lease: renewed while its worker lives; one run out is taken back by any process on any host. */
  leaseSeconds: Schema.Number.pipe(Schema.greaterThanOrEqualTo(3)),
  /** A PostgreSQL URL for a manifest shared by many processes and machines; null: the SQLite file under `out`. */
  manifest: Schema.NullOr(Schema.NonEmptyTrimmedString),
  rules: CurateRules,
  clips: ClipRules,
  vad: VadSettings,
  upload: UploadSettings,
  models: ModelSettings,
  download: DownloadSettings,
  discovery: DiscoverySettings,
  /** Serve Prometheus metrics on 127.0.0.1:<port>/metrics during a run; null: files under reports/ only. */
  metricsPort: Schema.NullOr(Schema.Int.pipe(Schema.between(1, 65535))),
  ytDlpPath: Schema.NonEmptyTrimmedString,
  logFormat: LogFormat,
  progress: ProgressMode
}) {}

export const defaultConfig = {
  out: "kidvoice-out",
  downloadConcurrency: 4,
  analysisConcurrency: Math.max(1, cpus().length),
  maxAttempts: 3,
  retryBaseSeconds: 30,
  staleClaimMinutes: 360,
  leaseSeconds: 60,
  manifest: null,
  rules: {
    // minChildScore and minChildSpeechSeconds: as models/child-voice-acoustic.json chose them on held-out speakers.
    minChildSpeechSeconds: 1,
    minChildShare: 0.25,
    minChildScore: 0.775,
    allowedLanguages: [],
    minDurationSeconds: 3,
    maxDurationSeconds: 3 * 3600,
    requireTranscript: "none"
  },
  clips: { minSeconds: 1, maxSeconds: 30, mergeGapSeconds: 0.6, loudnessDbfs: null },
  vad: { threshold: 0.5, minSpeechMs: 250, minSilenceMs: 300, maxSegmentSeconds: 30 },
  upload: { endpoint: null, concurrency: 4, requestTimeoutSeconds: 120, layout: "dataset", retryBaseSeconds: 2 },
  models: { dir: null, childVoice: "auto", language: "auto", asr: "auto" },
  download: {
    cookiesFile: null,
    proxy: null,
    limitRate: null,
    sleepRequestsSeconds: 0,
    requestsPerMinute: 20,
    rateLimitPauseSeconds: 60,
    timeoutSeconds: 60,
    maxMinutes: 120,
    jsRuntime: "auto",
    remoteComponents: "auto",
    allowFileUrls: false,
    captionLanguages: defaultCaptionLanguages
  },
  discovery: {
    searchLimit: 50,
    channelExploreLimit: 50,
    youtubeApiUrl: "https://www.googleapis.com/youtube/v3",
    relevanceLanguage: null,
    regionCode: null
  },
  metricsPort: null,
  ytDlpPath: "auto",
  logFormat: "pretty",
  progress: "auto"
} as const satisfies typeof KidvoiceConfig.Encoded
