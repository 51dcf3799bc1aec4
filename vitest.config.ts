import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Tests spawn ffmpeg and onnxruntime; two cores, so keep files from fighting over them.
    fileParallelism: false,
    // A passing test's logs are noise (hundreds of blocks); a failing test's are kept, where they help.
    silent: "passed-only"
  }
})
