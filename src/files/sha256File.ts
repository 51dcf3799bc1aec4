import { Effect } from "effect"
import { createHash } from "node:crypto"
import { createReadStream } from "node:fs"

/**
 * The sha256 of a file, streamed so a large file never sits in memory whole; the read stops if the fiber
 * is interrupted. Fails with the file system's error (its `code` says why: ENOENT, EACCES, ...).
 */
export const sha256OfFile = (path: string) =>
  Effect.async<string, NodeJS.ErrnoException>((resume) => {
    const hash = createHash("sha256")
    const stream = createReadStream(path)
    stream.on("data", (chunk) => hash.update(chunk))
    stream.on("error", (e) => resume(Effect.fail(e)))
    stream.on("end", () => resume(Effect.succeed(hash.digest("hex"))))
    return Effect.sync(() => stream.destroy())
  })
