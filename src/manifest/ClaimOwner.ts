import { hostname } from "node:os"

/** The process that holds a claim, written as `host:pid`. */
export interface ClaimOwner {
  readonly id: string
  readonly host: string
  /** Whether a process id on this host is still running. */
  readonly isAlive: (pid: number) => boolean
}

const processIsAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

export const currentProcessOwner = (): ClaimOwner => ({
  id: `${hostname()}:${process.pid}`,
  host: hostname(),
  isAlive: processIsAlive
})

/** What a claim's row says about it. */
export interface ClaimRecord {
  readonly claimedBy: string | null
  readonly claimedAt: number | null
  /** Null on a claim made before leases (or by a process that does not renew one): its age alone decides. */
  readonly leaseExpiresAt?: number | null
}

/**
 * A claim is stale when its lease ran out (its holder stopped renewing it, on whatever host), when it is older than
 * `staleClaimMs` whatever its lease (a hung worker whose process still renews), or when it was made on this host by a
 * process that is gone (a crash or kill -9: no need to wait out the lease).
 */
export const isClaimStale = (self: ClaimOwner, claim: ClaimRecord, nowMs: number, staleClaimMs: number): boolean => {
  const { claimedBy, claimedAt, leaseExpiresAt } = claim
  if (claimedBy === null || claimedAt === null) return true
  if (leaseExpiresAt !== null && leaseExpiresAt !== undefined && nowMs >= leaseExpiresAt) return true
  if (nowMs - claimedAt >= staleClaimMs) return true
  const separator = claimedBy.lastIndexOf(":")
  const host = claimedBy.slice(0, separator)
  const pid = Number(claimedBy.slice(separator + 1))
  return host === self.host && Number.isInteger(pid) && !self.isAlive(pid)
}
