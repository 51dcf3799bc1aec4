import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { projectRoot } from "../support/cli.js"
import { postgresAvailable } from "../support/postgresServer.js"
import { killOneOfThreeRunners } from "./killRunnerScenario.js"

/**
 * Slow tier (`npm run test:slow`): the figure, 300 URLs with three runners, downloaded by the project's real
 * yt-dlp (`.venv/bin/yt-dlp`, installed by `bash scripts/setup-yt-dlp.sh`) from the local HTTP server. The default
 * tier runs the same body on fewer videos with a curl stand-in (killRunner.e2e.test.ts).
 */
const realYtDlp = join(projectRoot, ".venv", "bin", "yt-dlp")
const videos = Number(process.env.KIDVOICE_CLUSTER_VIDEOS ?? "300")

describe.skipIf(!postgresAvailable() || !existsSync(realYtDlp))("300 URLs, three runners with the real yt-dlp, one killed mid-run", () => {
  it.scopedLive("finish every video once, downloaded by yt-dlp; the killed runner's work is taken over", () =>
    killOneOfThreeRunners({ videos, ytDlp: () => realYtDlp, downloadConcurrency: 2, requestsPerDownload: 2 }).pipe(
      Effect.tap((figures) => Effect.sync(() => {
        expect(figures.videos).toBe(videos)
        // The figures of the run, for the closing note (vitest shows a passing test's output only on failure: kept in a file).
        process.stderr.write(`killRunner300: ${JSON.stringify(figures)}\n`)
      }))
    ), { timeout: 7_200_000 })
})
