import { Schema } from "effect"
import { cpus } from "node:os"

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
  maxDurationSeconds: Schema.Number.pipe(Schema.positive())
}) {}

export class ClipRules extends Schema.Class<ClipRules>("ClipRules")({
  minSeconds: Schema.Number.pipe(Schema.positive()),
  maxSeconds: Schema.Number.pipe(Schema.positive()),
  mergeGapSeconds: NonNegative
}) {}

export class VadSettings extends Schema.Class<VadSettings>("VadSettings")({
  threshold: Probability,
  minSpeechMs: NonNegative,
  minSilenceMs: NonNegative,
  maxSegmentSeconds: Schema.Number.pipe(Schema.positive())
}) {}

export const LogFormat = Schema.Literal("pretty", "json")

export class KidvoiceConfig extends Schema.Class<KidvoiceConfig>("KidvoiceConfig")({
  out: Schema.NonEmptyTrimmedString,
  downloadConcurrency: PositiveInt,
  analysisConcurrency: PositiveInt,
  maxAttempts: PositiveInt,
  retryBaseSeconds: NonNegative,
  staleClaimMinutes: Schema.Number.pipe(Schema.positive()),
  rules: CurateRules,
  clips: ClipRules,
  vad: VadSettings,
  ytDlpPath: Schema.NonEmptyTrimmedString,
  logFormat: LogFormat
}) {}

export const defaultConfig = {
  out: "kidvoice-out",
  downloadConcurrency: 4,
  analysisConcurrency: Math.max(1, cpus().length),
  maxAttempts: 3,
  retryBaseSeconds: 30,
  staleClaimMinutes: 360,
  rules: {
    minChildSpeechSeconds: 5,
    minChildShare: 0.5,
    minChildScore: 0.5,
    allowedLanguages: [],
    minDurationSeconds: 3,
    maxDurationSeconds: 3 * 3600
  },
  clips: { minSeconds: 1, maxSeconds: 30, mergeGapSeconds: 0.6 },
  vad: { threshold: 0.5, minSpeechMs: 250, minSilenceMs: 300, maxSegmentSeconds: 30 },
  ytDlpPath: "yt-dlp",
  logFormat: "pretty"
} as const satisfies typeof KidvoiceConfig.Encoded
