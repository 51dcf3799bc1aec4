/**
 * kidvoice as a library: the pipeline's services as Layers, for embedding in another Effect program.
 *
 *   const layer = pipelineLayer(config)          // Manifest, Source, Downloader, Analyzer, Curator, Workspace
 *   runAll(["videos/"], config).pipe(Effect.provide(layer))
 */
export { Analysis, Clip, SpeechSegment } from "./domain/Analysis.js"
export { Candidate } from "./domain/Candidate.js"
export { defaultConfig, KidvoiceConfig } from "./domain/Config.js"
export { ManifestRow } from "./domain/ManifestRow.js"
export { transition, Transition, VideoState } from "./domain/VideoState.js"
export { VideoId } from "./domain/VideoId.js"
export { Workspace, workspacePaths } from "./domain/Workspace.js"
export { Analyzer } from "./analyze/Analyzer.js"
export { ChildVoiceClassifier } from "./analyze/ChildVoiceClassifier.js"
export { SileroVad } from "./analyze/SileroVad.js"
export { Curator } from "./curate/Curator.js"
export { decide } from "./curate/rules.js"
export { Downloader } from "./download/Downloader.js"
export { Manifest } from "./manifest/Manifest.js"
export { sqliteManifestLayer } from "./manifest/ManifestStore.js"
export { writeExport } from "./manifest/exports.js"
export { Source } from "./source/Source.js"
export { Uploader, type UploadOptions, type UploadSummary } from "./upload/Uploader.js"
export { analyzeStage, curateStage, discover, downloadStage, reconcile, runAll, uploadStage } from "./pipeline/Pipeline.js"
export { manifestLayer, pipelineLayer } from "./pipeline/layers.js"
