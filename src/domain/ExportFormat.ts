import { Schema } from "effect"

/**
 * The files `kidvoice export` writes (manifest/exports.ts writes them). Its own small module so that the CLI's
 * option list names the formats without loading the exporters (and the manifest) at start.
 */
export const ExportFormat = Schema.Literal("hf", "nemo", "csv", "urls", "jsonl", "lhotse", "webdataset")
export type ExportFormat = typeof ExportFormat.Type
