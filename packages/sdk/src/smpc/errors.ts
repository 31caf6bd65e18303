import { ModelproofError } from '../errors.js';

/** Codes of {@link SmpcError}. */
export type SmpcErrorCode =
  /** A value is too large for exact aggregation (see `SMPC_MAX_ABS`), or a decoded sum exceeds its bound. */
  | 'Smpc.Overflow'
  /** A parameter is unusable: wrong length, not finite, non-canonical element, bad committee size. */
  | 'Smpc.InvalidInput'
  /** The share / partial is addressed to a different X25519 key. */
  | 'Smpc.WrongKey'
  /** A share / partial failed authentication: modified, truncated, or opened with the wrong job, sender, recipient or index. */
  | 'Smpc.BadCiphertext'
  /** A share, partial or manifest format version this SDK does not know. */
  | 'Smpc.UnsupportedVersion'
  /** A manifest is malformed or describes another job / participant / committee. */
  | 'Smpc.BadManifest'
  /** Bytes fetched by CID do not have the digest the chain (or the manifest) records. */
  | 'Smpc.DigestMismatch';

/** Errors of the secure-aggregation helpers. Messages never contain shares, sums or keys. */
export class SmpcError extends ModelproofError {
  declare readonly code: SmpcErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: SmpcErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SmpcError';
    this.details = Object.freeze({ ...(options?.details ?? {}) });
  }
}
