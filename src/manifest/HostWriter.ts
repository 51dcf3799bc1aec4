import { Cause, Clock, Data, Deferred, Duration, Effect, Either, Exit, Fiber, Metric, Option, Random, Runtime, Schema } from "effect"
import { ArrayFormatter } from "effect/ParseResult"
import { createHash, randomUUID } from "node:crypto"
import { realpathSync } from "node:fs"
import { connect, createServer, type Server, type Socket } from "node:net"
import { IllegalTransition, type VideoState } from "../domain/VideoState.js"
import { ClaimLost, ManifestQueryError, VideoNotFound } from "./ManifestErrors.js"
import { receiptRetentionMs, type WriteReceipt, WriteExpired } from "./ManifestWriter.js"
import { hostWriterLeads, writesSentToLeader } from "./metrics.js"
import { ManifestCommand, transitionFromData, type WriteError } from "./writeCommands.js"

/*
 * One manifest writer per host, not per process. Group commit (ManifestWriter.ts) makes one commit of many writes,
 * but only of one process's writes: ten processes on one manifest each committed their own, and SQLite's lock
 * passed between them at 1,000 commits a second. So the processes on a host elect a leader, and the others send
 * it their writes, which it commits with its own.
 *
 * - The leader is whoever binds the manifest's abstract Unix socket (Linux): the kernel frees the name when the
 *   process dies, so there is no stale lock to clear, and two leaders at once cannot happen.
 * - Correctness never rests on the leader: every writer still takes SQLite's write lock. Without a leader (another
 *   OS, another network namespace, an election in progress) a process writes itself, as before.
 * - A write sent to the leader carries a request id. If the connection drops or the leader stops answering, the
 *   sender runs the write itself under the same id; the receipt the leader kept in the same commit (if it got that
 *   far) answers it instead, so no write is applied twice and none is lost.
 * - The socket can be reached by any local user, so a follower first shows the key kept in the manifest.
 */

/** Bumped when commands or replies change shape: processes of different versions then elect separate leaders. */
const protocol = "kidvoice-manifest-writer-1"
/** A request the leader has not started within this is refused; its sender has run it itself by then. */
const leaderMaxAgeMs = 30_000
/** A follower that waited this long for an answer stops trusting the leader and writes itself for a while. */
const answerTimeoutMs = 60_000
const aloneAfterTimeoutMs = 60_000
/**
 * Pause before electing again after losing a leader or failing to reach one (a leader between binding its name and
 * listening on it refuses connections for that moment).
 */
const reelectMs = 200
/** Before it has shown the key, a connection may not send more than its key line needs. */
const keyLineChars = 100

export type HostWriterRole = "leader" | "follower" | "alone"

/** The abstract socket name for a manifest: one per file however it is reached (symlinks, relative paths). */
export const socketNameFor = (manifestPath: string) =>
  `\0${protocol}-${createHash("sha256").update(realpathSync(manifestPath)).digest("hex").slice(0, 40)}`

const Request = Schema.Struct({ id: Schema.String, sentAt: Schema.Number, command: ManifestCommand })
const decodeRequest = Schema.decodeUnknownEither(Schema.parseJson(Request))

/** An error as it crosses the socket: its tag and fields, the cause reduced to its words. */
export type WireError = { readonly _tag: string } & Record<string, unknown>

export const errorToWire = (error: unknown): WireError => {
  if (error instanceof ClaimLost) return { _tag: "ClaimLost", videoId: error.videoId, stage: error.stage }
  if (error instanceof VideoNotFound) return { _tag: "VideoNotFound", videoId: error.videoId }
  if (error instanceof IllegalTransition) return { _tag: "IllegalTransition", from: error.from, transition: error.transition }
  if (error instanceof WriteExpired) return { _tag: "WriteExpired", operation: error.operation, ageMs: error.ageMs }
  if (error instanceof ManifestQueryError) {
    return { _tag: "ManifestQueryError", operation: error.operation, videoId: error.videoId, detail: error.detail }
  }
  return { _tag: "ManifestQueryError", operation: "write", detail: error instanceof Error ? error.message : String(error) }
}

export const errorFromWire = (wire: WireError): WriteError | WriteExpired => {
  const text = (key: string) => String(wire[key] ?? "")
  switch (wire._tag) {
    case "ClaimLost": return new ClaimLost({ videoId: text("videoId"), stage: wire.stage as ClaimLost["stage"] })
    case "VideoNotFound": return new VideoNotFound({ videoId: text("videoId") })
    case "WriteExpired": return new WriteExpired({ operation: text("operation"), ageMs: Number(wire.ageMs) })
    case "IllegalTransition": {
      const from = wire.from as { state: VideoState; failedStage: IllegalTransition["from"]["failedStage"] }
      return new IllegalTransition({ from, transition: transitionFromData(wire.transition as never) })
    }
    default:
      return new ManifestQueryError({
        operation: text("operation") || "write",
        ...(wire.videoId ? { videoId: text("videoId") } : {}),
        cause: new Error(`${text("detail")} (in the process committing this host's manifest writes)`)
      })
  }
}

/**
 * Sends JSON lines, gathered until the event loop next polls: the answers to one commit (or a follower's requests
 * made in one turn) leave in one write, so the other process is woken once, not once a line.
 */
const lineSender = (socket: Socket) => {
  let gathered: Array<string> = []
  const flush = () => {
    if (!socket.destroyed) socket.write(gathered.join(""))
    gathered = []
  }
  return (message: unknown) => {
    if (gathered.length === 0) setImmediate(flush)
    gathered.push(JSON.stringify(message) + "\n")
  }
}

const parseReply = (line: string): { id: string; ok?: unknown; error?: WireError } | undefined => {
  try {
    const reply = JSON.parse(line) as { id?: unknown; error?: { _tag?: unknown } }
    if (typeof reply.id !== "string" || (reply.error !== undefined && typeof reply.error?._tag !== "string")) return undefined
    return reply as { id: string; ok?: unknown; error?: WireError }
  } catch {
    return undefined
  }
}

/** Newline-delimited JSON off a socket; a connection that sends more than `maxLineChars` without a newline is cut. */
const onLines = (socket: Socket, line: (text: string) => void, maxLineChars: () => number = () => Infinity) => {
  let buffered = ""
  socket.setEncoding("utf8")
  socket.on("data", (chunk: string) => {
    buffered += chunk
    let end = buffered.indexOf("\n")
    if (end < 0 && buffered.length > maxLineChars()) return void socket.destroy()
    while (end >= 0) {
      line(buffered.slice(0, end))
      buffered = buffered.slice(end + 1)
      end = buffered.indexOf("\n")
    }
  })
}

export interface HostWriterOptions {
  readonly manifestPath: string
  /** The manifest's `host_writer_key`. */
  readonly key: string
  /** Who is asking, for request ids. */
  readonly ownerId: string
  /** Runs a command on this process's own writer; with a receipt when it was or may have been sent to a leader. */
  readonly writeHere: (command: ManifestCommand, receipt?: WriteReceipt) => Effect.Effect<unknown, WriteError | WriteExpired>
  /** Queues a command another process sent on this process's writer; `answer` gets its outcome after the commit. */
  readonly commitForAnother: (command: ManifestCommand, receipt: WriteReceipt, answer: (exit: Exit.Exit<unknown, unknown>) => void) => void
}

interface Pending {
  readonly command: ManifestCommand
  readonly receipt: WriteReceipt
  readonly answer: (result: Effect.Effect<unknown, WriteError | WriteExpired>) => void
}

type Link =
  | { readonly _tag: "Leader"; readonly server: Server; readonly clients: Set<Socket> }
  | {
    readonly _tag: "Follower"
    readonly socket: Socket
    readonly send: (message: unknown) => void
    readonly pending: Map<string, Pending>
  }
  | { readonly _tag: "Alone" }

/** Why a link ended (or never began), and how long to write alone before electing again. */
class Lost extends Data.TaggedClass("Lost")<{ readonly reason: string; readonly forMs: number }> {}

/**
 * Routes this process's manifest writes: to its own writer when it leads or is alone, to the leader when it follows.
 * Scoped: on close a leader stops serving (its followers elect another and resend what it left unanswered).
 */
export const makeHostWriter = (options: HostWriterOptions) =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>()
    const runFork = Runtime.runFork(runtime)
    const socketName = socketNameFor(options.manifestPath)
    const requestPrefix = `${options.ownerId}/${randomUUID()}/`
    let sent = 0
    let link: Link = { _tag: "Alone" }

    /** A follower's request, answered on its connection once the leader's writer committed it. */
    const serveRequest = (client: Socket, send: (message: unknown) => void, line: string) => {
      const request = decodeRequest(line)
      if (Either.isLeft(request)) {
        // Not a kidvoice of this version, or a broken stream: nothing it sends can be trusted, so it is cut off.
        client.destroy()
        const issues = ArrayFormatter.formatErrorSync(request.left).slice(0, 3).map((issue) => `${issue.path.join(".")}: ${issue.message}`)
        runFork(Effect.logWarning(`manifest writes: a malformed request was refused (${issues.join("; ").slice(0, 500)})`))
        return
      }
      const { id, sentAt, command } = request.right
      options.commitForAnother(command, { id, sentAt, maxAgeMs: leaderMaxAgeMs }, (exit) =>
        send(Exit.isSuccess(exit)
          ? { id, ok: exit.value ?? null }
          : { id, error: errorToWire(Option.getOrElse(Cause.failureOption(exit.cause), () => Cause.squash(exit.cause))) }))
    }

    const lead = (server: Server): Link => {
      const clients = new Set<Socket>()
      server.on("connection", (client) => {
        clients.add(client)
        client.on("close", () => clients.delete(client))
        client.on("error", () => client.destroy())
        const send = lineSender(client)
        let shownKey = false
        onLines(client, (line) => {
          if (shownKey) return serveRequest(client, send, line)
          shownKey = line === JSON.stringify({ key: options.key })
          if (!shownKey) client.destroy()
        }, () => (shownKey ? Infinity : keyLineChars))
      })
      return { _tag: "Leader", server, clients }
    }

    /** Runs a request the leader left unanswered here, under its id: its receipt tells if the leader committed it. */
    const writeLeftover = (pending: Pending) =>
      options.writeHere(pending.command, { ...pending.receipt, maxAgeMs: receiptRetentionMs - answerTimeoutMs })

    const follow = (socket: Socket, lost: Deferred.Deferred<Lost>): Link => {
      const pending = new Map<string, Pending>()
      onLines(socket, (line) => {
        const reply = parseReply(line)
        // Not an answer from a kidvoice leader: stop trusting it (the writes waiting are run here).
        if (reply === undefined) return void socket.destroy()
        const waiting = pending.get(reply.id)
        if (!waiting) return
        pending.delete(reply.id)
        if (reply.error === undefined) waiting.answer(Effect.succeed(reply.ok))
        // The leader found it too old to run: by the time this arrives it may be ours to run.
        else if (reply.error._tag === "WriteExpired") waiting.answer(writeLeftover(waiting))
        else waiting.answer(Effect.fail(errorFromWire(reply.error)))
      })
      let timedOut = false
      let failure = "the leader closed the connection"
      const watchdog = setInterval(() => {
        const now = Date.now()
        for (const waiting of pending.values()) {
          if (now - waiting.receipt.sentAt < answerTimeoutMs) continue
          timedOut = true
          socket.destroy()
          return
        }
      }, 1000)
      socket.on("error", (error) => {
        failure = error.message
        socket.destroy()
      })
      socket.on("close", () => {
        clearInterval(watchdog)
        link = { _tag: "Alone" }
        for (const waiting of pending.values()) waiting.answer(writeLeftover(waiting))
        pending.clear()
        Deferred.unsafeDone(lost, Exit.succeed(timedOut
          ? new Lost({ reason: `no answer from the leader in ${answerTimeoutMs / 1000} s`, forMs: aloneAfterTimeoutMs })
          : new Lost({ reason: failure, forMs: reelectMs })))
      })
      const send = lineSender(socket)
      send({ key: options.key })
      return { _tag: "Follower", socket, send, pending }
    }

    /**
     * Takes the socket name, or else connects to whoever holds it. Sets `link` itself, as soon as there is one, so
     * closing the manifest mid-election still finds what to close.
     */
    const elect = (lost: Deferred.Deferred<Lost>) =>
      Effect.async<void>((resume) => {
        let cancelled = false
        let socket: Socket | undefined
        const server = createServer()
        server.once("error", () => {
          if (cancelled) return
          const connecting = connect({ path: socketName })
          socket = connecting
          const unreachable = (error: Error) => {
            connecting.destroy()
            Deferred.unsafeDone(lost, Exit.succeed(new Lost({ reason: `cannot reach the leader: ${error.message}`, forMs: reelectMs })))
            resume(Effect.void)
          }
          connecting.once("error", unreachable)
          connecting.once("connect", () => {
            connecting.off("error", unreachable)
            link = follow(connecting, lost)
            resume(Effect.void)
          })
        })
        server.listen({ path: socketName }, () => {
          if (cancelled) return void server.close()
          link = lead(server)
          resume(Effect.void)
        })
        return Effect.sync(() => {
          cancelled = true
          if (link._tag === "Alone") {
            server.close()
            socket?.destroy()
          }
        })
      })

    const stop = (current: Link) =>
      Effect.sync(() => {
        if (current._tag === "Leader") {
          current.server.close()
          for (const client of current.clients) client.destroy()
        }
        if (current._tag === "Follower") current.socket.destroy()
      })

    /** Elects, keeps the link until it is lost, and elects again, for as long as the manifest is open. */
    const keepLinked = Effect.gen(function* () {
      while (true) {
        const lost = yield* Deferred.make<Lost>()
        yield* elect(lost)
        yield* Effect.logDebug(`manifest writes: ${roleOf(link)}`)
        yield* Metric.set(hostWriterLeads, link._tag === "Leader" ? 1 : 0)
        if (link._tag === "Leader") return yield* Effect.never
        const { reason, forMs } = yield* Deferred.await(lost)
        yield* Effect.logDebug(`manifest writes: link lost (${reason})`)
        yield* Effect.sleep(Duration.millis(forMs + (yield* Random.nextIntBetween(0, reelectMs))))
      }
    })
    // Abstract socket names are Linux's; elsewhere every process writes for itself. Paced by the real clock even
    // under a test clock: it coordinates real processes.
    const linking = yield* Effect.forkDaemon(process.platform === "linux" ? keepLinked.pipe(Effect.withClock(Clock.make())) : Effect.void)
    yield* Effect.addFinalizer(() => Fiber.interrupt(linking).pipe(Effect.zipRight(Effect.suspend(() => stop(link)))))

    const sendToLeader = (current: Extract<Link, { _tag: "Follower" }>, command: ManifestCommand) =>
      Metric.increment(writesSentToLeader).pipe(Effect.zipRight(
        Effect.async<unknown, WriteError | WriteExpired>((resume) => {
          const receipt = { id: requestPrefix + sent++, sentAt: Date.now(), maxAgeMs: leaderMaxAgeMs }
          current.pending.set(receipt.id, { command, receipt, answer: resume })
          current.send({ id: receipt.id, sentAt: receipt.sentAt, command })
        })
      ))

    /** Writes a command: through the leader when there is one, else on this process's own writer. */
    const submit = (command: ManifestCommand): Effect.Effect<unknown, WriteError | WriteExpired> =>
      Effect.suspend(() => link._tag === "Follower" ? sendToLeader(link, command) : options.writeHere(command))

    return { submit, role: Effect.sync(() => roleOf(link)) } as const
  })

const roleOf = (link: Link): HostWriterRole =>
  link._tag === "Leader" ? "leader" : link._tag === "Follower" ? "follower" : "alone"
