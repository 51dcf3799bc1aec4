import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { Effect } from "effect"
import { copyFileSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import { Candidate } from "../../src/domain/Candidate.js"
import { localVideoId } from "../../src/domain/VideoId.js"
import { sha256OfFile } from "../../src/files/sha256File.js"
import { Manifest } from "../../src/manifest/Manifest.js"
import { kidvoice, samplesDir } from "../support/cli.js"
import { manifestAt, owner, scopedTempDir } from "../support/manifest.js"

/** Issue 15, point 2: a source file that was missing is queued again when it is back; `kidvoice retry` requeues chosen rows. */

const row = (out: string) => {
  const db = new Database(join(out, "manifest.sqlite"), { readonly: true })
  try {
    return db.prepare("SELECT id, state, attempts, last_error_tag, next_retry_at FROM videos").get() as
      { id: string; state: string; attempts: number; last_error_tag: string | null; next_retry_at: number | null }
  } finally {
    db.close()
  }
}

/** The row of `file`, failed for good with SourceFileMissing, as a download with no attempts left leaves it. */
const failedForGood = (out: string, file: string) =>
  Effect.gen(function* () {
    const id = localVideoId(yield* sha256OfFile(file))
    const manifest = yield* Manifest
    yield* manifest.addCandidates([Candidate.make({ id, kind: "local", sourceUrl: file, title: null, channel: null, declaredDurationSeconds: null })])
    const [claimed] = yield* manifest.claim("download", 1)
    yield* manifest.fail("download", claimed!.id, { _tag: "SourceFileMissing", message: "gone", retryable: false })
  }).pipe(Effect.provide(manifestAt(join(out, "manifest.sqlite"), owner(`test-host:${process.pid}`, new Set([process.pid])))), Effect.scoped)

describe("requeueing failed local sources", () => {
  it.scoped("missing at download, put back: discovery of its folder queues it again; kidvoice retry --tag requeues and says how many", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("retry")
      const input = join(dir, "in")
      const out = join(dir, "out")
      mkdirSync(input)
      mkdirSync(out)
      const file = join(input, "poem.mp3")
      copyFileSync(join(samplesDir, "child-cs-poem.mp3"), file)
      yield* failedForGood(out, file)
      expect(row(out)).toMatchObject({ state: "failed", last_error_tag: "SourceFileMissing", next_retry_at: null })

      const before = Date.now()
      const again = yield* Effect.promise(() => kidvoice(["discover", "--input", input, "--out", out]))
      expect(again.exitCode, again.stderr).toBe(0)
      expect(row(out)).toMatchObject({ state: "failed", attempts: 0 })
      expect(row(out).next_retry_at).toBeGreaterThanOrEqual(before - 1000)
      expect(row(out).next_retry_at).toBeLessThanOrEqual(Date.now())

      const db = new Database(join(out, "manifest.sqlite"))
      db.prepare("UPDATE videos SET next_retry_at = NULL, attempts = 3").run()
      db.close()
      const retried = yield* Effect.promise(() => kidvoice(["retry", "--tag", "SourceFileMissing", "--out", out]))
      expect(retried.exitCode, retried.stderr).toBe(0)
      expect(retried.stdout).toContain("requeued 1 failed video")
      expect(row(out)).toMatchObject({ state: "failed", attempts: 0 })
      expect(row(out).next_retry_at).not.toBeNull()
    }), 120_000)
})
