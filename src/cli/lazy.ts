import { Effect, Layer } from "effect"

/**
 * A module imported when a command first uses it, not when the CLI starts: `--help`, `--version` and `status` then
 * read and compile only what they need (the bundle puts each such module, with what only it imports, in a chunk of
 * its own). Write the `import("...")` literally in `load`: the bundler finds the chunk by it. Node caches the module,
 * so using the same one again costs nothing. A chunk that fails to load is a broken install: a defect, reported as one.
 */
export const onFirstUse = <M>(load: () => Promise<M>): Effect.Effect<M> => Effect.promise(load)

/** Provides the layer a module imported on first use builds (`pipelineLayer(config)` from pipeline/layers). */
export const provideFrom = <M, ROut, E, RIn>(module: Effect.Effect<M>, build: (module: M) => Layer.Layer<ROut, E, RIn>) =>
  Effect.provide(Layer.unwrapEffect(Effect.map(module, build)))
