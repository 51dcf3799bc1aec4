/** Stage metrics every stage records (in domain, so the stages below pipeline/ can use them too). */
import { Metric, MetricBoundaries } from "effect"

/** Videos leaving a stage, tagged by stage and outcome (done, failed, skipped, released). */
export const stageOutcomes = Metric.counter("kidvoice_stage_outcomes_total", { description: "videos leaving a stage, by outcome", incremental: true })

/** How long one video takes in a stage. */
export const stageSeconds = Metric.histogram(
  "kidvoice_stage_seconds",
  MetricBoundaries.exponential({ start: 0.05, factor: 2, count: 14 }),
  "seconds one video spends in a stage"
)

/** Failures by error tag, retryable or not. */
export const failuresByTag = Metric.counter("kidvoice_failures_total", { description: "stage failures by error tag", incremental: true })
