import { Effect } from "effect"
import { promises as fs } from "node:fs"
import { basename, extname, join } from "node:path"
import type { WorkspacePaths } from "../domain/Workspace.js"
import { FileWriteError, writeAtomic } from "../files/atomicWrite.js"

/**
 * WebDataset shards: plain (ustar) tar files of samples, each sample's members sharing a key (`<key>.wav`,
 * `<key>.json`, `<key>.txt`), a shard closed before it would pass its size bound. Written without a tar
 * program; deterministic (no times, no owners), so the same manifest gives the same shards.
 */

const block = 512

const octal = (value: number, width: number) => value.toString(8).padStart(width - 1, "0") + "\0"

/** One tar member: a ustar header, the data, and padding to a whole block. Names are short keys (< 100 bytes). */
export const tarMember = (name: string, data: Uint8Array): Buffer => {
  const header = Buffer.alloc(block)
  header.write(name, 0, 100, "utf8")
  header.write(octal(0o644, 8), 100, "ascii")
  header.write(octal(0, 8), 108, "ascii")
  header.write(octal(0, 8), 116, "ascii")
  header.write(octal(data.length, 12), 124, "ascii")
  header.write(octal(0, 12), 136, "ascii")
  header.write("        ", 148, "ascii")
  header.write("0", 156, "ascii")
  header.write("ustar\u000000", 257, "ascii")
  const checksum = header.reduce((sum, byte) => sum + byte, 0)
  header.write(checksum.toString(8).padStart(6, "0") + "\0 ", 148, "ascii")
  const padding = Buffer.alloc((block - (data.length % block)) % block)
  return Buffer.concat([header, data, padding])
}

/** The end of a tar archive: two zero blocks. */
export const tarEnd = Buffer.alloc(2 * block)

export const shardName = (index: number) => `shard-${index.toString().padStart(6, "0")}.tar`

/** A sample as its tar members; the key is the clip's file name without folder and extension (no dots in it). */
export const sampleMembers = (fileName: string, audio: Uint8Array, fields: Record<string, unknown>, text: string): Buffer => {
  const key = basename(fileName, extname(fileName))
  return Buffer.concat([
    tarMember(`${key}.wav`, audio),
    tarMember(`${key}.json`, Buffer.from(JSON.stringify(fields))),
    tarMember(`${key}.txt`, Buffer.from(text))
  ])
}

/**
 * Collects samples into shards of at most `maxBytes` (a sample larger than the bound gets a shard of its own)
 * and writes each atomically as it closes; shards left from an earlier, larger export are removed.
 */
export const makeShardWriter = (dir: string, maxBytes: number) => {
  let pending: Array<Buffer> = []
  let pendingBytes = 0
  let shards = 0
  const flush = Effect.suspend(() => {
    if (pending.length === 0) return Effect.void
    const data = Buffer.concat([...pending, tarEnd])
    pending = []
    pendingBytes = 0
    return writeAtomic(join(dir, shardName(shards++)), (write) => write(data))
  })
  return {
    add: (sample: Buffer) =>
      Effect.gen(function* () {
        if (pendingBytes > 0 && pendingBytes + sample.length + tarEnd.length > maxBytes) yield* flush
        pending.push(sample)
        pendingBytes += sample.length
      }),
    close: Effect.gen(function* () {
      yield* flush
      const names = yield* Effect.promise(() => fs.readdir(dir).catch(() => [] as Array<string>))
      const stale = names.filter((n) => /^shard-\d{6}\.tar$/.test(n) && Number(n.slice(6, 12)) >= shards)
      yield* Effect.forEach(stale, (n) => Effect.promise(() => fs.rm(join(dir, n), { force: true })), { discard: true })
      return shards
    })
  }
}

/** Reads a clip file of the dataset for a shard. */
export const readClip = (paths: WorkspacePaths, fileName: string) =>
  Effect.tryPromise({
    try: () => fs.readFile(join(paths.dataset, fileName)),
    catch: (cause) => new FileWriteError({ path: join(paths.dataset, fileName), operation: "read clip for a shard", cause })
  })
