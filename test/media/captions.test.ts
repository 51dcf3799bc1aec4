import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { captionText, parseCaptions } from "../../src/media/captions.js"

describe("parseCaptions", () => {
  it("reads WebVTT: header, NOTE and STYLE blocks skipped, cue ids and settings ignored, markup and entities gone", () => {
    const vtt = [
      "WEBVTT Kind: captions", "",
      "NOTE made by hand", "",
      "STYLE", "::cue { color: yellow }", "",
      "intro", "00:00:01.500 --> 00:00:04.000 align:start position:0%", "<v Anna>Ahoj, <i>mami</i> &amp; tati</v>", "",
      "01:02.250 --> 01:03.000", "Druhá věta", "druhý řádek", ""
    ].join("\n")
    expect(parseCaptions(vtt).map((c) => ({ ...c }))).toEqual([
      { start: 1.5, end: 4, text: "Ahoj, mami & tati" },
      { start: 62.25, end: 63, text: "Druhá věta druhý řádek" }
    ])
  })

  it("reads SubRip with a comma decimal mark, CRLF line ends and a byte-order mark", () => {
    const srt = "\uFEFF1\r\n00:00:00,200 --> 00:00:02,300\r\nJedna, dvě, tři\r\n\r\n2\r\n00:00:02,600 --> 00:00:04,600\r\nvyletěla včelka\r\n"
    expect(parseCaptions(srt).map((c) => [c.start, c.end, c.text])).toEqual([[0.2, 2.3, "Jedna, dvě, tři"], [2.6, 4.6, "vyletěla včelka"]])
  })

  it("keeps each line of rolling automatic captions once, dropping the zero-length repeats and inline word times", () => {
    const auto = [
      "WEBVTT", "",
      "00:00:00.000 --> 00:00:02.000", "<00:00:00.100><c>bé</c><00:00:00.500><c> đọc</c><00:00:01.000><c> thơ</c>", "",
      "00:00:02.000 --> 00:00:02.010", "bé đọc thơ", "",
      "00:00:02.010 --> 00:00:04.000", "bé đọc thơ", "mùa<00:00:02.500><c> xuân</c>", ""
    ].join("\n")
    expect(parseCaptions(auto).map((c) => c.text)).toEqual(["bé đọc thơ", "mùa xuân"])
    expect(captionText(parseCaptions(auto))).toBe("bé đọc thơ mùa xuân")
  })

  it.prop("any text parses to cues in time order with a positive duration and text", [fc.string()], ([text]) => {
    const cues = parseCaptions(text)
    for (const [i, cue] of cues.entries()) {
      expect(cue.end).toBeGreaterThan(cue.start)
      expect(cue.text).not.toBe("")
      if (i > 0) expect(cue.start).toBeGreaterThanOrEqual(cues[i - 1]!.start)
    }
  })
})
