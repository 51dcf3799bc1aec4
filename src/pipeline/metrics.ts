/** The stage metrics live in domain/stageMetrics.ts, below the stages that record them; this keeps the old path. */
export { failuresByTag, stageOutcomes, stageSeconds } from "../domain/stageMetrics.js"
