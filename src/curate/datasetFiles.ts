import { Effect } from "effect"
import { join } from "node:path"
import type { KidvoiceConfig } from "../domain/Config.js"
import { Workspace } from "../domain/Workspace.js"
import { writeTextAtomic } from "../files/atomicWrite.js"
import { defaultExportPath, forEachClipPage, writeExport } from "../manifest/exports.js"
import { renderDatasetCard, summaryBuilder } from "./datasetCard.js"

/** The command line that made the dataset, for its card. */
export const commandLine = () => ["kidvoice", ...process.argv.slice(2)].join(" ")

/** Rewrites the dataset's `metadata.jsonl` and `README.md` from the manifest, each atomically. */
export const writeDatasetFiles = (config: KidvoiceConfig, classifier: string, producedBy: string) =>
  Effect.gen(function* () {
    const paths = yield* Workspace
    const metadata = yield* writeExport("hf", defaultExportPath(paths, "hf"), paths)
    const summary = summaryBuilder()
    yield* forEachClipPage((page) => Effect.sync(() => summary.add(page)))
    const card = join(paths.dataset, "README.md")
    yield* writeTextAtomic(card, renderDatasetCard(summary.result(), { rules: config.rules, clips: config.clips, classifier }, producedBy))
    return { metadata: metadata.path, card, clips: metadata.lines }
  })
