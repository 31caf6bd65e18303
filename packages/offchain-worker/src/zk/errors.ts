/**
 * Errors of the worker's ZK inference code. All are `ModelproofError`s with `Zk.*` codes, which
 * the queue layer classifies as PERMANENT (a retry computes the same thing again):
 *
 * | code | meaning |
 * |---|---|
 * | `Zk.BadModel` | the model file is not a valid `modelproof/mlp` document (format, shape, sizes, value ranges) |
 * | `Zk.BadInput` | the inference inputs do not fit the model (count, range) |
 * | `Zk.ActivationOutOfRange` | a neuron's value leaves the circuit's signed range: no proof can exist |
 * | `Zk.CommitmentMismatch` | the model does not hash to the model's on-chain `zk_commitment` |
 * | `Zk.UnknownCircuit` | no local circuit artifacts match the on-chain verifying key |
 * | `Zk.ShapeMismatch` | the model's shape is not the circuit's |
 * | `Zk.WitnessFailed` | the circuit rejected the witness (a constraint or range check failed) |
 * | `Zk.LocalVerificationFailed` | the proof does not verify locally with the chain's verifier |
 * | `Zk.OutputMismatch` | the circuit's outputs differ from the reference implementation's |
 *
 * Messages never contain model weights or inputs.
 */
import { ModelproofError } from '@modelproof/sdk';

export type ZkJobErrorCode =
  | 'Zk.BadModel'
  | 'Zk.BadInput'
  | 'Zk.ActivationOutOfRange'
  | 'Zk.CommitmentMismatch'
  | 'Zk.UnknownCircuit'
  | 'Zk.ShapeMismatch'
  | 'Zk.WitnessFailed'
  | 'Zk.LocalVerificationFailed'
  | 'Zk.OutputMismatch';

/** A typed, permanent failure of a ZK inference step. */
export class ZkJobError extends ModelproofError {
  declare readonly code: ZkJobErrorCode;
  constructor(code: ZkJobErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ZkJobError';
  }
}
