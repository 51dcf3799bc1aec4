import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { curlYtDlp } from "../support/clusterRunners.js"
import { postgresAvailable } from "../support/postgresServer.js"
import { killOneOfThreeRunners } from "./killRunnerScenario.js"

/**
 * The default tier's size: each video costs a few processes (curl, ffmpeg) and an analysis on a busy 2-core machine,
 * so a few dozen; `killRunner300.slow.test.ts` runs the 300 with the real yt-dlp. A curl stand-in for yt-dlp
 * (Python yt-dlp costs over a CPU-second a start) still downloads each URL from the local server.
 */
const videos = Number(process.env.KIDVOICE_CLUSTER_VIDEOS ?? "30")

describe.skipIf(!postgresAvailable())("three runners on one PostgreSQL manifest, one killed mid-run", () => {
  it.scopedLive("finish every video once: the killed runner's singleton and claims are taken over, its restart resumes its audio, clips reach one server", () =>
    killOneOfThreeRunners({ videos, ytDlp: curlYtDlp, downloadConcurrency: 2, requestsPerDownload: 1 }).pipe(
      Effect.tap((figures) => Effect.sync(() => expect(figures.videos).toBe(videos)))
    ), { timeout: 1_800_000 })
})
