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
 * How fast a dead runner's shards move: a runner refreshes its shard locks every 2 s and a lock not refreshed for
 * 10 s is free (the defaults, 10 s and 35 s, leave singletons of a killed runner orphaned for over half a minute).
 * PostgreSQL also holds the shard locks as advisory locks of the runner's session, freed when its connection drops.
 */
const takeoverTimings = {
  shardLockRefreshInterval: "2 seconds",
  shardLockExpiration: "10 seconds",
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
