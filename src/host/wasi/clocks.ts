import { randomBytes, randomFillSync } from 'node:crypto'

import { Pollable } from './io.js'

/** wasi:clocks and wasi:random: the host's clocks and CSPRNG (nothing here is capability-gated). */

const NS_PER_MS = 1_000_000n

function monotonicNow(): bigint {
  return process.hrtime.bigint()
}

function timerAt(deadlineNs: bigint): Pollable {
  // performance.now() and hrtime share the monotonic clock; the poll loop works in milliseconds.
  const deadline = performance.now() + Number(deadlineNs - monotonicNow()) / 1e6
  return new Pollable({ ready: () => monotonicNow() >= deadlineNs, deadline })
}

export const clocks = {
  monotonicClock: {
    now: monotonicNow,
    resolution: () => 1n,
    subscribeInstant: (when: bigint) => timerAt(when),
    subscribeDuration: (duration: bigint) => timerAt(monotonicNow() + duration),
  },
  wallClock: {
    now() {
      const ms = BigInt(Date.now())
      return { seconds: ms / 1000n, nanoseconds: Number((ms % 1000n) * NS_PER_MS) }
    },
    resolution: () => ({ seconds: 0n, nanoseconds: 1_000_000 }),
  },
}

function u64(): bigint {
  return randomBytes(8).readBigUInt64LE()
}

function bytes(len: bigint): Uint8Array {
  return randomFillSync(new Uint8Array(Number(len)))
}

export const random = {
  random: { getRandomBytes: bytes, getRandomU64: u64 },
  insecure: { getInsecureRandomBytes: bytes, getInsecureRandomU64: u64 },
  insecureSeed: { insecureSeed: (): [bigint, bigint] => [u64(), u64()] },
}
