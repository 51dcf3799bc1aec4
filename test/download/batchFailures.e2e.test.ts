import { describeBatchFailures } from "./batchFailuresProperty.js"

// A few cases with a fixed seed (one interrupted, refusals and stalls among them); the slow tier runs many more.
describeBatchFailures({ numRuns: 3, seed: 4242 })
