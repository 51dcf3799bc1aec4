import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { csvFields, fileMedianF0, fileScore, parseLabels } from "../../src/analyze/evalLabels.js"

describe("parseLabels", () => {
  it("reads CSV with a header, comments and blank lines; relative paths are from the labels file", () => {
    const parsed = parseLabels("/data/labels.csv", "file,child\n# a comment\n\nkid.ogg,yes\n/abs/adult.wav, no\n\"with, comma.mp3\",1\n")
    expect(Either.getOrThrow(parsed)).toEqual([
      { path: "/data/kid.ogg", child: true, group: null, line: 4 },
      { path: "/abs/adult.wav", child: false, group: null, line: 5 },
      { path: "/data/with, comma.mp3", child: true, group: null, line: 6 }
    ])
  })

  it("reads extra columns in any order by the header's names, with a group column", () => {
    const parsed = parseLabels("/d/labels.csv", "speaker,group,file,language,child\nk,real child,kid.wav,cs,yes\nm,\"adult, man\",/a/man.wav,en,no\n")
    expect(Either.getOrThrow(parsed)).toEqual([
      { path: "/d/kid.wav", child: true, group: "real child", line: 2 },
      { path: "/a/man.wav", child: false, group: "adult, man", line: 3 }
    ])
  })

  it("fails a line that has fewer columns than the header needs", () => {
    const error = Either.getLeft(parseLabels("/d/labels.csv", "file,group,child\nkid.wav,real child\n"))
    expect(error._tag === "Some" && error.value.line).toBe(2)
  })

  it("reads JSONL, booleans or words", () => {
    const parsed = parseLabels("/d/l.jsonl", '{"file":"a.wav","child":true}\n{"path":"b.wav","child":"adult"}\n')
    expect(Either.getOrThrow(parsed).map((e) => [e.path, e.child])).toEqual([["/d/a.wav", true], ["/d/b.wav", false]])
  })

  it.prop("a bad line fails the file, naming the file and that line", [
    fc.integer({ min: 0, max: 8 }),
    fc.constantFrom("maybe", "", "2", "kid"),
    fc.boolean()
  ], ([at, verdict, jsonl]) => {
    const good = Array.from({ length: 9 }, (_, i) => (jsonl ? JSON.stringify({ file: `f${i}.wav`, child: i % 2 === 0 }) : `f${i}.wav,${i % 2 === 0 ? "yes" : "no"}`))
    good[at] = jsonl ? JSON.stringify({ file: "bad.wav", child: verdict }) : `bad.wav,${verdict}`
    const file = jsonl ? "/x/labels.jsonl" : "/x/labels.csv"
    const error = Either.getLeft(parseLabels(file, good.join("\n"))).pipe((o) => (o._tag === "Some" ? o.value : null))
    expect(error).not.toBeNull()
    expect(error!.line).toBe(at + 1)
    expect(error!.message).toContain(`labels file ${file}, line ${at + 1}`)
  })

  it("refuses a file with no labelled lines, or JSON that is not an object", () => {
    expect(Either.isLeft(parseLabels("/x/l.csv", "file,child\n# nothing\n"))).toBe(true)
    const notObject = Either.getLeft(parseLabels("/x/l.jsonl", '["a.wav", true]'))
    expect(notObject._tag === "Some" && notObject.value.line).toBe(1)
  })
})

describe("fileScore", () => {
  it("weights each segment's score by its length, and is 0 without speech", () => {
    expect(fileScore([{ start: 0, end: 3, childScore: 1 }, { start: 5, end: 6, childScore: 0 }])).toBeCloseTo(0.75)
    expect(fileScore([])).toBe(0)
  })
})

describe("csvFields", () => {
  it("splits on commas outside quotes and unescapes doubled quotes", () => {
    expect(csvFields('a, "b,c" ,"say ""hi""",')).toEqual(["a", "b,c", 'say "hi"', ""])
  })
})

describe("fileMedianF0", () => {
  it("is the length-weighted median of the voiced segments' medians, null with none voiced", () => {
    expect(fileMedianF0([{ start: 0, end: 1, medianF0: 300 }, { start: 1, end: 5, medianF0: 120 }, { start: 5, end: 6, medianF0: null }])).toBe(120)
    expect(fileMedianF0([{ start: 0, end: 3, medianF0: 300 }, { start: 3, end: 4, medianF0: 120 }])).toBe(300)
    expect(fileMedianF0([{ start: 0, end: 2, medianF0: null }])).toBeNull()
  })
})
