/**
 * Error base for the whole SDK.
 *
 * Every error the SDK raises on purpose is a {@link ModelproofError} with a stable string
 * `code` of the form `<Area>.<Name>` (for example `Crypto.TamperedChunk`, later
 * `ModelRegistry.DuplicateDigest`). Codes are part of the public API and never change
 * meaning; messages are for humans and may be reworded. Messages never contain key
 * material, plaintext or other secrets.
 */

import type { PalletErrorCode } from './client/call-signatures.generated.js';

const BRAND = Symbol.for('@modelproof/sdk/error');

export class ModelproofError extends Error {
  /** Stable machine-readable code, `<Area>.<Name>`. */
  readonly code: string;
  /**
   * Whether the same operation, tried again unchanged, may succeed: a timeout, a dropped
   * connection, an unreachable node, chain state not there yet. `false` for what a retry cannot
   * fix (bad input, a failed check, a refused call). Each error class decides it from its code;
   * a job queue can act on it without a table of codes.
   */
  readonly retryable: boolean;

  constructor(code: string, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = 'ModelproofError';
    this.retryable = options?.retryable ?? false;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** Whether `error` says a retry may succeed (its `retryable` flag); `false` for anything that does not say. */
export function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}

/**
 * True when `value` is a {@link ModelproofError} (optionally with the given `code`).
 *
 * Prefer this over `instanceof`: it also recognises errors thrown by another copy of the
 * SDK (the ESM and CommonJS builds loaded side by side, or two installed versions).
 */
export function isModelproofError(value: unknown, code?: string): value is ModelproofError {
  if (typeof value !== 'object' || value === null) return false;
  if (!(value instanceof ModelproofError) && (value as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (value as ModelproofError).code === code;
}

/** Codes of {@link ClientError}: connection, submission and compatibility failures. */
export type ClientErrorCode =
  /** The operation did not finish within its `timeoutMs`. */
  | 'Client.Timeout'
  /** The connection dropped (or was closed) while the operation was pending, or before it started. */
  | 'Client.Disconnected'
  /** The transaction pool rejected the transaction (bad nonce, cannot pay fees, bad signature, …). */
  | 'Client.InvalidTransaction'
  /** The connected runtime's calls differ from the ones this SDK was built against. */
  | 'Client.RuntimeMismatch'
  /** The action needs a signer and the client has none. */
  | 'Client.NoSigner'
  /** The operation was cancelled through its `AbortSignal`. */
  | 'Client.Aborted'
  /** A parameter is malformed (wrong length, out of range, not a number, …). Nothing was sent. */
  | 'Client.InvalidParams';

/** The {@link ClientError}s a retry may get past: the node was slow or away, the pool refused for now (nonce, fees), or the caller gave up. */
const RETRYABLE_CLIENT_CODES: ReadonlySet<string> = new Set<ClientErrorCode>(['Client.Timeout', 'Client.Disconnected', 'Client.InvalidTransaction', 'Client.Aborted']);

/** Errors of the chain client (everything that is not a dispatch error of the runtime). */
export class ClientError extends ModelproofError {
  declare readonly code: ClientErrorCode;
  /** Structured context, e.g. `{ txHash }` or the list of differing calls; never secrets. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(code, message, { cause: options?.cause, retryable: RETRYABLE_CLIENT_CODES.has(code) });
    this.name = 'ClientError';
    this.details = Object.freeze({ ...(options?.details ?? {}) });
  }
}

/**
 * `code` of a {@link DispatchError}: one of the Modelproof pallets' errors (listed, so editors
 * complete them and `switch`es are checked), or another pallet's / a built-in dispatch error.
 */
// `string & {}` keeps the listed literals visible to completion instead of widening to `string`.
// eslint-disable-next-line @typescript-eslint/ban-types
export type DispatchErrorCode = PalletErrorCode | (string & {});

/**
 * A transaction was included in a block but its call failed (`System.ExtrinsicFailed`).
 *
 * `code` is `<Pallet>.<Error>` for a pallet error (e.g. `ModelRegistry.DuplicateDigest`), or
 * `Dispatch.<Variant>` / `Token.<Variant>` / `Arithmetic.<Variant>` / `Transactional.<Variant>`
 * for the runtime's built-in dispatch errors (e.g. `Dispatch.BadOrigin`, `Token.FundsUnavailable`).
 * The fee was paid; nothing else of the call took effect. Not `retryable`, except `Token.*`
 * (the account lacked funds, which may arrive).
 */
export class DispatchError extends ModelproofError {
  declare readonly code: DispatchErrorCode;
  /** Pallet name as in the metadata (`ModelRegistry`), or the built-in error class (`Dispatch`, `Token`, …). */
  readonly pallet: string;
  /** Error name (`DuplicateDigest`). */
  readonly error: string;
  /** The error's documentation from the runtime metadata. */
  readonly docs: string;
  /** For `batch`: index of the call that failed, when it could be determined. */
  readonly callIndex: number | undefined;
  /** Where it failed: transaction hash, block hash and number. */
  readonly txHash: string | undefined;
  readonly blockHash: string | undefined;
  readonly blockNumber: number | undefined;

  constructor(
    pallet: string,
    error: string,
    docs: string,
    options?: { callIndex?: number; txHash?: string; blockHash?: string; blockNumber?: number },
  ) {
    const where = options?.callIndex === undefined ? '' : ` (call #${options.callIndex} of the batch)`;
    super(`${pallet}.${error}`, `${pallet}.${error}${where}${docs ? `: ${docs}` : ''}`, { retryable: pallet === 'Token' });
    this.name = 'DispatchError';
    this.pallet = pallet;
    this.error = error;
    this.docs = docs;
    this.callIndex = options?.callIndex;
    this.txHash = options?.txHash;
    this.blockHash = options?.blockHash;
    this.blockNumber = options?.blockNumber;
  }
}
