import { Data, Duration, Effect, Schedule } from "effect"
import { execa } from "execa"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { filesBelow } from "./cli.js"
import { freePort } from "./ports.js"

/**
 * A real WebDAV server for upload tests: Debian's nginx with its DAV module (`apt-get install -y nginx-light`),
 * on a loopback port, with its own prefix, config, logs and temp folders in a temp directory; stopped and
 * removed when the scope closes.
 */
export interface WebdavServer {
  /** The upload endpoint: `http://127.0.0.1:<port>/dav`. */
  readonly endpoint: string
  readonly port: number
  /** The folder nginx serves `/dav/` from: what the server holds, as files. */
  readonly root: string
  /** Where nginx keeps request bodies while they arrive (a PUT in progress has a file here). */
  readonly bodyTemp: string
  /** Requests so far, from nginx's access log. */
  readonly requests: () => Array<{ readonly method: string; readonly path: string; readonly status: number }>
}

export class NginxMissing extends Data.TaggedError("NginxMissing")<{}> {
  override get message() {
    return "nginx is not installed: the WebDAV upload tests need Debian's nginx with its DAV module (apt-get install -y nginx-light)"
  }
}

const findNginx = () =>
  [...(process.env["PATH"] ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin"]
    .map((dir) => join(dir, "nginx"))
    .find((path) => existsSync(path))

const waitForPort = (port: number) =>
  Effect.async<void, Error>((resume) => {
    const socket = connect(port, "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.void)
    })
    socket.once("error", (error) => resume(Effect.fail(error)))
  }).pipe(Effect.retry(Schedule.spaced(Duration.millis(20)).pipe(Schedule.upTo(Duration.seconds(10)))))

const config = (prefix: string, port: number, users: Record<string, string> | undefined) => `
daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 64; }
http {
  log_format upload '$request_method $uri $status';
  access_log ${prefix}/access.log upload;
  client_body_temp_path ${prefix}/body-temp;
  proxy_temp_path ${prefix}/temp/proxy;
  fastcgi_temp_path ${prefix}/temp/fastcgi;
  uwsgi_temp_path ${prefix}/temp/uwsgi;
  scgi_temp_path ${prefix}/temp/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${prefix}/www;
    location /dav/ {
      dav_methods PUT DELETE MKCOL COPY MOVE;
      dav_access user:rw group:r all:r;
      create_full_put_path off;
      client_max_body_size 0;
      ${users ? `auth_basic "kidvoice"; auth_basic_user_file ${prefix}/htpasswd;` : ""}
    }
  }
}
`

export const webdavServer = (options: { readonly users?: Record<string, string> } = {}) =>
  Effect.gen(function* () {
    const nginx = findNginx()
    if (nginx === undefined) return yield* new NginxMissing()
    const prefix = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "kidvoice-webdav-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )
    const root = join(prefix, "www", "dav")
    mkdirSync(root, { recursive: true })
    mkdirSync(join(prefix, "temp"))
    mkdirSync(join(prefix, "body-temp"))
    if (options.users) {
      // nginx reads {PLAIN} passwords as they are: fine for a test server.
      writeFileSync(join(prefix, "htpasswd"), Object.entries(options.users).map(([user, password]) => `${user}:{PLAIN}${password}\n`).join(""))
    }
    const port = yield* Effect.promise(() => freePort())
    writeFileSync(join(prefix, "nginx.conf"), config(prefix, port, options.users))
    const process = yield* Effect.acquireRelease(
      Effect.sync(() => execa(nginx, ["-p", prefix, "-c", join(prefix, "nginx.conf"), "-e", join(prefix, "error.log")], { reject: false, stdin: "ignore" })),
      (child) => Effect.promise(async () => {
        child.kill("SIGTERM")
        await child
      })
    )
    yield* waitForPort(port).pipe(
      Effect.catchAll(() =>
        Effect.promise(async () => {
          process.kill("SIGKILL")
          const result = await process
          throw new Error(`nginx did not start on 127.0.0.1:${port}: ${result.stderr} ${readFileSync(join(prefix, "error.log"), "utf8")}`)
        })
      )
    )
    const requests = () => {
      const log = existsSync(join(prefix, "access.log")) ? readFileSync(join(prefix, "access.log"), "utf8") : ""
      return log.trim().split("\n").filter((l) => l !== "").map((line) => {
        const [method, path, status] = line.split(" ")
        return { method: method!, path: path!, status: Number(status) }
      })
    }
    return { endpoint: `http://127.0.0.1:${port}/dav`, port, root, bodyTemp: join(prefix, "body-temp"), requests } satisfies WebdavServer
  })

/** What the server holds: every file below its root, relative, sorted. */
export const heldFiles = (server: WebdavServer) => filesBelow(server.root)
