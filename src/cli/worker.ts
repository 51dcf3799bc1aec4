import { Effect, type Redacted } from "effect"
import type { KidvoiceConfig } from "../domain/Config.js"
import type { DiscoveryRequest } from "../pipeline/discovery.js"
import { publishMetrics } from "../pipeline/metricsExport.js"
import { workspacePaths } from "../domain/Workspace.js"
import { runnerLayer } from "../cluster/runnerLayers.js"
import { runWorker } from "../cluster/Worker.js"
import { runnerIdentity, type WorkerArgs } from "./workerOptions.js"

// Loaded when `kidvoice worker` runs (src/cli/lazy.ts): the cluster's code is not part of any other start.

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
    Effect.provide(runnerLayer(config, identity, apiKeys, args["shared-out"]))
  )
}
