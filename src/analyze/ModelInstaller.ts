import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Data, Effect, Stream } from "effect"
import { createHash } from "node:crypto"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import { atomicTempOwnerPid, type FileWriteError, writeAtomic, writeTextAtomic } from "../files/atomicWrite.js"
import { sha256OfFile } from "../files/sha256File.js"
import { currentProcessOwner } from "../manifest/ClaimOwner.js"
import { brokenExpectation, type Expectation, expectationsFor, LockedFile, readLock, sizeLimit, withLockedFile, writeLock } from "./ModelLock.js"
import { whisperTokenMismatches, type WhisperTokens, type WhisperTranscriptionTokens } from "./whisperTokens.js"
import { findEntry, type LoadedRegistry, lockPathOf, type RegistryEntry, RegistryError, type RegistryFile } from "./ModelRegistry.js"

export class ModelDownloadFailed extends Data.TaggedError("ModelDownloadFailed")<{
  readonly url: string
  /** The HTTP status when the server answered, else null (no connection, connection cut). */
  readonly status: number | null
  readonly reason: string
}> {
  override get message() {
    return `download of ${this.url} failed${this.status === null ? "" : ` with HTTP ${this.status}`}: ${this.reason}; ` +
      "nothing was installed from it, run the same install again to restart it"
  }
}

const whatToDo: Record<Expectation["source"], string> = {
  "--sha256": "check the hash you gave with --sha256",
  registry: "the registry's pin and the server disagree: do not use this file, report it to whoever maintains the registry",
  lock: "these are not the bytes first installed and recorded in the lock file: if the source was really republished, " +
    "check the new file and delete its entry from the lock file; otherwise do not use this file"
}

export class ModelChecksumMismatch extends Data.TaggedError("ModelChecksumMismatch")<{
  readonly url: string
  /** The file in the models folder it would have become. */
  readonly file: string
  /** Who pinned the expected bytes: `--sha256`, the registry or the lock file (then `lockPath`). */
  readonly source: Expectation["source"]
  readonly lockPath: string
  readonly expected: string
  readonly actual: string
  readonly expectedSize: number | null
  readonly actualSize: number
}> {
  override get message() {
    const pinnedBy = this.source === "lock" ? `the lock file ${this.lockPath}` : this.source === "registry" ? "the registry" : "--sha256"
    const size = this.expectedSize !== null && this.expectedSize !== this.actualSize ? ` (${this.expectedSize} bytes expected, ${this.actualSize} got)` : ""
    return `${this.file}: ${this.url} is not the file ${pinnedBy} pins: expected sha256 ${this.expected}, got ${this.actual}${size}; ` +
      `the download was removed and ${this.file} left as it was. ${whatToDo[this.source]}`
  }
}

export class LicenceNotAccepted extends Data.TaggedError("LicenceNotAccepted")<{
  readonly model: string
  readonly licence: string
  readonly licenceUrl: string | null
}> {
  override get message() {
    return `${this.model} is licensed ${this.licence}${this.licenceUrl === null ? "" : ` (${this.licenceUrl})`}, which restricts how its weights may be used; ` +
      `read the licence, and if your use is allowed run again with --accept-licence`
  }
}

export class BadPin extends Data.TaggedError("BadPin")<{
  readonly model: string
  readonly name: string
  readonly reason: string
}> {
  override get message() {
    return `--sha256 ${this.name}=…: ${this.reason}`
  }
}

export class WhisperTokensMismatch extends Data.TaggedError("WhisperTokensMismatch")<{
  readonly card: string
  readonly tokenizer: string
  readonly mismatches: ReadonlyArray<string>
}> {
  override get message() {
    const shown = this.mismatches.slice(0, 5).join("; ") + (this.mismatches.length > 5 ? `; and ${this.mismatches.length - 5} more` : "")
    return `the card ${this.card} names token ids the installed ${this.tokenizer} does not have (${shown}); ` +
      "the cards were not installed: correct the ids in the card template from the tokenizer's added_tokens"
  }
}

export interface InstalledFile {
  /** Its name in the registry and the models folder. */
  readonly name: string
  readonly path: string
  readonly url: string
  /** `present`: the expected bytes were already there, nothing was downloaded. */
  readonly status: "downloaded" | "present"
  readonly sha256: string
  readonly size: number
  /** `recorded`: the lock had no entry and now holds this digest; `verified`: it matched the lock (and every pin). */
  readonly trust: "recorded" | "verified"
  /** Whose expectations the bytes met: none on a first install without pins. */
  readonly checkedBy: ReadonlyArray<Expectation["source"]>
}

export interface DownloadProgress {
  readonly file: string
  readonly received: number
  /** From the server's Content-Length, or null when it sent none. */
  readonly total: number | null
}

export interface InstallOptions {
  readonly modelsDir: string
  /** Default: registry.lock.json beside the registry. */
  readonly lockPath?: string | undefined
  /** File name → sha256 the user pins up front (`--sha256 NAME=HEX`). */
  readonly pins?: Readonly<Record<string, string>> | undefined
  readonly acceptLicence?: boolean | undefined
  /** A base URL serving the same paths as the registry's hosts (an internal mirror, a test server). */
  readonly mirror?: string | null | undefined
  readonly onProgress?: ((progress: DownloadProgress) => Effect.Effect<void>) | undefined
}

/** Where to fetch `url` from through a mirror: the mirror's base with the URL's path and query. Pure. */
export const mirroredUrl = (url: string, mirror: string | null | undefined): string => {
  if (!mirror) return url
  const original = new URL(url)
  return `${mirror.replace(/\/+$/, "")}${original.pathname}${original.search}`
}

interface Downloaded {
  readonly sha256: string
  readonly size: number
}

/**
 * Streams one file to a temp file beside its target, hashing as it goes, and renames it into place only if
 * it meets every expectation. The temp file goes whatever happens: a bad checksum, a cut connection, Ctrl-C;
 * a restarted install starts the file again.
 */
const downloadFile = (
  client: HttpClient.HttpClient,
  file: RegistryFile,
  fetchUrl: string,
  target: string,
  expectations: ReadonlyArray<Expectation>,
  lockPath: string,
  onProgress: (progress: DownloadProgress) => Effect.Effect<void>
) => {
  let result: Downloaded | undefined
  return writeAtomic(target, (write) =>
    Effect.gen(function* () {
      const failed = (status: number | null, reason: string) => new ModelDownloadFailed({ url: fetchUrl, status, reason })
      const response = yield* client.execute(HttpClientRequest.get(fetchUrl)).pipe(Effect.mapError((e) => failed(null, e.message)))
      if (response.status !== 200) return yield* failed(response.status, "the server did not send the file")
      const announced = Number(response.headers["content-length"])
      const total = Number.isFinite(announced) && announced > 0 ? announced : null
      const limit = sizeLimit(expectations)
      const hash = createHash("sha256")
      let size = 0
      yield* response.stream.pipe(
        Stream.mapError((e) => failed(null, e.message)),
        Stream.runForEach((chunk): Effect.Effect<void, ModelDownloadFailed | FileWriteError> => {
          size += chunk.length
          // More than the expected size cannot be the expected file: stop before filling the disk.
          if (limit !== null && size > limit) return Effect.fail(failed(200, `more than the expected ${limit} bytes`))
          hash.update(chunk)
          return write(chunk).pipe(Effect.zipRight(onProgress({ file: file.name, received: size, total })))
        })
      )
      const sha256 = hash.digest("hex")
      const broken = brokenExpectation(expectations, sha256, size)
      if (broken !== undefined) {
        return yield* new ModelChecksumMismatch({
          url: fetchUrl, file: target, source: broken.source, lockPath,
          expected: broken.sha256, actual: sha256, expectedSize: broken.size, actualSize: size
        })
      }
      result = { sha256, size }
    })
  ).pipe(Effect.map(() => result!))
}

/** The digest and size of a file already at the target, or null when there is none to read. */
const presentFile = (path: string) =>
  Effect.all({
    sha256: sha256OfFile(path),
    size: Effect.tryPromise(() => fs.stat(path).then((s) => s.size))
  }).pipe(Effect.orElseSucceed(() => null))

/**
 * Removes the temp files an install killed outright (kill -9, power cut) left for these files: their owner
 * process is gone, so nobody will finish them. A running install's temp files are left alone.
 */
const removeAbandonedDownloads = (modelsDir: string, names: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const present = yield* Effect.promise(() => fs.readdir(modelsDir).catch(() => [] as Array<string>))
    const { isAlive } = currentProcessOwner()
    const abandoned = present.filter((f) => {
      const pid = atomicTempOwnerPid(f)
      return pid !== null && !isAlive(pid) && names.some((n) => f.startsWith(`.${n}.`))
    })
    for (const stale of abandoned) {
      yield* Effect.promise(() => fs.rm(join(modelsDir, stale), { force: true }))
      yield* Effect.logInfo(`removed ${join(modelsDir, stale)}, the partial download of an install that was killed`)
    }
  })

/** A card template with the sha256 of the file it names filled in from the verified download. */
const filledCard = (template: string, digests: ReadonlyMap<string, string>, cardName: string, loaded: LoadedRegistry) =>
  Effect.gen(function* () {
    const card = yield* Effect.try({
      try: () => JSON.parse(template) as Record<string, unknown>,
      catch: (e) => new RegistryError({ path: loaded.path, reason: `the card ${cardName} is not JSON: ${e}` })
    })
    const digest = typeof card["file"] === "string" ? digests.get(card["file"]) : undefined
    if (digest === undefined) return template
    if (card["sha256"] !== undefined && card["sha256"] !== digest) {
      return yield* new RegistryError({ path: loaded.path, reason: `the card ${cardName} pins sha256 ${String(card["sha256"])} but the installed ${String(card["file"])} is ${digest}` })
    }
    return `${JSON.stringify({ ...card, sha256: digest }, null, 2)}\n`
  })

/** A Whisper card's token ids against the tokenizer.json installed with it (other cards pass). */
const checkWhisperTokens = (card: string, text: string, tokenizerPath: string) =>
  Effect.gen(function* () {
    const parsed = JSON.parse(text) as { kind?: string; tokens?: WhisperTokens; transcription?: WhisperTranscriptionTokens }
    if (parsed.kind !== "whisper" || parsed.tokens === undefined) return
    const tokenizer = yield* Effect.tryPromise(() => fs.readFile(tokenizerPath, "utf8").then(JSON.parse)).pipe(Effect.orElseSucceed(() => null))
    const mismatches = whisperTokenMismatches(parsed.tokens, tokenizer, parsed.transcription)
    if (mismatches.length > 0) return yield* new WhisperTokensMismatch({ card, tokenizer: tokenizerPath, mismatches })
  })

/**
 * Installs a registry entry into the models folder: the licence gate, then each file downloaded and checked
 * against every pin (`--sha256`, registry, lock) or kept if already those bytes; a first install records the
 * digest in the lock right after the file is in place. The cards come last, each with its file's verified
 * sha256, so a card never names a file that is not there.
 */
export const installModel = (loaded: LoadedRegistry, name: string, options: InstallOptions) =>
  Effect.gen(function* () {
    const entry: RegistryEntry = yield* findEntry(loaded, name)
    if (entry.licenceMustBeAccepted && options.acceptLicence !== true) {
      return yield* new LicenceNotAccepted({ model: entry.name, licence: entry.licence, licenceUrl: entry.licenceUrl ?? null })
    }
    const pins = options.pins ?? {}
    const names = entry.files.map((f) => f.name)
    for (const [pinned, hex] of Object.entries(pins)) {
      if (!names.includes(pinned)) return yield* new BadPin({ model: entry.name, name: pinned, reason: `${entry.name} has no such file; its files are ${names.join(", ")}` })
      if (!/^[0-9a-fA-F]{64}$/.test(hex)) return yield* new BadPin({ model: entry.name, name: pinned, reason: `${hex} is not a sha256 (64 hex digits)` })
    }

    yield* removeAbandonedDownloads(options.modelsDir, names)
    const lockPath = options.lockPath ?? lockPathOf(loaded.path)
    let lock = yield* readLock(lockPath)
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.followRedirects(10))
    const onProgress = options.onProgress ?? (() => Effect.void)
    const files: Array<InstalledFile> = []
    for (const file of entry.files) {
      const target = join(options.modelsDir, file.name)
      const locked = lock.files[file.url]
      const expectations = expectationsFor(file, pins[file.name], locked)
      const present = expectations.length === 0 ? null : yield* presentFile(target)
      const got = present !== null && brokenExpectation(expectations, present.sha256, present.size) === undefined
        ? { ...present, status: "present" as const }
        : yield* Effect.gen(function* () {
          const fetchUrl = mirroredUrl(file.url, options.mirror)
          yield* Effect.logInfo(`downloading ${fetchUrl}`)
          const downloaded = yield* downloadFile(client, file, fetchUrl, target, expectations, lockPath, onProgress)
          return { ...downloaded, status: "downloaded" as const }
        })
      // Recorded as soon as the file is in place: an install cut short later keeps what it learned.
      if (locked === undefined) {
        lock = withLockedFile(lock, file.url, new LockedFile({ sha256: got.sha256, size: got.size, model: entry.name, name: file.name, recordedAt: new Date().toISOString() }))
        yield* writeLock(lockPath, lock)
      }
      files.push({
        name: file.name, path: target, url: file.url, ...got,
        trust: locked === undefined ? "recorded" : "verified", checkedBy: expectations.map((e) => e.source)
      })
    }
    const digests = new Map(files.map((f) => [f.name, f.sha256]))
    const texts = yield* Effect.forEach(entry.cards, (card) =>
      Effect.tryPromise({
        try: () => fs.readFile(join(loaded.cardsDir, card), "utf8"),
        catch: (e) => new RegistryError({ path: loaded.path, reason: `the card ${card} of ${name} cannot be read: ${e}` })
      }).pipe(Effect.flatMap((template) => filledCard(template, digests, card, loaded)), Effect.map((text) => [card, text] as const)))
    const tokenizer = files.find((f) => f.name.endsWith("tokenizer.json"))
    if (tokenizer !== undefined) {
      for (const [card, text] of texts) yield* checkWhisperTokens(card, text, tokenizer.path)
    }
    const cards: Array<string> = []
    for (const [card, text] of texts) {
      const path = join(options.modelsDir, card)
      yield* writeTextAtomic(path, text)
      cards.push(path)
    }
    return { entry, files, cards, lockPath }
  })
