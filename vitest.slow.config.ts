import { defineConfig } from "vitest/config"
import { sharedTestSettings, slowTests } from "./vitest.config.js"

// `npm run test:slow`: the slow tier only (see vitest.config.ts), with the default tier's settings.
export default defineConfig({ test: { include: [slowTests], ...sharedTestSettings } })
