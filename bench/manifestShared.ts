/**
 * What the manifest benchmark's driver and its worker processes share: the start barrier, the report a worker
 * prints, and the ids of the seeded rows. No Effect here, so the raw and old-pattern workers start fast.
 */
import { existsSync, writeFileSync } from "node:fs"

/** Options every worker gets as its one JSON argument. */
export interface WorkerArgs {
  /** The manifest file (SQLite), a postgres:// URL, or the old pattern's directory. */
  readonly target: string
  readonly rows: number
  /** This worker's number, 0..processes-1, and how many there are. */
  readonly index: number
  readonly processes: number
  readonly seconds: number
  readonly readyFile: string
  readonly startFile: string
  /** Concurrent claim-and-complete loops inside one kidvoice writer process (its stage workers). */
  readonly fibers: number
}

/** The last stdout line of every worker. Times are epoch milliseconds. */
export interface WorkerReport {
  readonly updates: number
  readonly startedAt: number
  readonly endedAt: number
  /** True when the worker stopped early because nothing was left to claim. */
  readonly exhausted: boolean
  /** Seconds spent inside store statements per operation (kidvoice only), from its `storeSeconds` histogram. */
  readonly storeSeconds?: Readonly<Record<string, { readonly count: number; readonly sum: number }>>
  /** Transactions the writer committed and the writes in them (kidvoice only). */
  readonly commits?: { readonly count: number; readonly writes: number }
  /** CPU time (user + system) the process used while measured. */
  readonly cpuMs?: number
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))
/** Blocks the thread: the workers are single-purpose processes with nothing else to run. */
export const sleepSync = (ms: number) => {
  Atomics.wait(sleeper, 0, 0, ms)
}

/** Says "ready", then waits until the driver creates the start file, so that all workers begin together. */
/** `awaitStart` without blocking the event loop, for a process whose manifest has work of its own meanwhile. */
export const awaitStartAsync = async (args: WorkerArgs) => {
  writeFileSync(args.readyFile, String(process.pid))
  while (!existsSync(args.startFile)) await new Promise((resolve) => setTimeout(resolve, 10))
}

export const awaitStart = (args: WorkerArgs) => {
  writeFileSync(args.readyFile, String(process.pid))
  while (!existsSync(args.startFile)) sleepSync(10)
}

/** The id of seeded row `n`: a valid 11-character YouTube-style id, in creation order. */
export const rowId = (n: number) => `v${n.toString(36).padStart(10, "0")}`

export const printReport = (report: WorkerReport) => process.stdout.write(`${JSON.stringify(report)}\n`)
