import { beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import {
  decideLanguage, languageFromText, loadTextLanguageIdentifier, normaliseLanguageTag, type LanguageGuess
} from "../../src/analyze/languageHints.js"

beforeAll(() => Effect.runPromise(loadTextLanguageIdentifier))

const fromTitle = (title: string) => languageFromText({ title })

describe("languageFromText", () => {
  it("reads Vietnamese from its own letters and tone marks, precomposed or combining", () => {
    for (const title of ["Bé học tiếng Việt", "Trò chơi cho bé", "Đọc truyện cổ tích", "Ưu tiên", "BÀI HÁT THIẾU NHI"]) {
      expect(fromTitle(title)).toMatchObject({ language: "vi", source: "title-script" })
    }
    expect(fromTitle("Be ho\u0323c tie\u0302\u0301ng Vie\u0323\u0302t").language).toBe("vi")
    // More distinctive letters, more confidence; never certainty.
    expect(fromTitle("Bé học tiếng Việt").confidence).toBeGreaterThan(fromTitle("Trò chơi").confidence)
    expect(fromTitle("Bé học tiếng Việt cùng những người bạn nhỏ").confidence).toBeLessThan(1)
  })

  it("does not take French or Portuguese accents for Vietnamese", () => {
    expect(fromTitle("Chansons pour les enfants à l'école").language).toBe("fr")
    expect(fromTitle("Canções infantis em português").language).toBe("pt")
    expect(fromTitle("Crème brûlée").language).not.toBe("vi")
  })

  it("names the language of a script written by one language", () => {
    const cases: Record<string, string> = {
      "동요 모음": "ko",
      "こどものうた 童謡": "ja",
      "儿童歌曲": "zh",
      "เพลงเด็ก": "th",
      "Παιδικά τραγούδια": "el",
      "Дитячі пісні": "uk",
      "Детские песни": "ru",
      "أغاني أطفال": "ar",
      "बच्चों के गाने": "hi",
      "שירי ילדים": "he"
    }
    for (const [title, language] of Object.entries(cases)) expect(fromTitle(title).language, title).toBe(language)
  })

  it("keeps the script of a title that quotes a Latin brand name", () => {
    expect(fromTitle("Pinkfong 동요 모음 상어가족").language).toBe("ko")
  })

  it("gives weak Latin hints from letters and common words, and unknown when there is nothing to go on", () => {
    expect(fromTitle("Dětské písničky a říkanky")).toMatchObject({ language: "cs" })
    expect(fromTitle("Piosenki dla dzieci: Wlazł kotek").language).toBe("pl")
    expect(fromTitle("Canciones para niños")).toMatchObject({ language: "es" })
    const english = fromTitle("Songs for kids and the whole family")
    expect(english.language).toBe("en")
    // A title is weak evidence: below what a declared language or a caption track counts for.
    expect(english.confidence).toBeLessThanOrEqual(0.7)
    expect(fromTitle("ABC 123")).toEqual({ language: "unknown", confidence: 0, source: "unknown" })
    expect(languageFromText({ title: null })).toEqual({ language: "unknown", confidence: 0, source: "unknown" })
  })

  it("identifies short Vietnamese, English and Czech titles (the measured set), and never reads Czech as English", () => {
    const titles: Record<string, string> = {
      "Bé tập đếm số": "vi",
      "Con tên là Minh, con năm tuổi": "vi",
      "My little girl reads a story": "en",
      "Bedtime story for children": "en",
      "Our son tells a joke": "en",
      "Ježek jde na návštěvu k veverce": "cs",
      "Jedna, dvě, tři, čtyři, pět": "cs",
      "Pohádka pro děti na dobrou noc": "cs",
      "Malý kluk zpívá písničku": "cs"
    }
    for (const [title, language] of Object.entries(titles)) expect(fromTitle(title).language, title).toBe(language)
  })

  it("reads the description when the title says nothing", () => {
    expect(languageFromText({ title: "Video 12", description: "Bé học đếm số" }).language).toBe("vi")
  })

  it.prop("any text gives a language and a confidence between 0 and 1; unknown exactly when the confidence is 0", [fc.string(), fc.option(fc.string())], ([title, description]) => {
    const guess = languageFromText({ title, description })
    expect(guess.confidence).toBeGreaterThanOrEqual(0)
    expect(guess.confidence).toBeLessThan(1)
    expect(guess.language === "unknown").toBe(guess.confidence === 0)
  })
})

describe("normaliseLanguageTag", () => {
  it("keeps the primary subtag and refuses non-languages", () => {
    expect(normaliseLanguageTag("vi")).toBe("vi")
    expect(normaliseLanguageTag(" en-US ")).toBe("en")
    expect(normaliseLanguageTag("pt_BR")).toBe("pt")
    for (const tag of ["und", "zxx", "", "english!", null, undefined]) expect(normaliseLanguageTag(tag)).toBeNull()
  })
})

describe("decideLanguage", () => {
  const guess = fc.record({
    language: fc.constantFrom("en", "vi", "cs"),
    confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    source: fc.constant("whisper" as const)
  })
  const hints = fc.record({
    title: fc.option(fc.constantFrom("Bé học tiếng Việt", "동요", "Songs for kids", "123")),
    declaredLanguage: fc.option(fc.constantFrom("cs", "en-GB", "und"))
  })

  it.prop("an installed audio model that heard speech decides", [guess, hints], ([audio, text]) => {
    expect(decideLanguage(audio, text)).toEqual(audio)
  })

  it.prop("without an audio answer, a declared language outranks the title", [hints], ([text]) => {
    const decided = decideLanguage(null, text)
    const declared = normaliseLanguageTag(text.declaredLanguage)
    if (declared !== null) expect(decided).toEqual({ language: declared, confidence: 0.8, source: "metadata" } satisfies LanguageGuess)
    else expect(decided).toEqual(languageFromText(text))
  })

  it("falls back to the title, then to an honest unknown", () => {
    expect(decideLanguage(null, { title: "Bé học tiếng Việt", declaredLanguage: "und" }).source).toBe("title-script")
    expect(decideLanguage(null, { title: "123" })).toEqual({ language: "unknown", confidence: 0, source: "unknown" })
  })
})

describe("decideLanguage from captions", () => {
  const story = "Byl jednou jeden malý ježek, který se jmenoval Bodlinka. Bydlel na kraji lesa pod starou jabloní."

  it("a caption track's declared language outranks metadata and title; the creator's track before the automatic one", () => {
    const decided = decideLanguage(null, {
      title: "A story for kids",
      declaredLanguage: "en",
      captions: [{ language: "en", source: "auto", text: "" }, { language: "cs", source: "manual", text: story }]
    })
    expect(decided).toEqual({ language: "cs", confidence: 0.9, source: "captions" })
  })

  it("a sidecar track without a language is identified by its text, before the title", () => {
    const decided = decideLanguage(null, { title: "Kids story", captions: [{ language: null, source: "manual", text: story }] })
    expect(decided).toMatchObject({ language: "cs", source: "caption-text" })
  })

  it("a local file's name is no evidence: with no title given, a Czech file named 'story' is not English", () => {
    // The pipeline gives no title for local files; their captions still count.
    expect(decideLanguage(null, { title: null })).toEqual({ language: "unknown", confidence: 0, source: "unknown" })
    expect(decideLanguage(null, { title: null, captions: [{ language: null, source: "manual", text: story }] }).language).toBe("cs")
  })
})
