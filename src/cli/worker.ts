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
 * machine). Five tries 5 s apart, each said in a warning; then the runner stops with the reason. Only a database
 * that could not be reached or said "not now" is tried again: a wrong password, a missing database or a bad URL
 * stops the runner at once.
 */
const openAgainAtStart = (error: { readonly _tag?: string; readonly transient?: boolean }) =>
  error._tag === "ManifestOpenError" && error.transient === true

const databaseAtStart = Schedule.spaced("5 seconds").pipe(
  Schedule.intersect(Schedule.recurs(4)),
  Schedule.whileInput(openAgainAtStart),
  // A schedule steps on every input, the one it stops at too: only an error that is tried again is said to be.
  Schedule.tapInput((error: { readonly _tag?: string; readonly transient?: boolean; readonly message?: string }) =>
    openAgainAtStart(error) ? Effect.logWarning(`${error.message ?? error} (a runner tries 5 times, 5 s apart)`) : Effect.void)
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
