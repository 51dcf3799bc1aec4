import { Data, Effect, Metric, MetricKeyType, MetricState, Option, Runtime, Schedule } from "effect"
import type { MetricPair } from "effect/MetricPair"
import { createServer } from "node:http"
import { join } from "node:path"
import type { Registry } from "prom-client"
import { VideoState } from "../domain/VideoState.js"
import type { WorkspacePaths } from "../domain/Workspace.js"
import { writeTextAtomic } from "../files/atomicWrite.js"
import { Manifest } from "../manifest/Manifest.js"

type Pair = MetricPair.Untyped

export class MetricsPortUnavailable extends Data.TaggedError("MetricsPortUnavailable")<{ readonly port: number; readonly reason: string }> {
  override get message() {
    return `cannot serve metrics on 127.0.0.1:${this.port}: ${this.reason}. Choose another --metrics-port.`
  }
}

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")

const labelText = (pair: Pair, extra: Record<string, string> = {}) => {
  const labels = [...pair.metricKey.tags.map((t) => [t.key, t.value] as const), ...Object.entries(extra)]
  return labels.length === 0 ? "" : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`
}

/** Help for metrics Effect's runtime declares without a description; promtool wants help on every metric. */
const builtInHelp: Record<string, string> = {
  effect_fiber_started: "Effect fibers started",
  effect_fiber_active: "Effect fibers running now",
  effect_fiber_successes: "Effect fibers that ended with success",
  effect_fiber_failures: "Effect fibers that ended with failure",
  effect_fiber_lifetimes: "how long Effect fibers lived"
}

/**
 * Effect's metrics in the Prometheus text exposition format, as `promtool check metrics` accepts it:
 * an Effect counter that may go down (not `incremental`, like `effect_fiber_active`) is a gauge, since a
 * Prometheus counter never decreases; a real counter's name ends in `_total`; every metric has help.
 */
export const prometheusText = (pairs: ReadonlyArray<Pair>): string => {
  const lines: Array<string> = []
  const typed = new Set<string>()
  const declare = (name: string, type: string, help: string) => {
    if (typed.has(name)) return
    typed.add(name)
    lines.push(`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${type}`)
  }
  const exposedName = (pair: Pair) => {
    const { name, keyType } = pair.metricKey
    const monotonic = MetricKeyType.isCounterKey(keyType) && keyType.incremental
    return monotonic && !name.endsWith("_total") ? `${name}_total` : name
  }
  for (const pair of [...pairs].sort((a, b) => exposedName(a).localeCompare(exposedName(b)))) {
    const name = exposedName(pair)
    const { keyType } = pair.metricKey
    const help = Option.getOrElse(pair.metricKey.description, () => builtInHelp[pair.metricKey.name] ?? pair.metricKey.name.replace(/_/g, " "))
    const state = pair.metricState
    if (MetricState.isCounterState(state)) {
      declare(name, MetricKeyType.isCounterKey(keyType) && keyType.incremental ? "counter" : "gauge", help)
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

/** What the manifest holds right now: the backlog per state and the dataset accepted so far. */
export interface ManifestGauges {
  readonly videosByState: ReadonlyArray<{ readonly state: string; readonly count: number }>
  readonly clips: number
  readonly clipSeconds: number
}

/**
 * The manifest's gauges in the exposition format. Every state is listed, 0 when empty, so a series does not
 * vanish when its backlog drains. Clip audio is in seconds (Prometheus' base unit): hours = value / 3600.
 */
export const manifestGaugesText = (gauges: ManifestGauges): string => {
  const byState = new Map<string, number>(VideoState.literals.map((state) => [state, 0]))
  for (const { state, count } of gauges.videosByState) byState.set(state, (byState.get(state) ?? 0) + count)
  return [
    "# HELP kidvoice_videos videos in the manifest, by state",
    "# TYPE kidvoice_videos gauge",
    ...[...byState].map(([state, count]) => `kidvoice_videos{state="${escapeLabel(state)}"} ${count}`),
    "# HELP kidvoice_dataset_clips clips in the dataset (accepted videos)",
    "# TYPE kidvoice_dataset_clips gauge",
    `kidvoice_dataset_clips ${gauges.clips}`,
    "# HELP kidvoice_dataset_clip_seconds seconds of audio in the dataset's clips (divide by 3600 for hours)",
    "# TYPE kidvoice_dataset_clip_seconds gauge",
    `kidvoice_dataset_clip_seconds ${gauges.clipSeconds}`
  ].join("\n") + "\n"
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

/** The manifest's gauges now; a manifest that cannot answer costs those lines only, never the scrape. */
const currentManifestGauges = Effect.gen(function* () {
  const manifest = yield* Manifest
  const [counts, totals] = yield* Effect.all([manifest.counts, manifest.totals])
  return manifestGaugesText({ videosByState: counts, clips: totals.clips, clipSeconds: totals.clipSeconds ?? 0 })
}).pipe(Effect.catchAll((e) => Effect.logWarning(`metrics: cannot read the manifest's counts: ${e.message}`).pipe(Effect.as(""))))

/**
 * One whole exposition: kidvoice's and Effect's metrics, the manifest's gauges, and prom-client's process and
 * Node.js metrics (CPU, memory, event-loop lag, GC, handles) from `nodeMetrics`.
 */
const scrape = (nodeMetrics: Registry) =>
  Effect.all([
    Effect.map(Metric.snapshot, prometheusText),
    currentManifestGauges,
    Effect.tryPromise(() => nodeMetrics.metrics()).pipe(
      Effect.catchAll((e) => Effect.logWarning(`metrics: process metrics unavailable: ${e.message}`).pipe(Effect.as("")))
    )
  ]).pipe(Effect.map((parts) => parts.filter((part) => part !== "").map((part) => part.endsWith("\n") ? part : `${part}\n`).join("")))

/** A registry of prom-client's default process and Node.js metrics, for the scope of a run. */
const nodeMetricsRegistry = Effect.acquireRelease(
  // Imported here, not at the top: prom-client costs start-up time that `--help` and `status` should not pay.
  Effect.promise(() => import("prom-client")).pipe(Effect.map(({ collectDefaultMetrics, Registry }) => {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry })
    // prom-client names three gauges `nodejs_active_{handles,requests,resources}_total`, which promtool rejects
    // (`_total` is for counters); each is the sum over `type` of the gauge of the same name without `_total`.
    for (const metric of registry.getMetricsAsArray()) {
      if (metric.name.endsWith("_total") && (metric as { type?: unknown }).type === "gauge") registry.removeSingleMetric(metric.name)
    }
    return registry
  })),
  (registry) => Effect.sync(() => registry.clear())
)

const writeMetricsFiles = (paths: WorkspacePaths, nodeMetrics: Registry) =>
  Effect.gen(function* () {
    const pairs = yield* Metric.snapshot
    const files = metricsFiles(paths)
    yield* writeTextAtomic(files.prometheus, yield* scrape(nodeMetrics))
    yield* writeTextAtomic(files.summary, JSON.stringify(summarizeMetrics(pairs), null, 2))
  }).pipe(Effect.catchAll((e) => Effect.logWarning(`could not write metrics: ${e.message}`)))

/**
 * For the scope of a run: the metrics written to `<out>/reports/metrics.{prom,json}` every 10 s and at the end
 * (a node_exporter textfile collector can read the .prom file), and served on 127.0.0.1:`port`/metrics when given.
 */
export const publishMetrics = (paths: WorkspacePaths, port: number | null) =>
  Effect.gen(function* () {
    const nodeMetrics = yield* nodeMetricsRegistry
    yield* Effect.addFinalizer(() => writeMetricsFiles(paths, nodeMetrics))
    yield* writeMetricsFiles(paths, nodeMetrics).pipe(Effect.repeat(Schedule.spaced("10 seconds")), Effect.forkScoped)
    if (port === null) return
    const runtime = yield* Effect.runtime<Manifest>()
    const exposition = () => Runtime.runPromise(runtime)(scrape(nodeMetrics))
    const server = yield* Effect.acquireRelease(
      Effect.async<ReturnType<typeof createServer>, MetricsPortUnavailable>((resume) => {
        const s = createServer((req, res) => {
          if (req.url !== "/metrics") {
            res.writeHead(404).end("see /metrics\n")
            return
          }
          void exposition().then(
            (text) => res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(text),
            (error: unknown) => res.writeHead(500).end(`metrics unavailable: ${String(error)}\n`)
          )
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
