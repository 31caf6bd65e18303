import { ModelproofError } from '../errors.js';

/** Codes of {@link OfflineError}. */
export type OfflineErrorCode =
  /** The pallet or call is not in the runtime's metadata (the message lists what is). */
  | 'Offline.UnknownCall'
  /** A call argument or a transaction field is missing, unknown or cannot be encoded. */
  | 'Offline.InvalidArgs'
  /** The metadata given to `getRegistry` cannot be decoded (not SCALE metadata V14/V15). */
  | 'Offline.InvalidMetadata'
  /** The metadata declares a signed extension with data this SDK does not know how to fill in. */
  | 'Offline.UnsupportedExtension'
  /** Versions, metadata or registry of a transaction do not match the runtime it is built or decoded for. */
  | 'Offline.RuntimeMismatch'
  /** The bytes to decode are not a transaction / signing payload of this runtime. */
  | 'Offline.InvalidTransaction';

/** Errors of `@modelproof/sdk/offline`. */
export class OfflineError extends ModelproofError {
  declare readonly code: OfflineErrorCode;

  constructor(code: OfflineErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'OfflineError';
  }
}

/** The message of an unknown thrown value, without polkadot-js' `createType(LookupN)::` prefixes. */
export function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/createType\([^)]*\):: /g, '');
}
