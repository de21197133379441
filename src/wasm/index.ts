export { componentWorld, isComponent, type ComponentWorld } from './world.js'
export { readPreamble, type WasmEncoding } from './binary.js'
export { componentWitText } from './wit.js'
