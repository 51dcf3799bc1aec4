import * as RunnerAddress from "@effect/cluster/RunnerAddress"
import * as ShardingConfig from "@effect/cluster/ShardingConfig"
import * as SqlMessageStorage from "@effect/cluster/SqlMessageStorage"
import * as SqlRunnerStorage from "@effect/cluster/SqlRunnerStorage"
import { NodeClusterSocket } from "@effect/platform-node"
import { Effect, Layer, Option } from "effect"
import { withPostgresSchemaLock } from "../manifest/PostgresSchemaLock.js"
import { ensureClusterTables } from "./clusterTables.js"

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
 * freed the moment a killed runner's connection drops, and the others look for free shards every second: takeover
 * does not wait for any refresh. The lock refresh is slower than @effect/cluster's 10 s: a refresh that does not
 * answer within its interval marks the runner's lock storage unhealthy, and the runner then lets every shard go at
 * once (its entities stop, its singleton moves) and takes none for an interval or more; on the busy test machine a
 * refresh over 10 s happened in about one run in three, each costing every download on that egress a fallback. The
 * expiration only matters without advisory locks, and is kept at three refreshes. The health check and the message
 * polls are quicker than its defaults, for prompt takeover.
 */
const takeoverTimings = {
  shardLockRefreshInterval: "20 seconds",
  shardLockExpiration: "60 seconds",
  refreshAssignmentsInterval: "1 second",
  runnerHealthCheckInterval: "5 seconds",
  entityMessagePollInterval: "2 seconds",
  entityReplyPollInterval: "200 millis",
  sendRetryInterval: "200 millis"
} as const

/**
 * The cluster's runner and message storage (its `cluster_*` tables) and kidvoice's own cluster tables, made under
 * the schema lock: each storage creates its tables when built, and runners starting together on a fresh database
 * would race to create them.
 */
export const clusterStorageLayer = Layer.scopedContext(Effect.gen(function* () {
  const scope = yield* Effect.scope
  const storage = Layer.merge(SqlMessageStorage.layer, Layer.orDie(SqlRunnerStorage.layer))
  return yield* withPostgresSchemaLock(ensureClusterTables.pipe(Effect.zipRight(Layer.buildWithScope(storage, scope))))
}))

/**
 * An @effect/cluster runner over loopback/LAN sockets whose runner and message storage are tables in the SQL
 * database the layer is given (the manifest's PostgreSQL): runners meet there, with no registry of ours.
 */
export const clusterRunnerLayer = (endpoint: RunnerEndpoint) => {
  const shardingConfig = {
    runnerAddress: Option.some(RunnerAddress.make(endpoint.host, endpoint.port)),
    runnerListenAddress: Option.some(RunnerAddress.make(endpoint.listenHost ?? endpoint.host, endpoint.port)),
    ...takeoverTimings
  }
  return NodeClusterSocket.layer({ storage: "byo", shardingConfig }).pipe(
    Layer.provide(clusterStorageLayer),
    // The socket layer makes its own ShardingConfig from these options; the storage built here needs one too.
    Layer.provide(ShardingConfig.layerFromEnv(shardingConfig))
  )
}
