import { readdirSync, readFileSync } from "node:fs"

/** A process's state letter and parent, from /proc/<pid>/stat; null once it is gone. */
const statOf = (pid: number | string) => {
  try {
    // comm sits in parentheses and may hold spaces; state and ppid follow the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return { state: state!, ppid: Number(ppid) }
  } catch {
    return null
  }
}

/** Alive: present and not a zombie, which is dead and only waits to be reaped. */
export const isLive = (pid: number) => {
  const stat = statOf(pid)
  return stat !== null && stat.state !== "Z"
}

/**
 * The live processes below `root` (children, grandchildren, ...) read from /proc, as their command lines.
 * Zombies are left out: they are dead and only wait to be reaped.
 */
export const descendantProcesses = (root: number = process.pid): Array<string> =>
  descendants(root).map(({ command }) => command)

/** The live processes below `root`, with their pids and command lines. */
export const descendants = (root: number = process.pid): Array<{ readonly pid: number; readonly command: string }> => {
  const parentOf = new Map<number, number>()
  const commandOf = new Map<number, string>()
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    const stat = statOf(entry)
    if (stat === null || stat.state === "Z") continue
    parentOf.set(Number(entry), stat.ppid)
    try {
      commandOf.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ").trim())
    } catch {
      // The process ended while we looked: not a descendant any more.
    }
  }
  const below = (pid: number): boolean => {
    for (let at = parentOf.get(pid); at !== undefined && at > 1; at = parentOf.get(at)) if (at === root) return true
    return false
  }
  return [...parentOf.keys()].filter(below).map((pid) => ({ pid, command: commandOf.get(pid) ?? String(pid) }))
}

/** This process's yt-dlp and ffmpeg descendants. */
export const mediaChildren = () => descendantProcesses().filter((command) => /yt-dlp|ffmpeg|ffprobe/.test(command))
