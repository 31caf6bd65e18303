/**
 * `@modelproof/sdk` — core entry. No Node-only imports: safe to bundle for browsers.
 * The chain client joins this entry later; the crypto layer is also at `@modelproof/sdk/crypto`.
 */
export { ModelproofError, isModelproofError } from './errors.js';
export * from './crypto/index.js';
