import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { storeSeconds } from "../../src/manifest/metrics.js"
import { prometheusText, summarizeMetrics } from "../../src/pipeline/metricsExport.js"
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
