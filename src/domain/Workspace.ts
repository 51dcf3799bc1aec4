import { Context, Layer } from "effect"
import { join, resolve } from "node:path"

/** Where everything of one kidvoice working directory (`--out`) lives. */
export interface WorkspacePaths {
  readonly root: string
  readonly manifest: string
  /** Downloaded audio, 16 kHz mono WAV, one file per video id. */
  readonly audio: string
  /** Scoped temp directories, on the same filesystem as `audio` so a finished file moves in by rename. */
  readonly tmp: string
  readonly dataset: string
  readonly exports: string
}

export const workspacePaths = (out: string): WorkspacePaths => {
  const root = resolve(out)
  return {
    root,
    manifest: join(root, "manifest.sqlite"),
    audio: join(root, "audio"),
    tmp: join(root, "tmp"),
    dataset: join(root, "dataset"),
    exports: join(root, "exports")
  }
}

export class Workspace extends Context.Tag("kidvoice/Workspace")<Workspace, WorkspacePaths>() {
  static readonly layer = (out: string) => Layer.succeed(Workspace, workspacePaths(out))
}
