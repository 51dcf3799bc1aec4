import * as Entity from "@effect/cluster/Entity"
import * as ShardingConfig from "@effect/cluster/ShardingConfig"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { EgressPace, EgressPaceLive } from "../../src/cluster/EgressPace.js"

const policy = { intervalMs: 1000, firstPauseMs: 5000, maxPauseMs: 80_000 }

describe("the EgressPace entity", () => {
  it.scoped("spaces the starts of every runner behind one egress, and keeps egresses apart", () =>
    Effect.gen(function* () {
      const makeClient = yield* Entity.makeTestClient(EgressPace, EgressPaceLive)
      // Two clients of one egress stand for two runners behind one public address.
      const first = yield* makeClient("203.0.113.7")
      const second = yield* makeClient("203.0.113.7")
      const elsewhere = yield* makeClient("198.51.100.1")
      const starts = [
        yield* first.Take({ policy }),
        yield* second.Take({ policy }),
        yield* first.Take({ policy })
      ]
      expect(starts).toEqual([0, 1000, 2000])
      expect(yield* elsewhere.Take({ policy })).toBe(0)
      // A refusal pauses the egress: the next start waits out the first pause.
      const verdict = yield* second.Refused({ policy, startedAt: 2000 })
      expect(verdict).toMatchObject({ _tag: "Pause", pauseMs: 5000 })
      expect(yield* first.Take({ policy })).toBeGreaterThanOrEqual(5000)
      expect(yield* elsewhere.Take({ policy })).toBe(1000)
    }).pipe(Effect.provide(ShardingConfig.layer())))
})
