import * as Entity from "@effect/cluster/Entity"
import { Rpc } from "@effect/rpc"
import { Effect, Schema } from "effect"
import type { KidvoiceConfig } from "../domain/Config.js"
import { Manifest } from "../manifest/Manifest.js"
import { discover } from "../pipeline/discovery.js"
import type { Source } from "../source/Source.js"
import { channelById } from "../source/youTubeTargets.js"
import { makeListingPositions } from "./ListingPositions.js"

/**
 * The exploration of one channel of an accepted video. An entity keyed by channel id: the cluster routes every ask
 * for a channel to one runner, which handles them one at a time, so a channel is never listed twice at once however
 * many runners ask; channels spread over the runners by shard. Explored once: the manifest marks it.
 */
export const ChannelExplorer = Entity.make("ChannelExplorer", [
  /** Lists the channel (up to `limit` videos), records what it holds, marks it explored; answers how many it listed. */
  Rpc.make("Explore", { payload: { limit: Schema.Number }, success: Schema.NullOr(Schema.Number) })
])

/** Lists a channel by its URL as plain discovery does, with the explore limit and no recursion into other channels. */
const exploreOnce = (channelId: string, limit: number, config: KidvoiceConfig) =>
  Effect.gen(function* () {
    const manifest = yield* Manifest
    const channelConfig = { ...config, discovery: { ...config.discovery, searchLimit: limit, channelExploreLimit: 0 } }
    // From the page an exploration that died midway (its runner killed) had reached.
    const found = yield* discover({ inputs: [channelById(channelId).url], queries: [] }, channelConfig, yield* makeListingPositions)
    // A channel that could not be listed stays queued, for a later round.
    if (found.failed > 0) return null
    const listed = found.added + found.skipped + found.known + found.duplicates + found.notYet
    yield* manifest.markChannelExplored(channelId, listed)
    return listed
  })

export const channelExplorerLayer = (config: KidvoiceConfig) =>
  ChannelExplorer.toLayer(Effect.gen(function* () {
    const address = yield* Entity.CurrentAddress
    const context = yield* Effect.context<Manifest | Source>()
    return {
      Explore: ({ payload }) =>
        exploreOnce(address.entityId, payload.limit, config).pipe(
          Effect.tapErrorCause((cause) => Effect.logError(`exploring channel ${address.entityId} failed`, cause)),
          Effect.orElseSucceed(() => null),
          Effect.provide(context)
        )
    }
  }))
