// Types for the wasi:keyvalue@0.2.0-draft imports (wit/deps/keyvalue/), in componentize-js's
// mapping: resources are classes, u64 is bigint, and a function returning result<T, error>
// returns T or throws an error whose `payload` is the error variant.

declare module 'wasi:keyvalue/store@0.2.0-draft' {
  export type Error = { tag: 'no-such-store' } | { tag: 'access-denied' } | { tag: 'other'; val: string }

  export interface KeyResponse {
    keys: string[]
    cursor?: bigint
  }

  export class Bucket {
    private constructor()
    get(key: string): Uint8Array | undefined
    set(key: string, value: Uint8Array): void
    delete(key: string): void
    exists(key: string): boolean
    listKeys(cursor: bigint | undefined): KeyResponse
  }

  export function open(identifier: string): Bucket
}

declare module 'wasi:keyvalue/atomics@0.2.0-draft' {
  import type { Bucket } from 'wasi:keyvalue/store@0.2.0-draft'

  export function increment(bucket: Bucket, key: string, delta: bigint): bigint
}
