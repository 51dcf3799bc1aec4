import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { byteToUnicode, decodeTokens, parseVocabulary } from "../../src/analyze/whisperTokenizer.js"

/** A vocabulary of one token per byte, in GPT-2's alphabet, plus two special tokens. */
const byteVocabulary = parseVocabulary({
  model: { vocab: Object.fromEntries(byteToUnicode.map((char, byte) => [char, byte])) },
  added_tokens: [{ id: 256, content: "<|endoftext|>", special: true }, { id: 257, content: "<|cs|>", special: true }]
})

describe("GPT-2 byte alphabet", () => {
  it("maps printable Latin-1 to itself and shifts the rest above U+00FF, as GPT-2's bytes_to_unicode", () => {
    expect(byteToUnicode[0x41]).toBe("A")
    expect(byteToUnicode[0xc4]).toBe("Ä")
    expect(byteToUnicode[0x20]).toBe("Ġ") // U+0120: space is the 33rd byte shifted
    expect(byteToUnicode[0x0a]).toBe("Ċ")
    expect(byteToUnicode[0x9b]).toBe("Ľ")
    expect(byteToUnicode[0xad]).toBe("Ń") // soft hyphen, the last one shifted
    expect(new Set(byteToUnicode).size).toBe(256)
  })
})

describe("decodeTokens", () => {
  it("joins bytes across tokens before UTF-8 decoding, skips special tokens, trims Whisper's leading space", () => {
    const vocabulary = parseVocabulary({
      model: { vocab: { "Ġd": 0, "Ä": 1, "Ľ": 2, "ti": 3, "ĠÄĽ": 4 } },
      added_tokens: [{ id: 5, content: "<|endoftext|>", special: true }]
    })
    expect(decodeTokens(vocabulary, [0, 1, 2, 3, 5])).toBe("děti")
    expect(decodeTokens(vocabulary, [4])).toBe("ě")
  })

  it("reads a GPT-2 vocab.json too, and counts <|...|> tokens as special even when nothing marks them", () => {
    const vocabulary = parseVocabulary({ "hello": 0, "<|notimestamps|>": 1 })
    expect(vocabulary.special.has(1)).toBe(true)
    expect(decodeTokens(vocabulary, [1, 0])).toBe("hello")
  })

  it("a sequence cut inside a letter ends in U+FFFD, it does not fail", () => {
    expect(decodeTokens(byteVocabulary, [0x64, 0xc4])).toBe("d\uFFFD")
  })

  it("fails on an id the vocabulary does not know (card and tokenizer of different models)", () => {
    expect(() => decodeTokens(byteVocabulary, [999])).toThrow("token id 999")
  })

  it.prop("gives back any text whose UTF-8 bytes it is given, one token a byte", [fc.string({ unit: "grapheme" })], ([text]) => {
    const ids = [257, ...new TextEncoder().encode(` ${text}`), 256]
    expect(decodeTokens(byteVocabulary, ids)).toBe(` ${text}`.trim())
  })
})
