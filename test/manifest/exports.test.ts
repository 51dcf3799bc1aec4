import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { DatasetClip } from "../../src/domain/Analysis.js"
import { channelKey, clipLine, csvHeader, lhotseSupervisionsPath, portableSource, splitOf } from "../../src/manifest/exports.js"

const clip = DatasetClip.make({
  fileName: "vi/abcdefghijk_000001000_000004500.wav",
  start: 1,
  end: 4.5,
  childScore: 0.87654321,
  language: "vi",
  videoId: "abcdefghijk",
  sourceUrl: "https://www.youtube.com/watch?v=abcdefghijk",
  title: "Bé đọc thơ, \"Con cò\"",
  licence: null,
  text: "Con cò bé bé",
  textSource: "manual",
  cueStart: 0.9,
  cueEnd: 4.6,
  kind: "youtube",
  channelId: "UCabc",
  channel: "Bé Vui",
  sourceRoot: null,
  acceptedUnder: null
})

const local = DatasetClip.make({
  ...clip,
  fileName: "cs/local-0123456789abcdef_000000384_000004416.wav",
  videoId: "local-0123456789abcdef",
  kind: "local",
  sourceUrl: "/home/ann/media/kids/anna/story.ogg",
  sourceRoot: "/home/ann/media/kids",
  channelId: null,
  channel: null,
  language: "cs"
})

describe("clip export lines", () => {
  it("hf: file_name relative to the folder holding metadata.jsonl, plus text, licence, speaker and split", () => {
    const line = JSON.parse(clipLine("hf", clip, "/out/dataset", "/out/dataset"))
    expect(line).toEqual({
      file_name: "vi/abcdefghijk_000001000_000004500.wav",
      video_id: "abcdefghijk",
      source_url: "https://www.youtube.com/watch?v=abcdefghijk",
      start: 1,
      end: 4.5,
      duration: 3.5,
      child_score: 0.8765,
      language: "vi",
      text: "Con cò bé bé",
      text_source: "manual",
      cue_start: 0.9,
      cue_end: 4.6,
      text_model: null,
      licence: "unknown",
      speaker_id: "UCabc",
      split: splitOf("UCabc")
    })
    expect(JSON.parse(clipLine("hf", clip, "/out/dataset", "/elsewhere")).file_name).toBe("../out/dataset/vi/abcdefghijk_000001000_000004500.wav")
  })

  it("nemo: NeMo's own field names (audio_filepath, duration, text, lang), the path relative to the manifest's folder", () => {
    const line = JSON.parse(clipLine("nemo", clip, "/out/dataset", "/out/exports"))
    // What NeMo's manifest reader (collections.asr.parts.utils.manifest_utils / ASRAudioText) takes from each line.
    expect(line).toMatchObject({ audio_filepath: "../dataset/vi/abcdefghijk_000001000_000004500.wav", duration: 3.5, text: "Con cò bé bé", lang: "vi" })
    expect(typeof line.duration).toBe("number")
    expect(line.audio_filepath.startsWith("/")).toBe(false)
  })

  it("lhotse: a recording per clip file and a supervision covering it, in Lhotse's documented schema", () => {
    const recording = JSON.parse(clipLine("lhotse", clip, "/out/dataset", "/out/exports"))
    const supervision = JSON.parse(clipLine("lhotse-supervisions", clip, "/out/dataset", "/out/exports"))
    // lhotse.audio.Recording.to_dict / from_dict
    expect(Object.keys(recording).sort()).toEqual(["channel_ids", "duration", "id", "num_samples", "sampling_rate", "sources"])
    expect(recording).toMatchObject({
      id: "abcdefghijk_000001000_000004500",
      sources: [{ type: "file", channels: [0], source: "../dataset/vi/abcdefghijk_000001000_000004500.wav" }],
      sampling_rate: 16000,
      num_samples: 56000,
      duration: 3.5
    })
    expect(recording.num_samples / recording.sampling_rate).toBe(recording.duration)
    // lhotse.supervision.SupervisionSegment
    expect(supervision).toMatchObject({
      id: recording.id, recording_id: recording.id, start: 0, duration: 3.5, channel: 0, text: "Con cò bé bé", language: "vi", speaker: "UCabc"
    })
    expect(supervision.start + supervision.duration).toBeLessThanOrEqual(recording.duration)
    expect(lhotseSupervisionsPath("/out/exports/lhotse_recordings.jsonl")).toBe("/out/exports/lhotse_supervisions.jsonl")
    expect(lhotseSupervisionsPath("/out/x.jsonl")).toBe("/out/supervisions_x.jsonl")
  })

  it("csv: the header's columns in order, cells with commas or quotes quoted", () => {
    const commaUrl = DatasetClip.make({ ...clip, sourceUrl: "https://example.org/a,b?\"q\"" })
    const cells = clipLine("csv", commaUrl, "/out/dataset", "/out/exports")
    expect(csvHeader.split(",")).toHaveLength(16)
    expect(cells.startsWith('../dataset/vi/abcdefghijk_000001000_000004500.wav,abcdefghijk,"https://example.org/a,b?""q""",1,4.5,3.5,0.8765,vi,Con cò bé bé,manual,0.9,4.6,,unknown,UCabc,')).toBe(true)
  })

  it("a local source is named relative to the folder it was found in, never absolutely; its speaker is that folder", () => {
    expect(portableSource(local)).toBe("anna/story.ogg")
    expect(portableSource({ ...local, sourceRoot: null })).toBe("story.ogg")
    expect(channelKey(local)).toBe("local:kids/anna")
    for (const format of ["hf", "nemo", "csv", "lhotse", "lhotse-supervisions"] as const) {
      expect(clipLine(format, local, "/home/ann/out/dataset", "/home/ann/out/exports")).not.toContain("/home/ann")
    }
  })
})

describe("split", () => {
  it.prop("is a function of the channel alone: every clip of a channel lands in the same split", [fc.string(), fc.array(fc.string(), { minLength: 1, maxLength: 5 })], ([channel, videoIds]) => {
    const splits = new Set(videoIds.map((videoId) => JSON.parse(clipLine("hf", DatasetClip.make({ ...clip, channelId: channel || null, channel: "x", videoId }), "/d", "/d")).split))
    expect(splits.size).toBe(1)
  })

  it("spreads channels about 80 / 10 / 10", () => {
    const counts = { train: 0, validation: 0, test: 0 }
    for (let i = 0; i < 2000; i++) counts[splitOf(`UC${i}`)]++
    expect(counts.train / 2000).toBeGreaterThan(0.75)
    expect(counts.train / 2000).toBeLessThan(0.85)
    expect(counts.validation).toBeGreaterThan(120)
    expect(counts.test).toBeGreaterThan(120)
  })
})
