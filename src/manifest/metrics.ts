import { Metric, MetricBoundaries } from "effect"

/**
 * Time one manifest statement takes, tagged by operation. Waiting for another process's write lock
 * (SQLite's busy timeout) is inside it, so under contention this is the lock wait, measured rather than guessed.
 */
export const storeSeconds = Metric.histogram(
  "kidvoice_store_seconds",
  MetricBoundaries.exponential({ start: 0.0001, factor: 2, count: 20 }),
  "seconds one manifest statement takes, lock waits included"
)

/** Writes committed together in one manifest transaction (group commit). */
export const commitBatchSize = Metric.histogram(
  "kidvoice_commit_batch_size",
  MetricBoundaries.exponential({ start: 1, factor: 2, count: 10 }),
  "writes committed together in one manifest transaction"
)

/** Time the manifest writer waited for SQLite's write lock (held by another process) before a batch. */
export const lockWaitSeconds = Metric.histogram(
  "kidvoice_lock_wait_seconds",
  MetricBoundaries.exponential({ start: 0.0001, factor: 2, count: 20 }),
  "seconds the manifest writer waited for the write lock before a batch"
)
