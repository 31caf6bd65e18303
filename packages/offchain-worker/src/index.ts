/**
 * `@modelproof/offchain-worker`: the daemon behind `modelproof-worker`, as a library —
 * configuration, keystore, metrics, logging and the daemon with its component seam.
 */
export { isModelproofError, ModelproofError } from './errors.js';
export { Secret } from './secret.js';
export * from './config/index.js';
export * from './keys/index.js';
export * from './metrics/index.js';
export * from './log/index.js';
export * from './daemon/index.js';
export {
  deregister,
  type DeregisterOptions,
  type DeregistrationResult,
  ensureRegistered,
  type EnsureRegisteredOptions,
  type RegistrationResult,
} from './register/index.js';
export { EXIT, main, USAGE } from './cli/index.js';
