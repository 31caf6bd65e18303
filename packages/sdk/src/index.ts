/**
 * `@modelproof/sdk` — core entry: the chain client, actions for every call of ModelRegistry,
 * Escrow and ComputeJobs, typed errors, and the crypto layer. No Node-only imports: safe to
 * bundle for browsers. The crypto layer is also at `@modelproof/sdk/crypto`.
 */
export {
  ClientError,
  type ClientErrorCode,
  DispatchError,
  type DispatchErrorCode,
  ModelproofError,
  isModelproofError,
  isRetryable,
} from './errors.js';
export * from './client/index.js';
export * from './tx/index.js';
export * from './actions/index.js';
export * from './crypto/index.js';
