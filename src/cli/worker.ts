import { Effect, Layer, Schedule, type Redacted } from "effect"
import type { KidvoiceConfig } from "../domain/Config.js"
import type { DiscoveryRequest } from "../pipeline/discovery.js"
import { publishMetrics } from "../pipeline/metricsExport.js"
import { workspacePaths } from "../domain/Workspace.js"
import { runnerLayer } from "../cluster/runnerLayers.js"
import { runWorker } from "../cluster/Worker.js"
import { runnerIdentity, type WorkerArgs } from "./workerOptions.js"

// Loaded when `kidvoice worker` runs (src/cli/lazy.ts): the cluster's code is not part of any other start.

/**
 * A runner waits a little for its database at start: runners and the database start together on a fresh cluster,
 * and a busy database host can take longer than the connection timeout to accept one (seen on the shared test
 * machine). Five tries 5 s apart, each said in a warning; then the runner stops with the reason.
 */
const databaseAtStart = Schedule.spaced("5 seconds").pipe(
  Schedule.intersect(Schedule.recurs(4)),
  Schedule.whileInput((error: { readonly _tag?: string }) => error._tag === "ManifestOpenError"),
  Schedule.tapInput((error: { readonly message?: string }) => Effect.logWarning(`${error.message ?? error} (a runner tries 5 times, 5 s apart)`))
)

/** `kidvoice worker`: a runner of the cluster on this machine, until stopped. */
export const workerProgram = (
  args: WorkerArgs,
  config: KidvoiceConfig,
  request: DiscoveryRequest,
  apiKeys: ReadonlyArray<Redacted.Redacted<string>>
) => {
  const identity = runnerIdentity(args)
  return publishMetrics(workspacePaths(config.out), config.metricsPort).pipe(
    Effect.zipRight(runWorker(config, identity, request, args["shared-out"], args.stages)),
    Effect.scoped,
    Effect.provide(runnerLayer(config, identity, apiKeys, args["shared-out"]).pipe(Layer.retry(databaseAtStart)))
  )
}
