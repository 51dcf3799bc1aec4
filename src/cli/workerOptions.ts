import { Options } from "@effect/cli"
import { Option } from "effect"
import { hostname } from "node:os"
import type { RunnerIdentity } from "../cluster/runnerLayers.js"

/** The options that make a process a runner (the manifest, --out and the stages' settings are the usual ones). */
export const workerOptions = {
  "runner-host": Options.text("runner-host").pipe(
    Options.withDescription("the host name or address other runners reach this one at (default: this machine's host name)"),
    Options.optional
  ),
  "runner-port": Options.integer("runner-port").pipe(
    Options.withDescription("the TCP port this runner listens on for other runners"),
    Options.withDefault(34431)
  ),
  "listen-host": Options.text("listen-host").pipe(
    Options.withDescription("the interface to listen on (default: --runner-host; 0.0.0.0 for every interface)"),
    Options.optional
  ),
  node: Options.text("node").pipe(
    Options.withDescription("this machine's name in the manifest: rows it downloads are analyzed and curated here (default: the host name)"),
    Options.optional
  ),
  egress: Options.text("egress").pipe(
    Options.withDescription("the public address downloads leave through; runners with the same --egress share one request pace (default: --node)"),
    Options.optional
  ),
  "shared-out": Options.boolean("shared-out").pipe(
    Options.withDescription("every runner's --out is the same shared folder (NFS...): any runner analyzes any row, no host is recorded")
  )
}

export interface WorkerArgs {
  readonly "runner-host": Option.Option<string>
  readonly "runner-port": number
  readonly "listen-host": Option.Option<string>
  readonly node: Option.Option<string>
  readonly egress: Option.Option<string>
  readonly "shared-out": boolean
}

export const runnerIdentity = (args: WorkerArgs): RunnerIdentity => {
  const node = Option.getOrElse(args.node, () => hostname())
  return {
    endpoint: {
      host: Option.getOrElse(args["runner-host"], () => hostname()),
      port: args["runner-port"],
      ...Option.match(args["listen-host"], { onNone: () => ({}), onSome: (listenHost) => ({ listenHost }) })
    },
    node,
    egress: Option.getOrElse(args.egress, () => node)
  }
}
