import { describe, expect, it } from "@effect/vitest"
import { renderDatasetCard, summaryBuilder } from "../../src/curate/datasetCard.js"
import { DatasetClip } from "../../src/domain/Analysis.js"
import { ClipRules, CurateRules } from "../../src/domain/Config.js"

const clip = (videoId: string, language: string, seconds: number, childScore: number, licence: string | null) =>
  DatasetClip.make({ fileName: `${language}/${videoId}_${seconds}.wav`, start: 0, end: seconds, childScore, language, videoId, sourceUrl: `https://x/${videoId}`, title: null, licence })

const rules = CurateRules.make({ minChildSpeechSeconds: 5, minChildShare: 0.5, minChildScore: 0.6, allowedLanguages: ["vi"], minDurationSeconds: 3, maxDurationSeconds: 3600 })
const clips = ClipRules.make({ minSeconds: 1, maxSeconds: 30, mergeGapSeconds: 0.6, loudnessDbfs: null })

describe("dataset card", () => {
  it("sums clips, hours, videos, languages, licences and scores across pages", () => {
    const summary = summaryBuilder()
    summary.add([clip("a", "vi", 1800, 0.95, "Creative Commons Attribution license (reuse allowed)"), clip("a", "vi", 1800, 0.65, "Creative Commons Attribution license (reuse allowed)")])
    summary.add([clip("b", "cs", 360, 0.7, null)])
    const result = summary.result()
    expect(result).toMatchObject({ clips: 3, seconds: 3960, videos: 2 })
    expect(result.byLanguage).toEqual({ vi: { clips: 2, seconds: 3600 }, cs: { clips: 1, seconds: 360 } })
    expect(result.byLicence).toEqual({ "Creative Commons Attribution license (reuse allowed)": { videos: 1, clips: 2 }, unknown: { videos: 1, clips: 1 } })
    expect(result.scoreHistogram).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 0, 1])
  })

  it("says what is in the dataset, how it was chosen, where it came from and the command that made it", () => {
    const summary = summaryBuilder()
    summary.add([clip("a", "vi", 1800, 0.95, "Standard YouTube License"), clip("b", "cs", 360, 0.7, null)])
    const card = renderDatasetCard(summary.result(), { rules, clips, classifier: "acoustic-child-voice" }, "kidvoice run --input x")
    expect(card).toContain("2 clips, 0.600 hours, from 2 videos")
    expect(card).toContain("| vi | 1 | 0.500 |")
    expect(card).toContain("| cs | 1 | 0.100 |")
    expect(card).toContain("| Standard YouTube License | 1 | 1 |")
    expect(card).toContain("| unknown | 1 | 1 |")
    expect(card).toContain("from a score of 0.6")
    expect(card).toContain("language among vi")
    expect(card).toContain("kidvoice run --input x")
    expect(card).toContain('load_dataset("audiofolder"')
    expect(card.split("---")[1]).toContain("drop_labels: true")
  })
})
