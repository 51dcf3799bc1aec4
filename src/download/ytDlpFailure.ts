/** What a failed yt-dlp run means for the manifest, read from its stderr. Pure, so every rule has a test. */

/**
 * permanent: the video will not become fetchable by asking again (recorded once as skipped, with `reason`);
 * rate-limited: the host refuses us, not the video (the whole stage slows down, the row stays retryable);
 * offline: no host could be reached (name resolution, connection refused): this machine's network, not the video;
 * setup: YouTube's formats were withheld from this yt-dlp (its challenge unsolved, no JavaScript runtime, streams it
 * cannot read), or it no longer understands YouTube's page: this machine's yt-dlp, almost surely not the video, and
 * every other video the same until it is fixed;
 * upcoming: a premiere or live event that has not started (tried again when yt-dlp says it starts: `upcomingStartsIn`);
 * transient: a blip on the way (retried later with backoff); unknown: retried, as the safer guess.
 */
export type YtDlpFailureKind = "permanent" | "rate-limited" | "offline" | "setup" | "upcoming" | "transient" | "unknown"

export interface YtDlpFailureClass {
  readonly kind: YtDlpFailureKind
  readonly retryable: boolean
  /** Why, in a few words a person can count by ("private", "removed", "HTTP 429", "timeout"). */
  readonly reason: string
}

type Rule = readonly [RegExp, string]

// Checked first: a 429 page may also say "unable to download", a bot check also says "sign in".
const rateLimited: ReadonlyArray<Rule> = [
  [/HTTP Error 429|too many requests/i, "HTTP 429"],
  [/confirm you.re not a bot/i, "bot check"],
  // YouTube's answer to a session it throttles, newer yt-dlp prints it as is.
  [/content isn.t available, try again later/i, "try again later"]
]

// Before the rest: an unreachable network says nothing about the video, whatever else the message holds.
const offline: ReadonlyArray<Rule> = [
  [/temporary failure in name resolution|name or service not known|nodename nor servname|no address associated with hostname|getaddrinfo failed|failed to resolve/i,
    "name resolution failed"],
  [/network is unreachable|no route to host/i, "network unreachable"],
  [/connection refused/i, "connection refused"]
]

/** What to tell a person when the network seems down: the likely cause and what happens to the video. */
export const offlineHint = "no network? the host could not be resolved or reached; check this machine's connection (or --proxy). " +
  "The video stays queued: the next run retries it"

/** What an extraction that yielded no usable format says when the cause is yt-dlp's set-up (its warnings). */
const withheldFormats: ReadonlyArray<Rule> = [
  [/no supported javascript runtime|javascript runtime could not be found/i, "no JavaScript runtime"],
  [/(n|signature) challenge solving failed|signature solving failed|challenge solver/i, "YouTube's challenge unsolved"],
  [/forcing SABR streaming|PO Token/i, "streams this yt-dlp cannot read"],
  [/only images are available/i, "only images offered"]
]
const noFormat = /requested format is not available|no video formats found|only images are available/i
/** An error (not a warning) saying yt-dlp no longer understands YouTube's page: an extractor older than the site. */
const outdatedExtractor = /^ERROR:.*unable to extract (yt initial data|initial player response|universal data)/im

/** How to fix a yt-dlp that YouTube withholds its formats from, for the error a person reads. */
export const setupHint = "this machine's yt-dlp, not the video: update it (bash scripts/setup-yt-dlp.sh puts a current yt-dlp with " +
  "its challenge scripts in .venv/), check `kidvoice doctor --ready`, then `kidvoice retry --tag YtDlpSetupOutdated` and run again. " +
  "The video keeps its retry meanwhile"

/** A premiere or scheduled live event not begun: "This live event will begin in 5 hours.", "Premieres in 2 days". */
const upcoming = /^ERROR:.*(live event will begin|premieres? in\b|premiere will begin)/im

const secondsPer: Readonly<Record<string, number>> = { minute: 60, hour: 3600, day: 86_400, week: 604_800, month: 2_592_000, year: 31_536_000 }

/**
 * How long until an upcoming video starts, in seconds, from yt-dlp's words ("in 40 minutes", "in 3 weeks"); "a few
 * moments", "shortly" or words it does not parse: 10 minutes, a short wait that spends no attempt either.
 */
export const upcomingStartsIn = (stderr: string): number => {
  const match = /(?:begin|premieres?) in (\d+) (minute|hour|day|week|month|year)s?\b/i.exec(stderr)
  return match ? Number(match[1]) * secondsPer[match[2]!.toLowerCase()]! : 600
}

// In order: "Private video. Sign in if you've been granted access" is private, not sign-in.
const permanent: ReadonlyArray<Rule> = [
  [/private video/i, "private"],
  [/members[- ]only|join this channel/i, "members-only"],
  [/confirm your age|age[- ]restricted|inappropriate for some users/i, "age-restricted"],
  [/not (made this video )?available (in|from) your (country|location)|geo[- ]?restrict/i, "geo-blocked"],
  [/copyright (claim|grounds)/i, "copyright"],
  [/has been removed|account .*(terminated|closed)|no longer available|video unavailable|HTTP Error 410/i, "removed"],
  [/sign in to view|login required|requires? (authentication|login)|only available for registered users|HTTP Error 401/i, "sign-in required"],
  [/HTTP Error 404/i, "not found"],
  [/unsupported url/i, "unsupported URL"],
  [/no video formats found|requested format is not available/i, "no audio format"]
]

const transient: ReadonlyArray<Rule> = [
  [/HTTP Error 5\d\d/i, "HTTP 5xx"],
  // YouTube answers 403 to expired stream URLs and throttled clients: a later try (or a newer yt-dlp) gets through.
  [/HTTP Error 403/i, "HTTP 403"],
  [/timed? ?out|stalled/i, "timeout"],
  [/connection (reset|aborted)|broken pipe|remote end closed/i, "connection lost"],
  [/incomplete ?read|\d+ bytes read, \d+ more expected|downloaded \d+ bytes, expected \d+ bytes|content-length mismatch|did not match the expected/i, "truncated"],
  [/unable to download/i, "download failed"]
]

const firstMatch = (rules: ReadonlyArray<Rule>, text: string) => rules.find(([pattern]) => pattern.test(text))?.[1]

export const classifyYtDlpFailure = (stderr: string): YtDlpFailureClass => {
  const limited = firstMatch(rateLimited, stderr)
  if (limited) return { kind: "rate-limited", retryable: true, reason: limited }
  const unreachable = firstMatch(offline, stderr)
  if (unreachable) return { kind: "offline", retryable: true, reason: unreachable }
  // Before "no audio format": a video with no format at all is rare, a yt-dlp YouTube no longer serves is not.
  const withheld = noFormat.test(stderr) ? firstMatch(withheldFormats, stderr) : undefined
  if (withheld) return { kind: "setup", retryable: true, reason: withheld }
  if (outdatedExtractor.test(stderr)) return { kind: "setup", retryable: true, reason: "YouTube's page not understood" }
  if (upcoming.test(stderr)) return { kind: "upcoming", retryable: true, reason: "not started yet" }
  const gone = firstMatch(permanent, stderr)
  if (gone) return { kind: "permanent", retryable: false, reason: gone }
  const blip = firstMatch(transient, stderr)
  if (blip) return { kind: "transient", retryable: true, reason: blip }
  return { kind: "unknown", retryable: true, reason: "unrecognised error" }
}

/** yt-dlp's ERROR lines, which say what went wrong, without its progress chatter or its bug-report boilerplate. */
export const ytDlpErrorLines = (stderr: string): string => {
  const errors = stderr.split("\n").filter((l) => l.startsWith("ERROR:")).map((l) => l.replace(/;? ?please report this issue.*$/i, ""))
  return (errors.length > 0 ? errors : stderr.split("\n").filter((l) => l.trim() !== "").slice(-2)).join(" | ").slice(0, 1000)
}

/**
 * The warning worth a person's attention in a run that succeeded, with its class: the host starting to refuse
 * us (bot check, 429) or asking for a sign-in shows up as a WARNING before it becomes an ERROR. null: none.
 */
export const ytDlpWarning = (stderr: string): string | null => {
  const warnings = stderr.split("\n").filter((l) => l.startsWith("WARNING:"))
  for (const line of warnings) {
    const failure = classifyYtDlpFailure(line)
    if (failure.kind === "rate-limited" || failure.reason === "sign-in required") return `${failure.reason}: ${line.slice(0, 300)}`
  }
  return null
}
