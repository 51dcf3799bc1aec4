import { afterAll, describe, expect, it } from "@effect/vitest"
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { kidvoice, samplesDir } from "../support/cli.js"
import { freePort } from "../support/ports.js"
import { promtoolCheckMetrics } from "../support/promtool.js"

describe("metrics of a real run", () => {
  const dir = mkdtempSync(join(tmpdir(), "kidvoice-metrics-e2e-"))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("a scrape taken while `kidvoice run` works passes promtool, with backlog gauges and process metrics; so does metrics.prom", async () => {
    const input = join(dir, "input")
    const out = join(dir, "out")
    mkdirSync(input)
    for (const name of ["child-cs-poem.mp3", "silence.wav", "broken-upload.mp3"]) copyFileSync(join(samplesDir, name), join(input, name))
    const port = await freePort()
    const run = kidvoice(["run", "--input", input, "--out", out, "--metrics-port", String(port)])
    let ended = false
    void run.finally(() => { ended = true })

    let scrape: string | undefined
    while (scrape === undefined && !ended) {
      const answer = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => (r.ok ? r.text() : undefined), () => undefined)
      if (answer?.includes("kidvoice_videos{")) scrape = answer
      else await sleep(50)
    }
    const result = await run
    // 2: finished, with the broken upload among the inputs failed.
    expect(result.exitCode, result.stderr).toBe(2)
    expect(scrape, "the run ended before its metrics could be scraped").toBeDefined()

    const lint = await promtoolCheckMetrics(scrape!)
    expect(lint, lint.output).toEqual({ exitCode: 0, output: "" })
    expect(scrape).toMatch(/^kidvoice_videos\{state="discovered"\} \d+$/m)
    expect(scrape).toMatch(/^kidvoice_dataset_clip_seconds [\d.e+-]+$/m)
    expect(scrape).toMatch(/^process_cpu_user_seconds_total \d/m)
    expect(scrape).toMatch(/^nodejs_eventloop_lag_seconds \d/m)

    // The file the run leaves behind is the last scrape: the same lint, and the final backlog.
    const final = readFileSync(join(out, "reports", "metrics.prom"), "utf8")
    const finalLint = await promtoolCheckMetrics(final)
    expect(finalLint, finalLint.output).toEqual({ exitCode: 0, output: "" })
    expect(final).toContain('kidvoice_videos{state="accepted"} 1\n')
    expect(final).toContain('kidvoice_videos{state="failed"} 1\n')
    expect(final).toMatch(/^kidvoice_dataset_clips [1-9]\d*$/m)
    expect(final).toMatch(/^kidvoice_stage_outcomes_total\{stage="download",outcome="done"\} 2$/m)
  }, 240_000)
})
