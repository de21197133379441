export {
  decryptPrivateKey,
  encryptPrivateKey,
  generateCosignKeyPair,
  parsePublicKey,
  readPrivateKeyFile,
  readPublicKeyFile,
  SIGSTORE_PRIVATE_KEY_PEM,
  type GeneratedCosignKeys,
} from './keys.js'
export {
  ATTACHMENT_TAG,
  checkSignature,
  describeSignatures,
  CosignMediaTypes,
  goJson,
  parsePayload,
  parseSignatureManifest,
  SIGNATURE_ANNOTATION,
  signatureConfig,
  signatureLayer,
  signatureManifest,
  signatureTag,
  simpleSigningPayload,
} from './layout.js'
export { cosignPassword, loadSigningKey } from './password.js'
export { requireVerifiedImage } from './gate.js'
export { listSignatures, signImage, verifyImage, type SignImageResult, type VerifyImageResult } from './registry.js'
