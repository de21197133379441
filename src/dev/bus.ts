import type { DevEvent, DevEventMap, DevEventType } from './events.js'

type Listener<K extends DevEventType> = (event: DevEvent<K>) => void

/**
 * The one channel the dev controllers share. Delivery is synchronous and in order: an event
 * emitted by a listener is queued until the current event has reached every listener, so all
 * listeners see events in the same order (a renderer never prints `reload.ok` before the
 * `build.ok` that caused it). A listener that throws is a bug in that listener; it is reported as
 * a `fatal` event instead of breaking delivery to the others.
 *
 * Hand-written (about 50 lines) rather than node:events because of the typed payloads and the
 * queued, in-order delivery.
 */
export interface DevBus {
  emit<K extends DevEventType>(type: K, data: DevEventMap[K]): void
  on<K extends DevEventType>(type: K, listener: Listener<K>): () => void
  onAny(listener: (event: DevEvent) => void): () => void
  /** Resolves with the next event of that type (and matching `where`), for tests and scripts. */
  next<K extends DevEventType>(type: K, where?: (event: DevEvent<K>) => boolean): Promise<DevEvent<K>>
}

export function createDevBus(now: () => Date = () => new Date()): DevBus {
  const listeners = new Map<DevEventType | '*', Set<(event: DevEvent) => void>>()
  const queue: DevEvent[] = []
  let delivering = false

  const subscribe = (key: DevEventType | '*', listener: (event: DevEvent) => void) => {
    let set = listeners.get(key)
    if (!set) listeners.set(key, (set = new Set()))
    set.add(listener)
    return () => void set.delete(listener)
  }

  const deliver = (event: DevEvent) => {
    for (const listener of [...(listeners.get(event.type) ?? []), ...(listeners.get('*') ?? [])]) {
      try {
        listener(event)
      } catch (error) {
        if (event.type === 'fatal') continue
        const message = `internal error in a dev listener for ${event.type}: ${(error as Error)?.message ?? String(error)}`
        queue.push({ type: 'fatal', time: now().toISOString(), code: 'INTERNAL', message, hints: ['this is a bug in wasmctl: please report it'] })
      }
    }
  }

  const bus: DevBus = {
    emit(type, data) {
      queue.push({ type, time: now().toISOString(), ...data } as unknown as DevEvent)
      if (delivering) return
      delivering = true
      try {
        for (let event = queue.shift(); event; event = queue.shift()) deliver(event)
      } finally {
        delivering = false
      }
    },
    on(type, listener) {
      return subscribe(type, listener as (event: DevEvent) => void)
    },
    onAny(listener) {
      return subscribe('*', listener)
    },
    next(type, where) {
      return new Promise((resolve) => {
        const off = bus.on(type, (event) => {
          if (where && !where(event)) return
          off()
          resolve(event)
        })
      })
    },
  }
  return bus
}
