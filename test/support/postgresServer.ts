import { execFileSync } from "node:child_process"
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort } from "./ports.js"

/**
 * A private PostgreSQL 15 server for one test file: its own data directory in a temp folder, a loopback port and a
 * Unix socket directory, trust authentication, stopped and deleted by `stop()`. The server refuses to run as root,
 * so when the tests run as root it is run as the `postgres` user.
 */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:PORT/DATABASE` for the database named at start. */
  readonly url: string
  readonly port: number
  /** The temp folder holding the data directory, socket and log; gone after `stop()`. */
  readonly directory: string
  /** A URL for another, new database on the same server (each test can have a clean one). */
  readonly createDatabase: (name: string) => string
  readonly stop: () => void
}

const postgresBin = "/usr/lib/postgresql/15/bin"

/** Whether this machine can start a private server (the Debian package is installed). */
export const postgresAvailable = () => existsSync(join(postgresBin, "initdb"))

const asServerUser = (program: string, args: ReadonlyArray<string>) => {
  const command = join(postgresBin, program)
  const runAsRoot = process.getuid?.() === 0
  const [file, argv] = runAsRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, [...args]]
  return execFileSync(file, argv, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" })
}

/**
 * `durable`: fsync on, as a real server runs (for benchmarks of durable commits); tests leave it off, since a
 * crash of the test machine loses nothing they need.
 */
export const startPostgres = async (database = "kidvoice", settings: { readonly durable?: boolean } = {}): Promise<PostgresServer> => {
  const home = mkdtempSync(join(tmpdir(), "kidvoice-pg-"))
  // The server user must reach its data directory and socket folder inside root's temp folder.
  chmodSync(home, 0o777)
  const data = join(home, "data")
  const port = await freePort()
  asServerUser("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"])
  const options = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${home}`,
    settings.durable === true ? "-c fsync=on" : "-c fsync=off",
    "-c max_connections=200",
  ].join(" ")
  asServerUser("pg_ctl", ["-D", data, "-o", options, "-l", join(home, "server.log"), "-w", "-t", "60", "start"])
  const createDatabase = (name: string) => {
    asServerUser("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", name])
    return `postgres://postgres@127.0.0.1:${port}/${name}`
  }
  const url = createDatabase(database)
  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    try {
      asServerUser("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  }
  return { url, port, directory: home, createDatabase, stop }
}
