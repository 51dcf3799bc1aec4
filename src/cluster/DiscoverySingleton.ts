import * as Singleton from "@effect/cluster/Singleton"
import { Effect, Schedule } from "effect"
import type { KidvoiceConfig } from "../domain/Config.js"
import { Manifest } from "../manifest/Manifest.js"
import { discover } from "../pipeline/discovery.js"
import { ChannelExplorer } from "./ChannelExplorer.js"
import { makeDiscoveryQueue, type QueuedInput } from "./DiscoveryQueue.js"
import { makeListingPositions } from "./ListingPositions.js"
import { recordedRun } from "./singletonRuns.js"

/** How long the singleton rests when nothing new was queued. */
const idle = "1 second"

/** Channels explored at once, each on the runner the cluster routes it to. */
const channelsAtOnce = 4

const requestOf = (input: QueuedInput) => input.kind === "input" ? { inputs: [input.value], queries: [] } : { inputs: [], queries: [input.value] }

/**
 * Discovery of the cluster's inputs and searches: one singleton, so a list is read by one runner at a time, wherever
 * it lands; when that runner dies the cluster starts it on another, which resumes from the queue (an input is marked
 * listed only after its findings committed) and, within a search or channel, at the page after the last one recorded
 * (ListingPositions.ts). It also hands the channels of accepted videos to their ChannelExplorer entities. Runs until
 * its shard moves away.
 */
export const discoverySingleton = (config: KidvoiceConfig, runner: string) =>
  Singleton.make("kidvoice/discovery", Effect.gen(function* () {
    const queue = yield* makeDiscoveryQueue
    const positions = yield* makeListingPositions
    const manifest = yield* Manifest
    const explorer = yield* ChannelExplorer.client
    // Channels asked for in this run: one that failed stays queued for the next run of the singleton, not asked again
    // every second.
    const asked = new Set<string>()
    // The channel rounds of `runAll`, continuously: channels queued as their videos are accepted.
    const exploreChannels = Effect.gen(function* () {
      if (config.discovery.channelExploreLimit <= 0) return 0
      yield* manifest.queueChannelsOfAccepted
      const channels = (yield* manifest.queuedChannels).filter((channel) => !asked.has(channel.id))
      for (const channel of channels) asked.add(channel.id)
      yield* Effect.forEach(channels, (channel) =>
        explorer(channel.id).Explore({ limit: config.discovery.channelExploreLimit }).pipe(
          // Whatever ended the ask (its runner died, its shard moved: a failure, an interruption or a defect in the
          // reply), the channel stays queued for the next run of the singleton; the singleton itself goes on.
          Effect.catchAllCause((cause) => Effect.logWarning(`channel ${channel.id} not explored this round`, cause))
        ), { concurrency: channelsAtOnce, discard: true })
      return channels.length
    })
    while (true) {
      const inputs = yield* queue.pending
      for (const input of inputs) {
        const found = yield* discover(requestOf(input), config, positions)
        yield* queue.markListed(input, found.failed)
        yield* Effect.logInfo(`discovered ${input.kind} ${input.value}: ${found.added} new, ${found.known} known`)
      }
      const channels = yield* exploreChannels
      if (inputs.length === 0 && channels === 0) yield* Effect.sleep(idle)
    }
  }).pipe(
    recordedRun("kidvoice/discovery", runner),
    // A failure (the database went away) or a defect is logged, and the singleton starts again after a pause: the
    // cluster would not restart a singleton that died until its shard moved. Its own interruption (the shard moved
    // away) is not caught: the singleton then stops here and starts on the shard's new owner.
    Effect.sandbox,
    Effect.tapError((cause) => Effect.logError("the discovery singleton stopped; starting it again in 2 s", cause)),
    Effect.retry({ schedule: Schedule.spaced("2 seconds") }),
    Effect.unsandbox,
    Effect.annotateLogs({ singleton: "kidvoice/discovery" })
  ))
