/** What yt-dlp's version (`yt-dlp --version`, a release date such as 2025.11.12) means for this run. Pure. */

/** YouTube changes often enough that a yt-dlp older than this usually fails on it; other sites age slower. */
export const staleAfterDays = 90

/** The first release with `--js-runtimes`: YouTube now needs a JavaScript runtime to solve its challenges. */
export const jsRuntimesSince = "2025.11.12"

export interface YtDlpVersionAdvice {
  readonly version: string
  /** Days between the release and today, or null for a version that is not a release date (a git build). */
  readonly ageDays: number | null
  readonly supportsJsRuntimes: boolean
  /** Something to tell the user, or null when the version is fine. */
  readonly warning: string | null
}

const releaseDate = (version: string): Date | null => {
  // Releases are YYYY.MM.DD, nightlies add .HHMMSS or a build number; take the date part.
  const match = /^(\d{4})\.(\d{2})\.(\d{2})(\.\d+)?$/.exec(version.trim())
  if (!match) return null
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
  return Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(match[3]) ? null : date
}

export const ytDlpVersionAdvice = (version: string, today: Date): YtDlpVersionAdvice => {
  const released = releaseDate(version)
  if (released === null) {
    return {
      version,
      ageDays: null,
      supportsJsRuntimes: false,
      warning: `cannot tell the age of yt-dlp version "${version}"; YouTube needs a recent one (yt-dlp -U, or pip install -U yt-dlp)`
    }
  }
  const ageDays = Math.floor((today.getTime() - released.getTime()) / 86_400_000)
  const supportsJsRuntimes = released.getTime() >= releaseDate(jsRuntimesSince)!.getTime()
  const warning = ageDays > staleAfterDays
    ? `yt-dlp ${version} is ${ageDays} days old; YouTube breaks versions older than about ${staleAfterDays} days. ` +
      `Other sites and direct media URLs still work. Update it (yt-dlp -U, or pip install -U yt-dlp) or point --yt-dlp at a newer one.`
    : null
  return { version, ageDays, supportsJsRuntimes, warning }
}
