import { describe, expect, it } from "@effect/vitest"
import { ytDlpVersionAdvice } from "../../src/download/ytDlpVersion.js"

const today = new Date("2026-11-25T14:00:00Z")

describe("ytDlpVersionAdvice", () => {
  it("warns about Debian's 2023 yt-dlp, which has no --js-runtimes", () => {
    const advice = ytDlpVersionAdvice("2023.03.04\n", today)
    expect(advice).toMatchObject({ ageDays: 1362, supportsJsRuntimes: false })
    expect(advice.warning).toContain("1362 days old")
    expect(advice.warning).toContain("yt-dlp -U")
  })

  it("keeps quiet up to 90 days and warns from the 91st", () => {
    expect(ytDlpVersionAdvice("2026.08.27", today)).toMatchObject({ ageDays: 90, warning: null })
    expect(ytDlpVersionAdvice("2026.08.26", today).warning).toContain("91 days old")
  })

  it("passes --js-runtimes from the release that introduced it, nightlies included", () => {
    expect(ytDlpVersionAdvice("2025.11.12", today).supportsJsRuntimes).toBe(true)
    expect(ytDlpVersionAdvice("2025.10.22", today).supportsJsRuntimes).toBe(false)
    expect(ytDlpVersionAdvice("2026.11.20.232935", today)).toMatchObject({ ageDays: 5, supportsJsRuntimes: true, warning: null })
  })

  it("says it cannot tell the age of a version that is no release date, and assumes the old flags", () => {
    for (const version of ["", "abc", "2025.13.40", "2025.02.30"]) {
      const advice = ytDlpVersionAdvice(version, today)
      expect(advice).toMatchObject({ ageDays: null, supportsJsRuntimes: false })
      expect(advice.warning).toContain("cannot tell the age")
    }
  })
})
