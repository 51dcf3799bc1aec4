/** What every harness reads from its command line (`--name value`), and the one statistic they all print. */

const args = process.argv.slice(2)

/** The value after `--name`, or `fallback` when the flag is absent. */
export const option = <F extends string | null>(name: string, fallback: F): string | F => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? args[at + 1]! : fallback
}

/** `--name N` as a number, or `fallback`. */
export const numberOption = (name: string, fallback: number): number => {
  const value = option(name, null)
  return value === null ? fallback : Number(value)
}

/** Whether `--name` was given. */
export const flag = (name: string) => args.includes(`--${name}`)

export const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
