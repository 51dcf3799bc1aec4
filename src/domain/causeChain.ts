/**
 * `error` and the causes under it, outermost first, at most `limit` in all. Wrappers keep what went wrong in
 * `cause` (a SqlError the driver's error with its SQLSTATE, fetch's TypeError the socket's ECONNREFUSED): whoever
 * explains or classifies a failure looks down this chain. Pure.
 */
export const causeChain = (error: unknown, limit = 5): ReadonlyArray<unknown> => {
  const chain: Array<unknown> = []
  for (let at = error; at !== undefined && at !== null && chain.length < limit; ) {
    chain.push(at)
    at = typeof at === "object" ? (at as { readonly cause?: unknown }).cause : undefined
  }
  return chain
}
