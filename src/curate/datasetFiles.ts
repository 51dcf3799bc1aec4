import { Effect } from "effect"
import { join } from "node:path"
import { Workspace } from "../domain/Workspace.js"
import { writeTextAtomic } from "../files/atomicWrite.js"
import { defaultExportPath, forEachClipPage, metadataColumns, writeExport } from "../manifest/exports.js"
import { portableCommandLine, renderDatasetCard, summaryBuilder } from "./datasetCard.js"

/** The command line that made the dataset, for its card, without this machine's folders. */
export const commandLine = () => portableCommandLine(["kidvoice", ...process.argv.slice(2)], process.cwd())

/** Rewrites the dataset's `metadata.jsonl` and `README.md` from the manifest, each atomically. */
export const writeDatasetFiles = (producedBy: string) =>
  Effect.gen(function* () {
    const paths = yield* Workspace
    const metadata = yield* writeExport("hf", defaultExportPath(paths, "hf"), paths)
    const summary = summaryBuilder()
    yield* forEachClipPage((page) => Effect.sync(() => summary.add(page)))
    const card = join(paths.dataset, "README.md")
    // The rules come from the clips (what each was accepted under), not from this run's settings.
    yield* writeTextAtomic(card, renderDatasetCard(summary.result(), producedBy, metadataColumns))
    return { metadata: metadata.path, card, clips: metadata.lines }
  })
