import { ModelproofError } from '../errors.js';

/** Codes of {@link ModelError}. */
export type ModelErrorCode =
  /** No model with this id on chain. */
  | 'Model.NotFound'
  /** The account has no access grant (envelope) on the model. */
  | 'Model.NoGrant'
  /** The grantee has no X25519 key on chain (not a registered worker) and none was passed. */
  | 'Model.NoEncryptionKey'
  /**
   * What IPFS served does not match the model's on-chain digests: the chunk map published with
   * the object does not hash to `ciphertext_digest`, or the whole object / the plaintext does not
   * hash to its on-chain root. (A single modified chunk is `Crypto.TamperedChunk`.)
   */
  | 'Model.DigestMismatch'
  /** The content registered as the model's CID is neither a model manifest nor an encrypted model. */
  | 'Model.BadManifest'
  /** A compiled model's bundle (its proving artifacts) is malformed or lacks a file. */
  | 'Model.BadBundle'
  /** The model's manifest has no input/output interface: it was not published as a compiled model. */
  | 'Model.NoInterface'
  /** A parameter is unusable (nothing was sent or fetched). */
  | 'Model.InvalidParams';

/** Errors of the model helpers (`@modelproof/sdk/models`). Messages never contain keys or model bytes. */
export class ModelError extends ModelproofError {
  declare readonly code: ModelErrorCode;
  /** The model concerned, when there is one (not enumerable, so `JSON.stringify(error)` works despite the bigint). */
  declare readonly modelId: bigint | undefined;

  constructor(code: ModelErrorCode, message: string, options?: { cause?: unknown; modelId?: bigint }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModelError';
    Object.defineProperty(this, 'modelId', { value: options?.modelId, enumerable: false });
  }
}
