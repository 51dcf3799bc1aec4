import { Either } from "effect"

/** The per-video stages a runner can work on. Discovery is the cluster's singleton, on whichever runner holds it. */
export const workerStageNames = ["download", "analyze", "curate", "upload"] as const
export type WorkerStage = (typeof workerStageNames)[number]

export const allWorkerStages: ReadonlySet<WorkerStage> = new Set(workerStageNames)

const isWorkerStage = (name: string): name is WorkerStage => (workerStageNames as ReadonlyArray<string>).includes(name)

/**
 * Reads `--stages download,analyze` into the set of stages a runner works on; `all` is every stage. Pure. Refuses an
 * unknown or empty list with a message naming the stages, so a typo never starts a runner that does nothing.
 */
export const parseWorkerStages = (text: string): Either.Either<ReadonlySet<WorkerStage>, string> => {
  const names = text.split(",").map((name) => name.trim().toLowerCase()).filter((name) => name !== "")
  if (names.length === 0) return Either.left(`--stages names no stage; give some of ${workerStageNames.join(", ")} (or all)`)
  if (names.includes("all")) return Either.right(allWorkerStages)
  const unknown = names.filter((name) => !isWorkerStage(name))
  if (unknown.length > 0) {
    return Either.left(`--stages: unknown stage ${unknown.map((n) => JSON.stringify(n)).join(", ")}; the stages are ${workerStageNames.join(", ")} (or all)`)
  }
  return Either.right(new Set(names.filter(isWorkerStage)))
}
