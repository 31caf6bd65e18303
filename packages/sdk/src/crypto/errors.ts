import { ModelproofError } from '../errors.js';

/** Codes of {@link CryptoError}. */
export type CryptoErrorCode =
  /** A chunk (or a record's length/flag prefix) failed authentication: modified, reordered, or cut short. */
  | 'Crypto.TamperedChunk'
  /** The stream ended before its final chunk (whole chunks dropped, or cut inside a chunk or the header). */
  | 'Crypto.TruncatedStream'
  /** The header is not a Modelproof encrypted-model header (bad magic, reserved bits, chunk size). */
  | 'Crypto.BadHeader'
  /** A header or envelope version / algorithm suite this SDK does not know. */
  | 'Crypto.UnsupportedVersion'
  /** The key does not belong to this object / envelope. */
  | 'Crypto.WrongKey'
  /** An envelope that is malformed or fails authentication. */
  | 'Crypto.BadEnvelope'
  /** A computed Merkle root (or chunk map) differs from the expected one. */
  | 'Crypto.DigestMismatch'
  /** The caller passed something unusable: wrong key length, not bytes, a reused stream. */
  | 'Crypto.InvalidInput'
  /** No WebCrypto (`globalThis.crypto.subtle`) in this JavaScript runtime. */
  | 'Crypto.Unavailable'
  /** A wallet's signatures of the same message differ (sr25519): no key can be derived from them deterministically. */
  | 'Crypto.NonDeterministicSigner';

/** Errors of the crypto layer. Messages name chunk indices and lengths, never keys or plaintext. */
export class CryptoError extends ModelproofError {
  declare readonly code: CryptoErrorCode;
  /** Index of the chunk concerned, when there is one. */
  readonly chunkIndex: number | undefined;

  constructor(code: CryptoErrorCode, message: string, options?: { chunkIndex?: number }) {
    super(code, message);
    this.name = 'CryptoError';
    this.chunkIndex = options?.chunkIndex;
  }
}
