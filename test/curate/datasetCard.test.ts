import { describe, expect, it } from "@effect/vitest"
import { acceptedUnder } from "../../src/curate/Curator.js"
import { cardLicence, portableCommandLine, renderDatasetCard, sizeCategory, summaryBuilder, weakestRules } from "../../src/curate/datasetCard.js"
import { DatasetClip } from "../../src/domain/Analysis.js"
import { ClipRules, CurateRules } from "../../src/domain/Config.js"
import { metadataColumns } from "../../src/manifest/exports.js"

const rules = CurateRules.make({ minChildSpeechSeconds: 5, minChildShare: 0.5, minChildScore: 0.6, allowedLanguages: ["vi"], minDurationSeconds: 3, maxDurationSeconds: 3600 })
const clipRules = ClipRules.make({ minSeconds: 1, maxSeconds: 30, mergeGapSeconds: 0.6, loudnessDbfs: null })
const loose = acceptedUnder({ rules, clips: clipRules }, "acoustic-child-voice")
const strict = acceptedUnder({ rules: CurateRules.make({ ...rules, minChildScore: 0.9, requireTranscript: "manual" }), clips: clipRules }, "acoustic-child-voice")

const clip = (videoId: string, language: string, seconds: number, childScore: number, licence: string | null, more: Partial<DatasetClip> = {}) =>
  DatasetClip.make({
    fileName: `${language}/${videoId}_${seconds}.wav`, start: 0, end: seconds, childScore, language, videoId, sourceUrl: `https://x/${videoId}`,
    title: null, licence, text: "", textSource: "none", cueStart: null, cueEnd: null, kind: "youtube", channelId: null, channel: null,
    sourceRoot: null, acceptedUnder: loose, ...more
  })

const render = (clips: ReadonlyArray<DatasetClip>, producedBy = "kidvoice run --input x") => {
  const summary = summaryBuilder()
  summary.add(clips)
  return renderDatasetCard(summary.result(), producedBy, metadataColumns)
}
const frontMatter = (card: string) => card.split("---")[1]!

describe("dataset card", () => {
  it("sums clips, hours, videos, languages, licences and scores across pages", () => {
    const summary = summaryBuilder()
    summary.add([clip("a", "vi", 1800, 0.95, "Creative Commons Attribution license (reuse allowed)"), clip("a", "vi", 1800, 0.65, "Creative Commons Attribution license (reuse allowed)")])
    summary.add([clip("b", "cs", 360, 0.7, null, { text: "ahoj", textSource: "manual" })])
    const result = summary.result()
    expect(result).toMatchObject({ clips: 3, seconds: 3960, videos: 2 })
    expect(result.byLanguage).toEqual({ vi: { clips: 2, seconds: 3600 }, cs: { clips: 1, seconds: 360 } })
    expect(result.byLicence).toEqual({ "Creative Commons Attribution license (reuse allowed)": { videos: 1, clips: 2 }, unknown: { videos: 1, clips: 1 } })
    expect(result.scoreHistogram).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 0, 1])
    expect(result.byTextSource).toEqual({ none: 2, manual: 1 })
  })

  it("has the hub's front matter: licence, ISO 639-1 languages, size, name; ASR and TTS claimed only with text", () => {
    const withText = render([clip("a", "vi", 1800, 0.95, "Standard YouTube License", { text: "bé đọc thơ", textSource: "manual" }), clip("b", "unknown", 360, 0.7, null)])
    expect(frontMatter(withText)).toContain('pretty_name: "Children\'s speech clips (kidvoice)"')
    expect(frontMatter(withText)).toContain("license: other")
    expect(frontMatter(withText)).toContain("language:\n- vi\n")
    expect(frontMatter(withText)).not.toContain("- unknown")
    expect(frontMatter(withText)).toContain("size_categories:\n- n<1K")
    expect(frontMatter(withText)).toContain("task_categories:\n- automatic-speech-recognition\n- text-to-speech")
    expect(frontMatter(withText)).toContain("drop_labels: true")
    expect(withText).toContain("licences are mixed or unknown")
    const noText = render([clip("a", "vi", 60, 0.95, null)])
    expect(frontMatter(noText)).not.toContain("task_categories")
    expect(noText).toContain("0 clips have text")
  })

  it("says which clips a speech recogniser transcribed, by which model, and on how many it failed", () => {
    const card = render([
      clip("a", "cs", 5, 0.9, null, { text: "ahoj", textSource: "asr", textModel: "whisper-tiny" }),
      clip("a", "cs", 6, 0.9, null, { text: "děti", textSource: "asr", textModel: "whisper-tiny" }),
      clip("b", "cs", 4, 0.9, null, { text: "ahoj", textSource: "manual" }),
      clip("c", "cs", 3, 0.9, null, { textError: "TranscriptionError: speech recognition by whisper-tiny failed: boom" })
    ])
    expect(card).toContain("| asr | 2 |")
    expect(card).toContain("| whisper-tiny | 2 |")
    expect(card).toContain("not checked by a\nperson")
    expect(card).toContain("The recogniser failed on 1 clips")
    expect(render([clip("b", "cs", 4, 0.9, null, { text: "ahoj", textSource: "manual" })])).not.toContain("| speech recogniser |")
  })

  it("names one hub licence when every clip shares one it knows, else other", () => {
    expect(cardLicence(["Creative Commons Attribution license (reuse allowed)"])).toBe("cc-by-3.0")
    expect(cardLicence(["Creative Commons Attribution license (reuse allowed)", "unknown"])).toBe("other")
    expect(cardLicence(["Standard YouTube License"])).toBe("other")
    expect(sizeCategory(999)).toBe("n<1K")
    expect(sizeCategory(1000)).toBe("1K<n<10K")
    expect(sizeCategory(250_000)).toBe("100K<n<1M")
  })

  it("states the rules the clips were accepted under: a stricter later run does not raise what the card claims", () => {
    const older = render([clip("a", "vi", 60, 0.7, null)])
    expect(older).toContain("from a score of 0.6")
    expect(older).toContain("language among vi.")
    const mixed = render([clip("a", "vi", 60, 0.7, null), clip("b", "vi", 60, 0.95, null, { acceptedUnder: strict })])
    expect(mixed).toContain("accepted under 2 rule sets")
    expect(mixed).toContain("from a score of 0.6")
    expect(mixed).not.toContain("from a score of 0.9")
    expect(mixed).not.toContain("and the creator's captions")
    const onlyStrict = render([clip("b", "vi", 60, 0.95, null, { acceptedUnder: strict })])
    expect(onlyStrict).toContain("from a score of 0.9")
    expect(onlyStrict).toContain("and the creator's captions")
    const unrecorded = render([clip("c", "vi", 60, 0.95, null, { acceptedUnder: null })])
    expect(unrecorded).toContain("1 clips were cut before kidvoice recorded the rules they met")
    expect(unrecorded).not.toContain("from a score of")
  })

  it("the weakest rules are the loosest value of each", () => {
    const a = JSON.parse(loose)
    const b = { ...JSON.parse(strict), allowedLanguages: [], maxDurationSeconds: 7200 }
    expect(weakestRules([a, b])).toMatchObject({ minChildScore: 0.6, allowedLanguages: [], maxDurationSeconds: 7200, requireTranscript: "none" })
    expect(weakestRules([])).toBeNull()
  })

  it("shows the command without this machine's folders, and a loading snippet naming every metadata column", () => {
    expect(portableCommandLine(["kidvoice", "run", "--input", "/home/ann/kids/samples", "--out=/home/ann/kids/out", "--languages", "vi"], "/home/ann/kids"))
      .toBe("kidvoice run --input samples --out=out --languages vi")
    expect(portableCommandLine(["kidvoice", "run", "--input", "/srv/media/videos"], "/home/ann")).toBe("kidvoice run --input videos")
    const card = render([clip("a", "vi", 60, 0.7, null)], "kidvoice run --input samples")
    expect(card).toContain('load_dataset("audiofolder", data_dir=data_dir, features=features)')
    expect(card).toContain("torchcodec")
    for (const [name] of metadataColumns) expect(card).toContain(`"${name}": Value(`)
  })
})
