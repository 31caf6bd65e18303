/**
 * `@modelproof/sdk/crypto` — the chain-independent crypto layer: model digests (SHA3-256
 * Merkle roots over 1 MiB chunks), streaming model encryption (AES-256-GCM in authenticated
 * chunks) and X25519 key envelopes. Browser-safe: WebCrypto and @noble only.
 */
export { CryptoError, type CryptoErrorCode } from './errors.js';
export type { ByteSource } from './stream.js';
export {
  CHUNK_SIZE,
  HASH_LEN,
  createChunkVerifier,
  createMerkleBuilder,
  leafHash,
  merkleLeaves,
  merkleRoot,
  nodeHash,
  rootFromLeaves,
  verifyChunk,
  verifyStream,
  type ChunkVerifier,
  type MerkleBuilder,
} from './digest.js';
export {
  CONTENT_KEY_LEN,
  MODEL_FORMAT_VERSION,
  MODEL_HEADER_LEN,
  MODEL_MAGIC,
  MODEL_SUITE_AES256GCM,
  decryptModel,
  decryptModelBytes,
  encryptModel,
  encryptModelBytes,
  generateContentKey,
  parseModelHeader,
  type DecryptModelOptions,
  type EncryptedModelStream,
  type EncryptedModelSummary,
  type ModelHeader,
} from './model-cipher.js';
export {
  ENVELOPE_LEN,
  ENVELOPE_SUITE_X25519_HKDF_SHA256_AES256GCM,
  ENVELOPE_VERSION,
  MAX_ENVELOPE_LEN,
  X25519_KEY_LEN,
  encryptionKeyId,
  encryptionPublicKey,
  generateEncryptionKeyPair,
  unwrapKey,
  wrapKey,
  type EncryptionKeyPair,
} from './envelope.js';
export {
  deriveEncryptionKeyPair,
  encryptionKeyMessage,
  encryptionKeyPairFromSignature,
  rawMessageSigner,
  type MessageSigner,
  type RawSigner,
} from './derive.js';
