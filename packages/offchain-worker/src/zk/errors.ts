/**
 * Errors of the worker's ZK inference code. All are `ModelproofError`s with `Zk.*` codes, which
 * the queue layer classifies as PERMANENT (a retry computes the same thing again):
 *
 * | code | meaning |
 * |---|---|
 * | `Zk.BadInput` | the sealed input cannot be opened or does not hash to the job's `input_hash` |
 * | `Zk.ArtifactMismatch` | the model's bundle lacks a file, or its proving key is not the on-chain circuit's |
 * | `Zk.WitnessFailed` | the circuit rejected the witness (a constraint or range check failed) |
 * | `Zk.LocalVerificationFailed` | the proof does not verify locally with the chain's verifier |
 *
 * Messages never contain model weights or inputs.
 */
import { ModelproofError } from '@modelproof/sdk';

export type ZkJobErrorCode =
  | 'Zk.BadInput'
  | 'Zk.ArtifactMismatch'
  | 'Zk.WitnessFailed'
  | 'Zk.LocalVerificationFailed';

/** A typed, permanent failure of a ZK inference step. */
export class ZkJobError extends ModelproofError {
  declare readonly code: ZkJobErrorCode;
  constructor(code: ZkJobErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ZkJobError';
  }
}
