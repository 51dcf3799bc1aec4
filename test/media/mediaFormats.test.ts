import { describe, expect, it } from "@effect/vitest"
import { inputArgs, isMediaFile } from "../../src/media/mediaFormats.js"
import { sharedDecodeArgs } from "../../src/media/WavDecoder.js"

describe("mediaFormats", () => {
  it("takes phone, camcorder and telephony files by name ending, in any case, and passes over the rest", () => {
    expect(["memo.amr", "clip.3GP", "party.MTS", "tape.mpg", "call.ulaw", "prompt.sln16", "menu.gsm", "a/b.c.flv"].filter(isMediaFile)).toHaveLength(8)
    expect(["notes.txt", "cover.jpg", "song.mid", "call.raw", "README", ".ulaw.bak"].filter(isMediaFile)).toEqual([])
  })

  it("tells ffmpeg the encoding of headerless telephony audio, and nothing of files that say their own", () => {
    expect(inputArgs("/in/Call.ULAW")).toEqual(["-f", "mulaw", "-ar", "8000", "-ac", "1", "-i", "/in/Call.ULAW"])
    expect(inputArgs("/in/call.alaw")).toEqual(["-f", "alaw", "-ar", "8000", "-ac", "1", "-i", "/in/call.alaw"])
    expect(inputArgs("/in/prompt.sln16")).toEqual(["-f", "s16le", "-ar", "16000", "-ac", "1", "-i", "/in/prompt.sln16"])
    expect(inputArgs("/in/story.ogg")).toEqual(["-i", "/in/story.ogg"])
  })

  it("a shared decode opens each input as it would alone", () => {
    const args = sharedDecodeArgs([{ input: "a.ulaw", output: "a.wav", maxSeconds: 10 }, { input: "b.ogg", output: "b.wav", maxSeconds: 10 }])
    expect(args.slice(args.indexOf("-f"), args.indexOf("b.ogg") + 1)).toEqual(["-f", "mulaw", "-ar", "8000", "-ac", "1", "-i", "a.ulaw", "-i", "b.ogg"])
  })
})
