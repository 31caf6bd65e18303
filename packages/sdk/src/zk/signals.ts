import { ZkError } from './errors.js';
import { fieldToHex, parseField, type FieldLike } from './field.js';

/** The chain's `job_id` bound: a u64. */
const U64_MAX = (1n << 64n) - 1n;

/** What the chain reads to build a job's public signals. */
export interface PublicSignalsParams {
  /**
   * Public outputs: the `output` of `submit_inference_result` (field elements; H256 hex as
   * stored in `InferenceOutputs`). Committed outputs: the number of the circuit's outputs
   * (their signals are zero).
   */
  outputs: readonly FieldLike[] | { committed: number };
  /** `H(outputs ‖ salt)`, the result's output commitment. */
  outputCommitment: FieldLike;
  /** The job id (u64). */
  jobId: bigint | number;
  /** The job's `input_hash` (H256). */
  inputHash: FieldLike;
}

/**
 * The public-signal vector the runtime verifies a job's proof against, in the order of
 * runtime-spec/GROTH16.md: `[y[0], …, y[n−1], output_commitment, job_id, input_hash, reveal]`,
 * where `y` are the outputs and `reveal` = 1 for public outputs, and `y` = 0 and `reveal` = 0
 * for committed ones. Every element is checked canonical (`Zk.NonCanonicalInput` otherwise).
 */
export function publicSignals(params: PublicSignalsParams): bigint[] {
  const { outputs, outputCommitment, jobId, inputHash } = params;
  let ys: bigint[];
  let reveal: bigint;
  if (Array.isArray(outputs)) {
    if (outputs.length === 0) throw new ZkError('Zk.InvalidInput', 'outputs must be a non-empty array');
    ys = outputs.map((o, i) => parseField(o, `output ${i}`));
    reveal = 1n;
  } else {
    const n = (outputs as { committed?: unknown } | null)?.committed;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new ZkError('Zk.InvalidInput', 'outputs must be an array or { committed: <output count ≥ 1> }');
    ys = new Array<bigint>(n).fill(0n);
    reveal = 0n;
  }
  const id = typeof jobId === 'number' && Number.isSafeInteger(jobId) ? BigInt(jobId) : jobId;
  if (typeof id !== 'bigint' || id < 0n || id > U64_MAX) throw new ZkError('Zk.InvalidInput', 'jobId must be a u64');
  return [...ys, parseField(outputCommitment, 'output_commitment'), id, parseField(inputHash, 'input_hash'), reveal];
}

/** {@link publicSignals} as `0x` hex H256 strings. */
export function publicSignalsHex(params: PublicSignalsParams): `0x${string}`[] {
  return publicSignals(params).map(fieldToHex);
}
