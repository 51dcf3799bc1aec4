import { SqlError } from "@effect/sql/SqlError"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Either, Layer } from "effect"
import { join } from "node:path"
import { manifestLocation } from "../../src/manifest/ManifestLocation.js"
import { openMayWorkLater } from "../../src/manifest/postgresOpenFailure.js"
import { postgresLayer } from "../../src/manifest/PostgresStore.js"
import { kidvoice } from "../support/cli.js"
import { freePort } from "../support/ports.js"
import { scopedTempDir } from "../support/manifest.js"
import { postgresAvailable, startPostgres } from "../support/postgresServer.js"

/** What node-postgres rejects with when the server answers: an Error with the SQLSTATE and a severity. */
const serverSaid = (code: string) => Object.assign(new Error(`server said ${code}`), { code, severity: "FATAL" })
/** What it rejects with when nothing answers: a system error (its code is errno's, not a SQLSTATE). */
const systemError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code, errno: -111, syscall: "connect" })
const wrapped = (cause: unknown) => Cause.fail(new SqlError({ cause, message: "PgClient: Failed to connect" }))

describe("whether opening a PostgreSQL manifest may work later", () => {
  it("yes when nothing answered, it timed out, or the server said not now; no when it refused for good", () => {
    expect(openMayWorkLater(wrapped(systemError("ECONNREFUSED")))).toBe(true)
    expect(openMayWorkLater(wrapped(new Error("Connection timed out")))).toBe(true)
    for (const notNow of ["57P03", "53300", "08006"]) expect(openMayWorkLater(wrapped(serverSaid(notNow))), notNow).toBe(true)
    for (const never of ["28P01", "3D000", "42601"]) expect(openMayWorkLater(wrapped(serverSaid(never))), never).toBe(false)
    // Found under a defect too, and behind more than one wrapper.
    expect(openMayWorkLater(Cause.die(new Error("outer", { cause: new SqlError({ cause: serverSaid("28000") }) })))).toBe(false)
  })
})

describe.skipIf(!postgresAvailable())("opening a PostgreSQL manifest that is not there", () => {
  const openFailure = (url: string) =>
    Effect.gen(function* () {
      const location = Either.getOrThrow(manifestLocation(url, "/tmp"))
      if (location._tag !== "Postgres") throw new Error(`not a PostgreSQL location: ${url}`)
      return yield* Effect.flip(Effect.scoped(Layer.build(postgresLayer(location))))
    })

  it.scopedLive("a missing database is a refusal that stays; a server not listening may come; a runner waits only for the second", () =>
    Effect.gen(function* () {
      const server = yield* Effect.acquireRelease(Effect.promise(() => startPostgres()), (s) => Effect.sync(s.stop))
      const missing = server.url.replace(/\/kidvoice$/, "/no_such_database")
      expect(yield* openFailure(missing)).toMatchObject({ _tag: "ManifestOpenError", transient: false })
      const nobody = `postgres://postgres@127.0.0.1:${yield* Effect.promise(() => freePort())}/kidvoice`
      expect(yield* openFailure(nobody)).toMatchObject({ _tag: "ManifestOpenError", transient: true })

      // `kidvoice worker` on the missing database stops with the reason, without the tries a starting database gets.
      const dir = yield* scopedTempDir("worker-missing-db")
      const runnerPort = yield* Effect.promise(() => freePort())
      const worker = yield* Effect.promise(() => kidvoice([
        "worker", "--manifest", missing, "--out", join(dir, "out"), "--node", "a", "--runner-host", "127.0.0.1",
        "--runner-port", String(runnerPort), "--progress", "off"
      ], {}, { timeoutMs: 120_000 }))
      expect(worker.exitCode).toBe(1)
      expect(worker.stderr).toContain("no_such_database")
      expect(worker.stderr).not.toContain("a runner tries 5 times")
    }), 180_000)
})
