/**
 * Errors of the worker. Every error raised on purpose is a `ModelproofError` (the SDK's base,
 * so `isModelproofError(err, code)` works across the SDK and the worker) with a stable
 * `<Area>.<Name>` code. Messages name what to fix and never contain secrets or the values
 * that were rejected (a rejected value may be a misplaced secret).
 */
export { ModelproofError, isModelproofError } from '@modelproof/sdk';
