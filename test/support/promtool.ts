import { execa } from "execa"

/**
 * `promtool check metrics` on an exposition: its exit code and what it said. promtool comes from Debian's
 * `prometheus` package; without it the test fails saying so, rather than passing without a check.
 */
export const promtoolCheckMetrics = async (exposition: string) => {
  const result = await execa("promtool", ["check", "metrics"], { input: exposition, reject: false })
  if ((result as { code?: string }).code === "ENOENT") {
    throw new Error("promtool is not installed: `apt-get install -y prometheus` (Debian) provides it; the metrics lint test needs it")
  }
  return { exitCode: result.exitCode, output: `${result.stdout}${result.stderr}`.trim() }
}
