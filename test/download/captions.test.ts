import { describe, expect, it } from "@effect/vitest"
import { captionArgs, captionFilesOf, parseInfoJson, trackOrigin } from "../../src/download/captions.js"

describe("caption fetch arguments and files", () => {
  it("asks yt-dlp for creator and automatic subtitles and the info JSON, written apart from the media; nothing when no language is asked for", () => {
    const args = captionArgs(["vi", "en-orig"], "/tmp/x")
    expect(args).toEqual([
      "--write-subs", "--write-auto-subs", "--sub-langs", "vi,en-orig", "--sub-format", "vtt/srt/best", "--write-info-json",
      "-o", "subtitle:/tmp/x/captions.%(ext)s", "-o", "infojson:/tmp/x/captions"
    ])
    // Subtitle options only: nothing that would fetch the media a second time.
    expect(args.filter((a) => a === "-f" || a === "--skip-download")).toEqual([])
    expect(captionArgs([], "/tmp/x")).toEqual([])
  })

  it("tells the creator's tracks from automatic ones and machine translations by the info JSON", () => {
    const info = parseInfoJson(JSON.stringify({ subtitles: { cs: [] }, automatic_captions: { "en-orig": [], en: [], vi: [] }, license: "Creative Commons Attribution license (reuse allowed)" }))
    expect(info.licence).toBe("Creative Commons Attribution license (reuse allowed)")
    expect(trackOrigin(info, "cs")).toBe("manual")
    expect(trackOrigin(info, "en-orig")).toBe("auto")
    expect(trackOrigin(info, "vi")).toBe("translation")
    // Without the info JSON (or an -orig mark) a track is not taken for the creator's.
    expect(trackOrigin(parseInfoJson("not json"), "cs")).toBe("auto")
    expect(trackOrigin(parseInfoJson(JSON.stringify({ automatic_captions: { vi: [] } })), "vi")).toBe("auto")
  })

  it("finds the caption files of a base name, with or without a language, and nothing else", () => {
    const names = ["story.ogg", "story.vtt", "story.cs.srt", "story.en-orig.vtt", "story.txt", "storyteller.vtt", "other.vtt", "story.not a tag.vtt"]
    expect(captionFilesOf("story", names)).toEqual([
      { name: "story.cs.srt", tag: "cs" },
      { name: "story.en-orig.vtt", tag: "en-orig" },
      { name: "story.vtt", tag: null }
    ])
  })
})
