import * as RunnerAddress from "@effect/cluster/RunnerAddress"
import { NodeClusterSocket } from "@effect/platform-node"
import { Option } from "effect"

/** Where this runner listens for its peers, and the address it gives them (they dial it). */
export interface RunnerEndpoint {
  /** The host name or address other runners reach this one at (on a LAN, this machine's address). */
  readonly host: string
  readonly port: number
  /** The interface to listen on; default: `host`. `0.0.0.0` listens on every interface. */
  readonly listenHost?: string
}

/**
 * How fast a dead runner's work moves. PostgreSQL holds each shard lock as an advisory lock of the runner's session,
 * freed the moment a killed runner's connection drops, and the others look for free shards every second. The lock
 * refresh keeps @effect/cluster's pace (a refresh that times out marks the storage unhealthy, and 2 s is too short on
 * a busy machine); the health check and the message polls are quicker than its defaults, for prompt takeover.
 */
const takeoverTimings = {
  refreshAssignmentsInterval: "1 second",
  runnerHealthCheckInterval: "5 seconds",
  entityMessagePollInterval: "2 seconds",
  entityReplyPollInterval: "200 millis",
  sendRetryInterval: "200 millis"
} as const

/**
 * An @effect/cluster runner over loopback/LAN sockets whose runner and message storage are tables in the SQL
 * database the layer is given (the manifest's PostgreSQL): runners meet there, with no registry of ours.
 */
export const clusterRunnerLayer = (endpoint: RunnerEndpoint) =>
  NodeClusterSocket.layer({
    storage: "sql",
    shardingConfig: {
      runnerAddress: Option.some(RunnerAddress.make(endpoint.host, endpoint.port)),
      runnerListenAddress: Option.some(RunnerAddress.make(endpoint.listenHost ?? endpoint.host, endpoint.port)),
      ...takeoverTimings
    }
  })
