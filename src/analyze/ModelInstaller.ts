import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Data, Effect, Stream } from "effect"
import { createHash } from "node:crypto"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import { type FileWriteError, writeAtomic, writeTextAtomic } from "../files/atomicWrite.js"
import { sha256OfFile } from "../files/sha256File.js"
import { findEntry, type LoadedRegistry, type RegistryEntry, RegistryError, type RegistryFile } from "./ModelRegistry.js"

export class ModelDownloadFailed extends Data.TaggedError("ModelDownloadFailed")<{
  readonly url: string
  /** The HTTP status when the server answered, else null (no connection, connection cut). */
  readonly status: number | null
  readonly reason: string
}> {
  override get message() {
    return `download of ${this.url} failed${this.status === null ? "" : ` with HTTP ${this.status}`}: ${this.reason}; nothing was installed from it`
  }
}

export class ModelChecksumMismatch extends Data.TaggedError("ModelChecksumMismatch")<{
  readonly url: string
  readonly file: string
  readonly expected: string
  readonly actual: string
}> {
  override get message() {
    return `${this.url} is not the pinned file: expected sha256 ${this.expected}, got ${this.actual}; the download was removed and ${this.file} left as it was`
  }
}

export interface InstalledFile {
  readonly path: string
  /** `present`: the pinned bytes were already there, nothing was downloaded. */
  readonly status: "downloaded" | "present"
}

/** The sha256 of a file already at the target, or null when none can be read there (it is then downloaded). */
const sha256IfPresent = (path: string) => sha256OfFile(path).pipe(Effect.orElseSucceed(() => null))

/**
 * Streams one file to a temp file beside its target, hashing as it goes, and renames it into place only
 * if it is the pinned bytes. The temp file goes whatever happens: a bad checksum, a cut connection, Ctrl-C.
 */
const downloadFile = (client: HttpClient.HttpClient, file: RegistryFile, target: string) =>
  writeAtomic(target, (write) =>
    Effect.gen(function* () {
      const failed = (status: number | null, reason: string) => new ModelDownloadFailed({ url: file.url, status, reason })
      const response = yield* client.execute(HttpClientRequest.get(file.url)).pipe(
        Effect.mapError((e) => failed(null, e.message))
      )
      if (response.status !== 200) return yield* failed(response.status, "the server did not send the file")
      const hash = createHash("sha256")
      let size = 0
      yield* response.stream.pipe(
        Stream.mapError((e) => failed(null, e.message)),
        Stream.runForEach((chunk): Effect.Effect<void, ModelDownloadFailed | FileWriteError> => {
          size += chunk.length
          // A server sending more than the pinned size cannot be sending the pinned file: stop before filling the disk.
          if (size > file.size) return Effect.fail(failed(200, `more than the pinned ${file.size} bytes`))
          hash.update(chunk)
          return write(chunk)
        })
      )
      const actual = hash.digest("hex")
      if (actual !== file.sha256) return yield* new ModelChecksumMismatch({ url: file.url, file: target, expected: file.sha256, actual })
    })
  )

/**
 * Installs a registry entry into `modelsDir`: each file downloaded and verified (or kept if already the
 * pinned bytes), then its cards, so a card never names a file that is not there.
 */
export const installModel = (loaded: LoadedRegistry, name: string, modelsDir: string) =>
  Effect.gen(function* () {
    const entry: RegistryEntry = yield* findEntry(loaded, name)
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.followRedirects(5))
    const files: Array<InstalledFile> = []
    for (const file of entry.files) {
      const target = join(modelsDir, file.name)
      if ((yield* sha256IfPresent(target)) === file.sha256) {
        files.push({ path: target, status: "present" })
        continue
      }
      yield* Effect.logInfo(`downloading ${file.url} (${file.size} bytes)`)
      yield* downloadFile(client, file, target)
      files.push({ path: target, status: "downloaded" })
    }
    const cards: Array<string> = []
    for (const card of entry.cards) {
      const text = yield* Effect.tryPromise({
        try: () => fs.readFile(join(loaded.cardsDir, card), "utf8"),
        catch: (e) => new RegistryError({ path: loaded.path, reason: `the card ${card} of ${name} cannot be read: ${e}` })
      })
      const path = join(modelsDir, card)
      yield* writeTextAtomic(path, text)
      cards.push(path)
    }
    return { entry, files, cards }
  })
