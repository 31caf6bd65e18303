import { ModelproofError } from '../errors.js';

/** Codes of {@link ZkError}. */
export type ZkErrorCode =
  /** Proof bytes are not a well-formed proof: wrong length, a coordinate ≥ q, a point off its curve, a G2 point outside the subgroup. */
  | 'Zk.MalformedProof'
  /** Verifying-key bytes are malformed (same checks as a proof, plus the length and the public-input bound). */
  | 'Zk.MalformedVerifyingKey'
  /** A public input or field element is not canonical: negative, ≥ r, or not a 32-byte / decimal encoding. */
  | 'Zk.NonCanonicalInput'
  /** The number of public inputs differs from the verifying key's `n_public`. */
  | 'Zk.PublicInputCountMismatch'
  /** A value does not fit: a fixed-point number that is not finite or whose magnitude exceeds (r − 1) / 2. */
  | 'Zk.OutOfRange'
  /** A parameter is unusable (empty vector, bad scale, wrong type). */
  | 'Zk.InvalidInput'
  /** A proof the chain accepted did not verify locally against the chain's verifying key. */
  | 'Zk.LocalVerificationFailed';

/** Why a proof or verifying key was rejected (mirrors the runtime verifier's errors). */
export type ZkMalformedReason =
  | 'Length'
  | 'TooManyPublicInputs'
  | 'NonCanonicalCoordinate'
  | 'PointNotOnCurve'
  | 'PointNotInSubgroup';

/** Errors of the ZK helpers. `details` carries structured context (indices, reasons), never secrets. */
export class ZkError extends ModelproofError {
  declare readonly code: ZkErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ZkErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ZkError';
    this.details = Object.freeze({ ...(options?.details ?? {}) });
  }
}
