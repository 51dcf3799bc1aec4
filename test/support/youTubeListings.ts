import { Layer, Stream } from "effect"
import { Candidate } from "../../src/domain/Candidate.js"
import { VideoId } from "../../src/domain/VideoId.js"
import type { Listing } from "../../src/source/metadataFilter.js"
import { Source } from "../../src/source/Source.js"
import { YouTubeCatalog } from "../../src/source/YouTubeCatalog.js"
import { YtDlpListingFailed } from "../../src/source/YtDlpSearch.js"
import type { YouTubeTarget } from "../../src/source/youTubeTargets.js"

/** A YouTube video as a search or channel listing gives it: Vietnamese title and metadata, scripted extras. */
export const listing = (id: string, extra: Partial<{ duration: number | null; live: Listing["liveStatus"]; availability: string | null; channelId: string }> = {}): Listing => ({
  candidate: Candidate.make({
    id: VideoId.make(id),
    kind: "youtube",
    sourceUrl: `https://www.youtube.com/watch?v=${id}`,
    title: `Bé đọc thơ ${id}`,
    channel: "Bé Na Official",
    declaredDurationSeconds: extra.duration ?? null,
    description: "Thơ thiếu nhi",
    declaredLanguage: "vi",
    channelId: extra.channelId ?? null
  }),
  liveStatus: extra.live ?? null,
  availability: extra.availability ?? null
})

/** A catalog answering every target with scripted batches (or a failure), remembering what it was asked. */
export const scriptedCatalog = (answer: (target: YouTubeTarget) => ReadonlyArray<ReadonlyArray<Listing>> | YtDlpListingFailed) => {
  const calls: Array<{ target: YouTubeTarget; limit: number }> = []
  const layer = Source.layer.pipe(Layer.provide(Layer.succeed(YouTubeCatalog, {
    name: "yt-dlp",
    list: (target, limit) => {
      calls.push({ target, limit })
      const batches = answer(target)
      return batches instanceof YtDlpListingFailed ? Stream.fail(batches) : Stream.fromIterable(batches)
    }
  })))
  return { calls, layer }
}
