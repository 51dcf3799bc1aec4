import { describeBatchFailures } from "./batchFailuresProperty.js"

// The slow tier: many more generated batches than the default tier's three, a new seed each time (fast-check
// prints it with a failure, to replay it with `seed`).
describeBatchFailures({ numRuns: 16 })
