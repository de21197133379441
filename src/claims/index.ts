export { assertTrusted, trustRefusal, type TrustPolicy } from './policy.js'
export { inspectWasm, type InspectResult, type TimeClaim } from './inspect.js'
export { EXPERIMENTAL_TAG, projectSignTags, signWasmFile, type SignEvent, type SignWasmFileOptions, type SignWasmFileResult } from './sign.js'
export {
  defaultKeyName,
  listKeys,
  loadKey,
  lookupKeyDirectory,
  resolveKeyDirectory,
  saveKey,
  type ResolveKeyDirectoryOptions,
  type StoredKey,
} from './keystore.js'
export { decodePublicKey, decodeSeed, KEY_TYPES, KeyPair, type KeyType, verifySignature } from './nkeys.js'
export { decodeToken, encodeToken, validateToken, WASCAP_REVISION, type Claims, type ComponentMetadata, type TokenValidation } from './jwt.js'
export { CLAIMS_SECTION, computeWascapHash, stripClaims } from './wasm.js'
