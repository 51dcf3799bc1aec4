import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { storeSeconds } from "../../src/manifest/metrics.js"
import { manifestGaugesText, prometheusText, summarizeMetrics } from "../../src/pipeline/metricsExport.js"
import { promtoolCheckMetrics } from "../support/promtool.js"
import { failuresByTag, stageOutcomes, stageSeconds } from "../../src/pipeline/metrics.js"

describe("metrics export", () => {
  it.effect("renders counters and histograms in the Prometheus text format and sums them up for status", () =>
    Effect.gen(function* () {
      const download = Metric.tagged(stageSeconds, "stage", "download")
      yield* Metric.update(download, 0.5)
      yield* Metric.update(download, 1.5)
      yield* Metric.increment(Metric.tagged(Metric.tagged(stageOutcomes, "stage", "download"), "outcome", "done"))
      yield* Metric.increment(Metric.tagged(failuresByTag, "tag", "Quote\"Tag"))
      yield* Metric.update(Metric.tagged(storeSeconds, "operation", "claim download"), 0.002)
      const pairs = yield* Metric.snapshot
      const text = prometheusText(pairs)
      expect(text).toContain("# TYPE kidvoice_stage_seconds histogram")
      expect(text).toMatch(/kidvoice_stage_seconds_bucket\{stage="download",le="\+Inf"\} \d+/)
      expect(text).toMatch(/kidvoice_stage_seconds_count\{stage="download"\} \d+/)
      expect(text).toContain('kidvoice_failures_total{tag="Quote\\"Tag"} ')
      // Buckets are cumulative: counts never fall as the boundary grows.
      const counts = [...text.matchAll(/kidvoice_stage_seconds_bucket\{stage="download",le="[^"]+"\} (\d+)/g)].map((m) => Number(m[1]))
      expect(counts).toEqual([...counts].sort((a, b) => a - b))
      const summary = summarizeMetrics(pairs)
      expect(summary.stageSeconds["download"]!.count).toBeGreaterThanOrEqual(2)
      expect(summary.stageSeconds["download"]!.maxSeconds).toBeGreaterThanOrEqual(1.5)
      expect(summary.outcomes["download done"]).toBeGreaterThanOrEqual(1)
      expect(summary.failures["Quote\"Tag"]).toBeGreaterThanOrEqual(1)
      expect(summary.storeSeconds.count).toBeGreaterThanOrEqual(1)
    }))
})

describe("metrics a Prometheus linter accepts", () => {
  it.effect("a counter that can go down is a gauge, a monotonic counter ends in _total, every metric has help; promtool agrees", () =>
    Effect.gen(function* () {
      const fibers = Metric.counter("kidvoice_test_fibers_running")
      const started = Metric.counter("kidvoice_test_started", { incremental: true })
      yield* Metric.incrementBy(fibers, 3)
      yield* Metric.incrementBy(fibers, -1)
      yield* Metric.increment(started)
      yield* Metric.increment(Metric.tagged(stageOutcomes, "stage", "download"))
      const text = prometheusText(yield* Metric.snapshot)

      expect(text).toContain("# TYPE kidvoice_test_fibers_running gauge")
      expect(text).toContain("kidvoice_test_fibers_running 2\n")
      expect(text).toContain("# TYPE kidvoice_test_started_total counter")
      expect(text).toContain("kidvoice_test_started_total 1\n")
      expect(text).not.toMatch(/^kidvoice_stage_outcomes_total_total/m)
      const declared = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1])
      const helped = [...text.matchAll(/^# HELP (\S+) /gm)].map((m) => m[1])
      expect(helped).toEqual(declared)
      const lint = yield* Effect.promise(() => promtoolCheckMetrics(text))
      expect(lint, lint.output).toEqual({ exitCode: 0, output: "" })
    }))

  it.effect("the manifest's gauges list every state, even empty ones, and pass promtool", () =>
    Effect.gen(function* () {
      const text = manifestGaugesText({ videosByState: [{ state: "accepted", count: 2 }, { state: "failed", count: 1 }, { state: "failed", count: 3 }], clips: 12, clipSeconds: 7200 })
      expect(text).toContain('kidvoice_videos{state="accepted"} 2\n')
      expect(text).toContain('kidvoice_videos{state="failed"} 4\n')
      expect(text).toContain('kidvoice_videos{state="discovered"} 0\n')
      expect(text.match(/^kidvoice_videos\{/gm)?.length).toBe(10)
      expect(text).toContain("kidvoice_dataset_clips 12\n")
      expect(text).toContain("kidvoice_dataset_clip_seconds 7200\n")
      const lint = yield* Effect.promise(() => promtoolCheckMetrics(text))
      expect(lint, lint.output).toEqual({ exitCode: 0, output: "" })
    }))
})
