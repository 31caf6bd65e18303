import { ZkError } from './errors.js';
import { fieldToHex, parseField, type FieldLike } from './field.js';

/** The chain's `job_id` bound: a u64. */
const U64_MAX = (1n << 64n) - 1n;

/** What the chain reads to build a job's public signals. */
export interface PublicSignalsParams {
  /** The `output` of `submit_inference_result` (field elements; H256 hex as stored in `InferenceOutputs`). */
  outputs: readonly FieldLike[];
  /** The job id (u64). */
  jobId: bigint | number;
  /** The model's `zk_commitment` (H256). */
  zkCommitment: FieldLike;
  /** The job's `input_hash` (H256). */
  inputHash: FieldLike;
}

/**
 * The public-signal vector the runtime verifies a job's proof against, in the order of
 * runtime-spec/GROTH16.md: `[output[0], …, output[n−1], job_id, zk_commitment, input_hash]`.
 * Every element is checked canonical (`Zk.NonCanonicalInput` otherwise).
 */
export function publicSignals(params: PublicSignalsParams): bigint[] {
  const { outputs, jobId, zkCommitment, inputHash } = params;
  if (!Array.isArray(outputs) || outputs.length === 0) throw new ZkError('Zk.InvalidInput', 'outputs must be a non-empty array');
  const id = typeof jobId === 'number' && Number.isSafeInteger(jobId) ? BigInt(jobId) : jobId;
  if (typeof id !== 'bigint' || id < 0n || id > U64_MAX) throw new ZkError('Zk.InvalidInput', 'jobId must be a u64');
  return [
    ...outputs.map((o, i) => parseField(o, `output ${i}`)),
    id,
    parseField(zkCommitment, 'zk_commitment'),
    parseField(inputHash, 'input_hash'),
  ];
}

/** {@link publicSignals} as `0x` hex H256 strings. */
export function publicSignalsHex(params: PublicSignalsParams): `0x${string}`[] {
  return publicSignals(params).map(fieldToHex);
}
