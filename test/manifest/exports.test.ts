import { describe, expect, it } from "@effect/vitest"
import { DatasetClip } from "../../src/domain/Analysis.js"
import { clipLine, csvHeader } from "../../src/manifest/exports.js"

const clip = DatasetClip.make({
  fileName: "vi/abcdefghijk_000001000_000004500.wav",
  start: 1,
  end: 4.5,
  childScore: 0.87654321,
  language: "vi",
  videoId: "abcdefghijk",
  sourceUrl: "https://www.youtube.com/watch?v=abcdefghijk",
  title: "Bé đọc thơ, \"Con cò\"",
  licence: null
})

describe("clip export lines", () => {
  it("hf: file_name relative to the folder holding metadata.jsonl, plus the clip's fields", () => {
    const line = JSON.parse(clipLine("hf", clip, "/out/dataset", "/out/dataset"))
    expect(line).toEqual({
      file_name: "vi/abcdefghijk_000001000_000004500.wav",
      video_id: "abcdefghijk",
      source_url: "https://www.youtube.com/watch?v=abcdefghijk",
      start: 1,
      end: 4.5,
      duration: 3.5,
      child_score: 0.8765,
      language: "vi"
    })
    expect(JSON.parse(clipLine("hf", clip, "/out/dataset", "/elsewhere")).file_name).toBe("../out/dataset/vi/abcdefghijk_000001000_000004500.wav")
  })

  it("nemo: absolute audio_filepath, duration in seconds, an empty text, and our fields", () => {
    const line = JSON.parse(clipLine("nemo", clip, "/out/dataset", "/out/exports"))
    expect(line).toMatchObject({ audio_filepath: "/out/dataset/vi/abcdefghijk_000001000_000004500.wav", duration: 3.5, text: "", video_id: "abcdefghijk", child_score: 0.8765 })
  })

  it("csv: the header's columns in order, cells with commas or quotes quoted", () => {
    const commaUrl = DatasetClip.make({ ...clip, sourceUrl: "https://example.org/a,b?\"q\"" })
    const cells = clipLine("csv", commaUrl, "/out/dataset", "/out/exports")
    expect(csvHeader.split(",")).toHaveLength(8)
    expect(cells).toBe('../dataset/vi/abcdefghijk_000001000_000004500.wav,abcdefghijk,"https://example.org/a,b?""q""",1,4.5,3.5,0.8765,vi')
  })
})
