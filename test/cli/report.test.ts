import { describe, expect, it } from "@effect/vitest"
import { histogramBins, renderReportHtml } from "../../src/cli/report.js"
import type { StatusReport } from "../../src/cli/status.js"

const status: StatusReport = {
  manifest: "/w/manifest.sqlite",
  total: 3,
  byState: { discovered: 0, downloading: 0, downloaded: 0, analyzing: 0, analyzed: 0, accepted: 2, rejected: 1, uploaded: 0, failed: 0, skipped: 0 },
  unfinished: 0,
  stages: {
    download: { done: 3, inFlight: 0, waiting: 0, failed: 0 },
    analyze: { done: 3, inFlight: 0, waiting: 0, failed: 0 },
    curate: { done: 3, inFlight: 0, waiting: 0, failed: 0 }
  },
  audioHours: 1,
  speechHours: 0.5,
  childSpeechHours: 0.25,
  clips: 10,
  clipHours: 0.2,
  failuresByTag: { "<script>": 1 },
  decodeWarnings: { count: 0, latest: [] },
  lastRun: null
}

describe("the HTML report", () => {
  it("draws one bar pair per score bin, lists hours per language, and escapes what it prints", () => {
    const accepted = Array.from({ length: histogramBins }, (_, i) => (i >= 14 ? 10 : 0))
    const rejected = Array.from({ length: histogramBins }, (_, i) => (i < 4 ? 5 : 0))
    const html = renderReportHtml({ status, segmentScores: { accepted, rejected }, clipHoursByLanguage: { vi: 0.15, cs: 0.05 } })
    expect(html.match(/<rect /g)?.length).toBe(2 * histogramBins)
    expect(html).toContain("<tr><td>vi</td><td>0.150</td></tr>")
    expect(html.indexOf(">vi<")).toBeLessThan(html.indexOf(">cs<"))
    expect(html).toContain("accepted: 10.0 s")
    expect(html).toContain("rejected: 5.0 s")
    expect(html).not.toContain("<script>")
    expect(html).toContain("&#60;script&#62;")
  })
})
