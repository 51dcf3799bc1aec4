import { describe, expect, it } from "@effect/vitest"
import { Either, Redacted } from "effect"
import { hidePasswordsIn, manifestLocation } from "../../src/manifest/ManifestLocation.js"

describe("where the manifest setting puts the manifest", () => {
  it("unset: the SQLite file under --out", () => {
    expect(manifestLocation(null, "/data/kv")).toEqual(Either.right({ _tag: "Sqlite", path: "/data/kv/manifest.sqlite" }))
  })

  it("a postgres:// URL: that database, shown without its password", () => {
    const located = Either.getOrThrow(manifestLocation("postgresql://kv:s3cret@db.lan:5433/crawl?sslmode=require", "out"))
    expect(located._tag).toBe("Postgres")
    if (located._tag !== "Postgres") return
    expect(Redacted.value(located.url)).toBe("postgresql://kv:s3cret@db.lan:5433/crawl?sslmode=require")
    expect(located.shown).toBe("postgresql://kv:***@db.lan:5433/crawl?sslmode=require")
    expect(String(located.url)).not.toContain("s3cret")
  })

  it("refuses what is not a PostgreSQL URL naming a host and a database, never echoing a password", () => {
    for (const bad of ["mysql://kv:s3cret@db/crawl", "manifest.sqlite", "postgres://kv:s3cret@db.lan:5432/", "postgres://kv:s3cret@:5432/x"]) {
      const located = manifestLocation(bad, "out")
      expect(Either.isLeft(located), bad).toBe(true)
      if (Either.isLeft(located)) expect(located.left.given).not.toContain("s3cret")
    }
  })

  it("hides every password in a driver's message", () => {
    expect(hidePasswordsIn("connect postgres://a:b@h/d failed; also mysql://c:d@e/f")).toBe("connect postgres://a:***@h/d failed; also mysql://c:***@e/f")
  })
})
