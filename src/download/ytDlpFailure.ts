/** What a failed yt-dlp run means for the manifest, read from its stderr. Pure, so every rule has a test. */

export type YtDlpFailureKind = "unavailable" | "rate-limited" | "transient" | "unknown"

export interface YtDlpFailureClass {
  readonly kind: YtDlpFailureKind
  readonly retryable: boolean
}

const unavailable = [
  /private video/i,
  /video unavailable/i,
  /has been removed/i,
  /members[- ]only/i,
  /sign in to confirm your age/i,
  /age[- ]restricted/i,
  /not available in your country/i,
  /geo[- ]?restrict/i,
  /unsupported url/i,
  /HTTP Error 40[134]/i,
  /HTTP Error 410/i,
  /no video formats found/i,
  /requested format is not available/i
]

const rateLimited = [/HTTP Error 429/i, /too many requests/i, /confirm you.re not a bot/i]

const transient = [
  /HTTP Error 5\d\d/i,
  /timed? ?out/i,
  /connection (reset|refused|aborted)/i,
  /temporary failure in name resolution/i,
  /network is unreachable/i,
  /incomplete ?read/i,
  /\d+ bytes read, \d+ more expected/i,
  /downloaded \d+ bytes, expected \d+ bytes/i,
  /content-length mismatch|did not match the expected/i,
  /unable to download/i
]

export const classifyYtDlpFailure = (stderr: string): YtDlpFailureClass => {
  // Rate limiting first: a 429 page may also say "unable to download".
  if (rateLimited.some((p) => p.test(stderr))) return { kind: "rate-limited", retryable: true }
  if (unavailable.some((p) => p.test(stderr))) return { kind: "unavailable", retryable: false }
  if (transient.some((p) => p.test(stderr))) return { kind: "transient", retryable: true }
  return { kind: "unknown", retryable: true }
}

/** yt-dlp's ERROR lines, which say what went wrong, without its progress chatter or its bug-report boilerplate. */
export const ytDlpErrorLines = (stderr: string): string => {
  const errors = stderr.split("\n").filter((l) => l.startsWith("ERROR:")).map((l) => l.replace(/;? ?please report this issue.*$/i, ""))
  return (errors.length > 0 ? errors : stderr.split("\n").filter((l) => l.trim() !== "").slice(-2)).join(" | ").slice(0, 1000)
}
