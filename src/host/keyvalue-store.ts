// The embedded store moved to src/capabilities/keyvalue/ with the other key-value backends; this
// path stays so the host (and its tests) keep importing it from here.
export { KeyValueStore } from '../capabilities/keyvalue/embedded-store.js'
