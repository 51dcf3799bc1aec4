import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { parseIsoDuration } from "../../src/source/isoDuration.js"

describe("parseIsoDuration", () => {
  it("reads the shapes the Data API writes", () => {
    expect(parseIsoDuration("PT3M4S")).toBe(184)
    expect(parseIsoDuration("PT1H")).toBe(3600)
    expect(parseIsoDuration("PT10H0M12S")).toBe(36012)
    expect(parseIsoDuration("P1DT2H3M")).toBe(93780)
    expect(parseIsoDuration("P0D")).toBe(0)
    expect(parseIsoDuration("PT15.5S")).toBe(15.5)
    expect(parseIsoDuration("P1W")).toBe(604800)
  })

  it("gives null for what is not a duration", () => {
    for (const text of ["", "P", "PT", "3M4S", "PT3X", "PT-1S", "1:02:03", "P1DT"]) expect(parseIsoDuration(text)).toBeNull()
  })

  it.prop("reads back any hours, minutes and seconds it is given", [fc.nat(99), fc.nat(59), fc.nat(59)], ([h, m, s]) => {
    expect(parseIsoDuration(`PT${h}H${m}M${s}S`)).toBe(h * 3600 + m * 60 + s)
  })
})
