import { describe, expect, it } from "@effect/vitest"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { kidvoice, projectRoot } from "../support/cli.js"
import { postgresStoreForFile } from "../support/manifestStores.js"

const legacy = join(projectRoot, "test", "fixtures", "legacy", "manifest.json")

/** import, status, export and doctor against one PostgreSQL manifest, from two working directories (two machines). */
describe("the CLI on a PostgreSQL manifest", () => {
  const postgres = postgresStoreForFile()

  it("import on one machine; status, export and doctor on another see the same manifest", async () => {
    const [machineA, machineB] = [mkdtempSync(join(tmpdir(), "kidvoice-pg-a-")), mkdtempSync(join(tmpdir(), "kidvoice-pg-b-"))]
    try {
      const url = postgres.server().createDatabase("cli_shared")
      const imported = await kidvoice(["import", legacy, "--out", machineA, "--manifest", url])
      expect(imported.exitCode, imported.stderr).toBe(0)
      expect(imported.stdout).toMatch(/imported \d+ videos/)

      // The URL from the environment, as a runner's service file would set it.
      const statusA = await kidvoice(["status", "--json", "--out", machineA], { KIDVOICE_DATABASE_URL: url })
      const statusB = await kidvoice(["status", "--json", "--out", machineB], { KIDVOICE_DATABASE_URL: url })
      expect(statusB.exitCode, statusB.stderr).toBe(0)
      const [a, b] = [JSON.parse(statusA.stdout), JSON.parse(statusB.stdout)]
      expect(b.total).toBeGreaterThan(0)
      expect(b.byState).toEqual(a.byState)
      expect(b.manifest).toBe(url)

      const exported = await kidvoice(["export", "--format", "jsonl", "--out", machineB, "--manifest", url])
      expect(exported.exitCode, exported.stderr).toBe(0)
      const lines = readFileSync(join(machineB, "exports", "manifest.jsonl"), "utf8").trim().split("\n")
      expect(lines).toHaveLength(b.total)

      const doctor = await kidvoice(["doctor", "--out", machineB, "--manifest", url])
      expect(doctor.stdout).toContain(`manifest ${url}: ok`)
      expect(doctor.stdout).toContain("shared PostgreSQL database")
      // No SQLite file appears in either working directory.
      expect(() => readFileSync(join(machineB, "manifest.sqlite"))).toThrow()
    } finally {
      rmSync(machineA, { recursive: true, force: true })
      rmSync(machineB, { recursive: true, force: true })
    }
  }, 180_000)

  it("an unreachable server or a URL that is not PostgreSQL's is one clear error, without the password", async () => {
    const out = mkdtempSync(join(tmpdir(), "kidvoice-pg-bad-"))
    try {
      const unreachable = await kidvoice(["status", "--out", out, "--manifest", "postgres://kv:s3cret@127.0.0.1:1/crawl"])
      expect(unreachable.exitCode).not.toBe(0)
      expect(unreachable.stderr).toContain("postgres://kv:***@127.0.0.1:1/crawl")
      expect(unreachable.stderr).toContain("Check that the server runs")
      expect(unreachable.stderr + unreachable.stdout).not.toContain("s3cret")
      const notPostgres = await kidvoice(["status", "--out", out], { KIDVOICE_DATABASE_URL: "mysql://kv:s3cret@db/crawl" })
      expect(notPostgres.exitCode).not.toBe(0)
      expect(notPostgres.stderr).toContain("expected a postgres://")
      expect(notPostgres.stderr + notPostgres.stdout).not.toContain("s3cret")
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 120_000)
})
