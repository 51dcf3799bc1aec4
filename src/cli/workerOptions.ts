import { HelpDoc, Options, ValidationError } from "@effect/cli"
import { Effect, Either, Option } from "effect"
import { hostname } from "node:os"
import type { RunnerIdentity } from "../cluster/runnerLayers.js"
import { parseWorkerStages, type WorkerStage } from "../cluster/workerStages.js"

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
  ),
  stages: Options.text("stages").pipe(
    Options.withDescription(
      "the stages this runner works on, comma-separated: download, analyze, curate, upload, or all. Download machines and the " +
        "analysis machine can be separate runners; a row is still analyzed and curated on the machine that holds its audio " +
        "(any machine with --shared-out)"
    ),
    Options.withDefault("all"),
    Options.mapEffect((text) =>
      Either.match(parseWorkerStages(text), {
        onLeft: (message) => Effect.fail(ValidationError.invalidValue(HelpDoc.p(message))),
        onRight: Effect.succeed
      })
    )
  )
}

export interface WorkerArgs {
  readonly "runner-host": Option.Option<string>
  readonly "runner-port": number
  readonly "listen-host": Option.Option<string>
  readonly node: Option.Option<string>
  readonly egress: Option.Option<string>
  readonly "shared-out": boolean
  readonly stages: ReadonlySet<WorkerStage>
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
