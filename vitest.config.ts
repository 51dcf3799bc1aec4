import { defineConfig } from "vitest/config"

/**
 * The slow tier: heavier variants of checks whose smaller form the default tier already makes (more videos, more
 * generated cases, real-size inputs). `npm test` leaves them out; `npm run test:slow` runs only them
 * (vitest.slow.config.ts, which shares these settings).
 */
export const slowTests = "test/**/*.slow.test.ts"

/**
 * Files that run one after another in one shared process (vitest `isolate: false`) instead of a fresh process each:
 * starting a process and importing Effect anew cost about a second a file (two on a busy machine), a fifth of the
 * suite. A file goes here only if it leaves nothing behind in the process: no spies or mocks, no `process.env` or
 * `process.on`, no Effect metrics (their registry is global), no progress display, no servers, no child processes of
 * its own. Everything else, and any new file until someone checks it, runs in a process of its own. The list is
 * explicit on purpose: a glob would let a new file in without that check.
 */
export const sharedProcessTests = [
  "test/analyze/AgeGenderClassifier.test.ts",
  "test/analyze/Analyzer.test.ts",
  "test/analyze/AnalyzerModels.test.ts",
  "test/analyze/EnsembleClassifier.test.ts",
  "test/analyze/SpeechSegmenter.test.ts",
  "test/analyze/Transcriber.test.ts",
  "test/analyze/WhisperLanguage.test.ts",
  "test/analyze/acoustics.test.ts",
  "test/analyze/evalLabels.test.ts",
  "test/analyze/evaluation.test.ts",
  "test/analyze/greedyDecoding.test.ts",
  "test/analyze/installedModels.test.ts",
  "test/analyze/languageHints.test.ts",
  "test/analyze/logMel.test.ts",
  "test/analyze/voiceFeatures.test.ts",
  "test/analyze/whisperTokenizer.test.ts",
  "test/cli/exitCodes.test.ts",
  "test/cli/help.test.ts",
  "test/cli/report.test.ts",
  "test/cli/status.test.ts",
  "test/cli/version.test.ts",
  "test/cli/unexpectedError.test.ts",
  "test/curate/CuratorAsr.test.ts",
  "test/curate/clipPlan.test.ts",
  "test/curate/loudness.test.ts",
  "test/curate/rules.test.ts",
  "test/domain/RetryPolicy.test.ts",
  "test/domain/Analysis.test.ts",
  "test/domain/causeChain.test.ts",
  "test/domain/VideoId.test.ts",
  "test/domain/VideoState.test.ts",
  "test/download/captions.test.ts",
  "test/download/ytDlpArgs.test.ts",
  "test/download/ytDlpReadiness.test.ts",
  "test/download/ytDlpVersion.test.ts",
  "test/files/outDirectory.test.ts",
  "test/manifest/exports.test.ts",
  "test/manifest/legacyImport.test.ts",
  "test/manifest/queryPlans.test.ts",
  "test/manifest/recordDiscovery.test.ts",
  "test/manifest/retry.test.ts",
  "test/manifest/snapshots.test.ts",
  "test/manifest/webdataset.test.ts",
  "test/media/captions.test.ts",
  "test/media/ffmpegFailure.test.ts",
  "test/media/mediaFormats.test.ts",
  "test/pipeline/discovery.test.ts",
  "test/pipeline/stageWorkers.test.ts",
  "test/scripts/onnxLogistic.test.ts",
  "test/source/YtDlpSearch.test.ts",
  "test/source/folderSymlinks.test.ts",
  "test/source/isoDuration.test.ts",
  "test/source/metadataFilter.test.ts",
  "test/source/urlList.test.ts",
  "test/source/urlListLocalFiles.test.ts",
  "test/source/youTubeTargets.test.ts",
  "test/upload/protocol.test.ts",
]

export const sharedTestSettings = {
  testTimeout: 120_000,
  hookTimeout: 120_000,
  // Tests spawn ffmpeg and onnxruntime; two cores, so keep files from fighting over them.
  fileParallelism: false,
  // A passing test's logs are noise (hundreds of blocks); a failing test's are kept, where they help.
  silent: "passed-only"
} as const

export default defineConfig({
  test: {
    ...sharedTestSettings,
    projects: [
      // The two run one after the other (groupOrder), each one file at a time, as one project did before.
      { extends: true, test: { name: "shared-process", include: sharedProcessTests, isolate: false, poolOptions: { forks: { singleFork: true, isolate: false } }, sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: {
          name: "own-process",
          include: ["test/**/*.test.ts"],
          exclude: ["**/node_modules/**", slowTests, ...sharedProcessTests],
          sequence: { groupOrder: 1 }
        }
      }
    ]
  }
})
