/**
 * Key envelopes: a content key wrapped to a grantee's X25519 public key (what
 * `ModelRegistry.grant_access` stores on chain, at most 256 bytes).
 *
 * Envelope v1 (90 bytes):
 *   0   version = 1 (u8)
 *   1   suite = 1: X25519 + HKDF-SHA256 + AES-256-GCM (u8)
 *   2   recipient key id (8) = SHA3-256("modelproof/x25519-key-id/v1" ‖ recipient public key)[0..8]
 *   10  ephemeral X25519 public key (32)
 *   42  AES-256-GCM(content key) ‖ tag (32 + 16)
 *
 * shared = X25519(ephemeral secret, recipient public)  (an all-zero result is rejected)
 * key ‖ nonce = HKDF-SHA256(ikm = shared, salt = none,
 *                           info = "modelproof/envelope/v1" ‖ version ‖ suite ‖ ephemeral public ‖ recipient public,
 *                           length = 32 + 12)
 * aad = bytes 0..42 (version, suite, key id, ephemeral public key)
 *
 * Every envelope has a fresh ephemeral key, so the derived key/nonce pair is never reused.
 * The key id lets a holder of the wrong key get `Crypto.WrongKey` rather than a generic
 * failure; any other modification is `Crypto.BadEnvelope`.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, concatBytes, equalBytes, randomBytes, subtle, toBufferSource, utf8 } from './bytes.js';
import { CryptoError } from './errors.js';
import { sha3 } from './sha3.js';
import { CONTENT_KEY_LEN } from './model-cipher.js';

export const ENVELOPE_VERSION = 1;
/** Suite 1: X25519 + HKDF-SHA256 + AES-256-GCM. */
export const ENVELOPE_SUITE_X25519_HKDF_SHA256_AES256GCM = 1;
/** Length of a v1 envelope. */
export const ENVELOPE_LEN = 90;
/** The chain's `MaxEnvelopeLen`: no envelope version may exceed it. */
export const MAX_ENVELOPE_LEN = 256;
/** Length of X25519 secret and public keys. */
export const X25519_KEY_LEN = 32;

const KEY_ID_LEN = 8;
const AAD_LEN = 2 + KEY_ID_LEN + X25519_KEY_LEN;
const KDF_INFO = utf8('modelproof/envelope/v1');
const KEY_ID_DOMAIN = utf8('modelproof/x25519-key-id/v1');

/** An X25519 key pair for receiving envelopes (workers publish `publicKey` on chain). */
export interface EncryptionKeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** A new random X25519 key pair. */
export function generateEncryptionKeyPair(): EncryptionKeyPair {
  const secretKey = randomBytes(X25519_KEY_LEN);
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
}

/** The X25519 public key of `secretKey`. */
export function encryptionPublicKey(secretKey: Uint8Array): Uint8Array {
  assertBytes(secretKey, 'secretKey', X25519_KEY_LEN);
  return x25519.getPublicKey(secretKey);
}

/** The 8-byte id an envelope carries for its recipient's public key. */
export function encryptionKeyId(publicKey: Uint8Array): Uint8Array {
  assertBytes(publicKey, 'publicKey', X25519_KEY_LEN);
  return sha3(KEY_ID_DOMAIN, publicKey).slice(0, KEY_ID_LEN);
}

function sharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array | undefined {
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(secretKey, publicKey);
  } catch {
    return undefined;
  }
  if (shared.every((b) => b === 0)) return undefined;
  return shared;
}

async function deriveAead(shared: Uint8Array, ephemeralPublic: Uint8Array, recipientPublic: Uint8Array) {
  const okm = hkdf(
    sha256,
    shared,
    undefined,
    concatBytes(KDF_INFO, Uint8Array.of(ENVELOPE_VERSION, ENVELOPE_SUITE_X25519_HKDF_SHA256_AES256GCM), ephemeralPublic, recipientPublic),
    32 + 12,
  );
  shared.fill(0);
  const rawKey = toBufferSource(okm.subarray(0, 32));
  const iv = toBufferSource(okm.subarray(32));
  okm.fill(0);
  const key = await subtle().importKey('raw', rawKey, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  rawKey.fill(0);
  return { key, iv };
}

/** Wraps a 32-byte content key to `recipientPublicKey`. Returns a v1 envelope (90 bytes). */
export async function wrapKey(contentKey: Uint8Array, recipientPublicKey: Uint8Array): Promise<Uint8Array> {
  assertBytes(contentKey, 'contentKey', CONTENT_KEY_LEN);
  assertBytes(recipientPublicKey, 'recipientPublicKey', X25519_KEY_LEN);
  const ephemeral = generateEncryptionKeyPair();
  const shared = sharedSecret(ephemeral.secretKey, recipientPublicKey);
  ephemeral.secretKey.fill(0);
  if (!shared) throw new CryptoError('Crypto.InvalidInput', 'recipientPublicKey is not a usable X25519 public key (low-order point)');
  const { key, iv } = await deriveAead(shared, ephemeral.publicKey, recipientPublicKey);
  const aad = concatBytes(
    Uint8Array.of(ENVELOPE_VERSION, ENVELOPE_SUITE_X25519_HKDF_SHA256_AES256GCM),
    encryptionKeyId(recipientPublicKey),
    ephemeral.publicKey,
  );
  const sealed = await subtle().encrypt(
    { name: 'AES-GCM', iv, additionalData: toBufferSource(aad), tagLength: 128 },
    key,
    toBufferSource(contentKey),
  );
  return concatBytes(aad, new Uint8Array(sealed));
}

/**
 * Opens an envelope with the recipient's X25519 secret key and returns the content key.
 * Errors: `Crypto.BadEnvelope` (malformed or modified), `Crypto.UnsupportedVersion`,
 * `Crypto.WrongKey` (addressed to another key).
 */
export async function unwrapKey(envelope: Uint8Array, recipientSecretKey: Uint8Array): Promise<Uint8Array> {
  assertBytes(envelope, 'envelope');
  assertBytes(recipientSecretKey, 'recipientSecretKey', X25519_KEY_LEN);
  if (envelope.length < 2) throw new CryptoError('Crypto.BadEnvelope', `envelope too short (${envelope.length} bytes)`);
  if (envelope[0] !== ENVELOPE_VERSION) {
    throw new CryptoError('Crypto.UnsupportedVersion', `envelope version ${envelope[0]} is not supported (this SDK reads version ${ENVELOPE_VERSION})`);
  }
  if (envelope[1] !== ENVELOPE_SUITE_X25519_HKDF_SHA256_AES256GCM) {
    throw new CryptoError('Crypto.UnsupportedVersion', `envelope suite ${envelope[1]} is not supported`);
  }
  if (envelope.length !== ENVELOPE_LEN) {
    throw new CryptoError('Crypto.BadEnvelope', `a v1 envelope is ${ENVELOPE_LEN} bytes, got ${envelope.length}`);
  }
  const recipientPublic = x25519.getPublicKey(recipientSecretKey);
  if (!equalBytes(envelope.subarray(2, 2 + KEY_ID_LEN), encryptionKeyId(recipientPublic))) {
    throw new CryptoError('Crypto.WrongKey', 'this envelope is addressed to a different encryption key');
  }
  const ephemeralPublic = envelope.slice(2 + KEY_ID_LEN, AAD_LEN);
  const shared = sharedSecret(recipientSecretKey, ephemeralPublic);
  if (!shared) throw new CryptoError('Crypto.BadEnvelope', 'the envelope carries an invalid ephemeral public key');
  const { key, iv } = await deriveAead(shared, ephemeralPublic, recipientPublic);
  try {
    const opened = await subtle().decrypt(
      { name: 'AES-GCM', iv, additionalData: toBufferSource(envelope.subarray(0, AAD_LEN)), tagLength: 128 },
      key,
      toBufferSource(envelope.subarray(AAD_LEN)),
    );
    return new Uint8Array(opened);
  } catch {
    throw new CryptoError('Crypto.BadEnvelope', 'the envelope failed authentication (modified, or not made for this key)');
  }
}
