/**
 * Error base for the whole SDK.
 *
 * Every error the SDK raises on purpose is a {@link ModelproofError} with a stable string
 * `code` of the form `<Area>.<Name>` (for example `Crypto.TamperedChunk`, later
 * `ModelRegistry.DuplicateDigest`). Codes are part of the public API and never change
 * meaning; messages are for humans and may be reworded. Messages never contain key
 * material, plaintext or other secrets.
 */

const BRAND = Symbol.for('@modelproof/sdk/error');

export class ModelproofError extends Error {
  /** Stable machine-readable code, `<Area>.<Name>`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'ModelproofError';
    Object.defineProperty(this, BRAND, { value: true });
  }
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
