import { Data, Effect, Metric, MetricState, Runtime, Schedule } from "effect"
import type { MetricPair } from "effect/MetricPair"
import { createServer } from "node:http"
import { join } from "node:path"
import type { WorkspacePaths } from "../domain/Workspace.js"
import { writeTextAtomic } from "../files/atomicWrite.js"

type Pair = MetricPair.Untyped

export class MetricsPortUnavailable extends Data.TaggedError("MetricsPortUnavailable")<{ readonly port: number; readonly reason: string }> {
  override get message() {
    return `cannot serve metrics on 127.0.0.1:${this.port}: ${this.reason}. Choose another --metrics-port.`
  }
}

const labelText = (pair: Pair, extra: Record<string, string> = {}) => {
  const labels = [...pair.metricKey.tags.map((t) => [t.key, t.value] as const), ...Object.entries(extra)]
  return labels.length === 0 ? "" : `{${labels.map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`
}

/** Effect's metrics in the Prometheus text exposition format (counters, gauges, histograms). */
export const prometheusText = (pairs: ReadonlyArray<Pair>): string => {
  const lines: Array<string> = []
  const typed = new Set<string>()
  const declare = (name: string, type: string, help: string | undefined) => {
    if (typed.has(name)) return
    typed.add(name)
    if (help) lines.push(`# HELP ${name} ${help}`)
    lines.push(`# TYPE ${name} ${type}`)
  }
  for (const pair of [...pairs].sort((a, b) => a.metricKey.name.localeCompare(b.metricKey.name))) {
    const { name } = pair.metricKey
    const help = pair.metricKey.description._tag === "Some" ? pair.metricKey.description.value : undefined
    const state = pair.metricState
    if (MetricState.isCounterState(state)) {
      declare(name, "counter", help)
      lines.push(`${name}${labelText(pair)} ${Number(state.count)}`)
    } else if (MetricState.isGaugeState(state)) {
      declare(name, "gauge", help)
      lines.push(`${name}${labelText(pair)} ${Number(state.value)}`)
    } else if (MetricState.isHistogramState(state)) {
      declare(name, "histogram", help)
      for (const [boundary, count] of state.buckets) {
        lines.push(`${name}_bucket${labelText(pair, { le: Number.isFinite(boundary) ? String(boundary) : "+Inf" })} ${count}`)
      }
      if (!state.buckets.some(([boundary]) => !Number.isFinite(boundary))) lines.push(`${name}_bucket${labelText(pair, { le: "+Inf" })} ${state.count}`)
      lines.push(`${name}_sum${labelText(pair)} ${state.sum}`, `${name}_count${labelText(pair)} ${state.count}`)
    }
  }
  return lines.join("\n") + "\n"
}

export interface TimingSummary {
  readonly count: number
  readonly meanSeconds: number
  readonly maxSeconds: number
}

/** What `kidvoice status` shows of the last run: per-stage timing, outcomes, store (lock) waits, failures. */
export interface MetricsSummary {
  readonly stageSeconds: Record<string, TimingSummary>
  readonly storeSeconds: TimingSummary
  readonly outcomes: Record<string, number>
  readonly failures: Record<string, number>
}

const tag = (pair: Pair, key: string) => pair.metricKey.tags.find((t) => t.key === key)?.value ?? "all"

export const summarizeMetrics = (pairs: ReadonlyArray<Pair>): MetricsSummary => {
  const stageSeconds: Record<string, TimingSummary> = {}
  const outcomes: Record<string, number> = {}
  const failures: Record<string, number> = {}
  let store = { count: 0, sum: 0, max: 0 }
  for (const pair of pairs) {
    const state = pair.metricState
    switch (pair.metricKey.name) {
      case "kidvoice_stage_seconds":
        if (MetricState.isHistogramState(state) && state.count > 0) {
          stageSeconds[tag(pair, "stage")] = { count: state.count, meanSeconds: state.sum / state.count, maxSeconds: state.max }
        }
        break
      case "kidvoice_store_seconds":
        if (MetricState.isHistogramState(state) && state.count > 0) {
          store = { count: store.count + state.count, sum: store.sum + state.sum, max: Math.max(store.max, state.max) }
        }
        break
      case "kidvoice_stage_outcomes_total":
        if (MetricState.isCounterState(state)) outcomes[`${tag(pair, "stage")} ${tag(pair, "outcome")}`] = Number(state.count)
        break
      case "kidvoice_failures_total":
        if (MetricState.isCounterState(state)) failures[tag(pair, "tag")] = Number(state.count)
        break
    }
  }
  return {
    stageSeconds,
    storeSeconds: { count: store.count, meanSeconds: store.count > 0 ? store.sum / store.count : 0, maxSeconds: store.max },
    outcomes,
    failures
  }
}

export const metricsFiles = (paths: WorkspacePaths) => ({
  prometheus: join(paths.root, "reports", "metrics.prom"),
  summary: join(paths.root, "reports", "metrics.json")
})

const writeMetricsFiles = (paths: WorkspacePaths) =>
  Effect.gen(function* () {
    const pairs = yield* Metric.snapshot
    const files = metricsFiles(paths)
    yield* writeTextAtomic(files.prometheus, prometheusText(pairs))
    yield* writeTextAtomic(files.summary, JSON.stringify(summarizeMetrics(pairs), null, 2))
  }).pipe(Effect.catchAll((e) => Effect.logWarning(`could not write metrics: ${e.message}`)))

/**
 * For the scope of a run: the metrics written to `<out>/reports/metrics.{prom,json}` every 10 s and at the end
 * (a node_exporter textfile collector can read the .prom file), and served on 127.0.0.1:`port`/metrics when given.
 */
export const publishMetrics = (paths: WorkspacePaths, port: number | null) =>
  Effect.gen(function* () {
    yield* Effect.addFinalizer(() => writeMetricsFiles(paths))
    yield* writeMetricsFiles(paths).pipe(Effect.repeat(Schedule.spaced("10 seconds")), Effect.forkScoped)
    if (port === null) return
    const runtime = yield* Effect.runtime<never>()
    const snapshot = Runtime.runPromise(runtime)
    const server = yield* Effect.acquireRelease(
      Effect.async<ReturnType<typeof createServer>, MetricsPortUnavailable>((resume) => {
        const s = createServer((req, res) => {
          if (req.url !== "/metrics") {
            res.writeHead(404).end("see /metrics\n")
            return
          }
          void snapshot(Metric.snapshot).then((pairs) => res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(prometheusText(pairs)))
        })
        s.once("error", (error) => resume(Effect.fail(new MetricsPortUnavailable({ port, reason: error.message }))))
        s.listen(port, "127.0.0.1", () => resume(Effect.succeed(s)))
      }),
      (s) => Effect.async<void>((resume) => {
        s.close(() => resume(Effect.void))
        s.closeAllConnections()
      })
    )
    yield* Effect.logInfo(`metrics on http://127.0.0.1:${port}/metrics`)
    return server
  })
