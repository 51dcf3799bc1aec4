import { defineConfig } from "vitest/config"

/**
 * The slow tier: heavier variants of checks whose smaller form the default tier already makes (more videos, more
 * generated cases, real-size inputs). `npm test` leaves them out; `npm run test:slow` runs only them
 * (vitest.slow.config.ts, which shares these settings).
 */
export const slowTests = "test/**/*.slow.test.ts"

export const sharedTestSettings = {
  testTimeout: 120_000,
  hookTimeout: 120_000,
  // Tests spawn ffmpeg and onnxruntime; two cores, so keep files from fighting over them.
  fileParallelism: false,
  // A passing test's logs are noise (hundreds of blocks); a failing test's are kept, where they help.
  silent: "passed-only"
} as const

export default defineConfig({
  test: { include: ["test/**/*.test.ts"], exclude: ["**/node_modules/**", slowTests], ...sharedTestSettings }
})
