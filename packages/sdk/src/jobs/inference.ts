/**
 * Verifiable inference from the consumer's side: submit a job, wait for the chain to accept a
 * worker's result, and re-verify that result locally — the Groth16 proof (taken from the
 * `submit_inference_result` extrinsic in the completing block) against the circuit's
 * verifying key as stored on chain and the public signals rebuilt from chain state. Nothing the
 * worker or the node says is taken on trust except the chain's storage and blocks.
 *
 * ## Inference input document (v1)
 * When the caller gives no `inputCid`, the inputs are uploaded as UTF-8 JSON, canonical form:
 * `{"format":"modelproof/inference-input","version":1,"inputs":["<decimal field element>",…]}`
 * (signed fixed-point values as field elements, negatives `r − |v|`, in circuit order). A worker
 * checks `inputHash(inputs) = input_hash` before proving ({@link parseInferenceInput}).
 */
import type { Codec } from '@polkadot/types-codec/types';
import type { Call } from '@polkadot/types/interfaces';

import { getCircuit } from '../actions/circuits.js';
import { getInferenceOutputs, getJob, submitInferenceJob, waitForJob, type Job } from '../actions/jobs.js';
import { getModel } from '../actions/models.js';
import { queryOf } from '../actions/params.js';
import { connectionOf, type ModelproofClient } from '../client/client.js';
import { guard, type CallOptions } from '../client/guard.js';
import { isModelproofError } from '../errors.js';
import { decodeEvent, type Hex, toPlain } from '../tx/decode.js';
import { eventsAt } from '../tx/runtime.js';
import type { Receipt, SubmitOptions } from '../tx/submit.js';
import { dequantize, fromField, parseField, quantize, toField } from '../zk/field.js';
import { verifyGroth16 } from '../zk/groth16.js';
import { inputHash as poseidonInputHash } from '../zk/poseidon.js';
import { publicSignals } from '../zk/signals.js';
import { ZkError } from '../zk/errors.js';
import { JobError } from './errors.js';
import type { IpfsStore } from './ipfs.js';

const PALLET = 'ComputeJobs';
export const INFERENCE_INPUT_FORMAT = 'modelproof/inference-input';
export const INFERENCE_INPUT_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// inputs

/**
 * Inputs as field elements: bigints are signed fixed-point integers (or field elements);
 * numbers need `scaleBits` and are quantized (`round(x · 2^scaleBits)`).
 */
export function inputsToField(inputs: readonly bigint[] | readonly number[], scaleBits?: number): bigint[] {
  if (!Array.isArray(inputs) || inputs.length === 0) throw new JobError('Job.InvalidParams', 'inputs must be a non-empty array');
  return (inputs as readonly (bigint | number)[]).map((v, i) => {
    if (typeof v === 'bigint') return v < 0n ? toField(v) : parseField(v, `inputs[${i}]`);
    if (typeof v === 'number') {
      if (scaleBits === undefined) throw new JobError('Job.InvalidParams', 'number inputs need scaleBits (or pass fixed-point bigints)');
      return toField(quantize(v, scaleBits));
    }
    throw new JobError('Job.InvalidParams', `inputs[${i}] must be a bigint or a number`);
  });
}

/** The canonical inference input document for field-element inputs. */
export function encodeInferenceInput(fieldInputs: readonly bigint[]): Uint8Array {
  const inputs = fieldInputs.map((x, i) => parseField(x, `inputs[${i}]`).toString());
  if (inputs.length === 0) throw new JobError('Job.InvalidParams', 'inputs must be a non-empty array');
  return new TextEncoder().encode(JSON.stringify({ format: INFERENCE_INPUT_FORMAT, version: INFERENCE_INPUT_VERSION, inputs }));
}

/**
 * Parses an inference input document; with `inputHash`, checks the inputs hash to it.
 * Errors: `Job.BadInput`.
 */
export function parseInferenceInput(bytes: Uint8Array, expect: { inputHash?: string } = {}): bigint[] {
  const bad = (why: string, cause?: unknown) => new JobError('Job.BadInput', `inference input document: ${why}`, cause === undefined ? undefined : { cause });
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw bad('not UTF-8 JSON', e);
  }
  const o = doc as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null || o.format !== INFERENCE_INPUT_FORMAT) throw bad('unknown format');
  if (o.version !== INFERENCE_INPUT_VERSION) throw bad(`unsupported version ${String(o.version)}`);
  if (!Array.isArray(o.inputs) || o.inputs.length === 0 || !o.inputs.every((x) => typeof x === 'string' && /^(0|[1-9][0-9]*)$/.test(x))) {
    throw bad('inputs must be a non-empty array of decimal strings');
  }
  let inputs: bigint[];
  try {
    inputs = (o.inputs as string[]).map((x, i) => parseField(x, `inputs[${i}]`));
  } catch (e) {
    throw bad('an input is not a canonical field element', e);
  }
  const canonical = encodeInferenceInput(inputs);
  if (canonical.length !== bytes.length || canonical.some((b, i) => b !== bytes[i])) throw bad('not in canonical form');
  if (expect.inputHash !== undefined && poseidonInputHash(inputs) !== expect.inputHash.toLowerCase()) {
    throw bad('the inputs do not hash to the job\'s input_hash');
  }
  return inputs;
}

// ---------------------------------------------------------------------------------------------
// locating and re-verifying a result

/** A result the chain accepted and this SDK re-verified locally. */
export interface VerifiedInference {
  jobId: bigint;
  /** The outputs as signed integers (fixed point: divide by the circuit's output scale). */
  outputs: bigint[];
  /** `outputs / 2^outputScaleBits`, when `outputScaleBits` was given. */
  values?: number[];
  /** The outputs as stored on chain (32-byte field elements). */
  outputFields: Hex[];
  /** Always `true`: otherwise `Zk.LocalVerificationFailed` is thrown. */
  verified: true;
  /** The worker that posted the result. */
  worker: string;
  /** The Groth16 proof (256 bytes) from the completing extrinsic. */
  proof: Uint8Array;
  /** Where the result was accepted. */
  completedIn: { blockHash: Hex; blockNumber: number; extrinsicIndex: number };
}

export interface VerifyInferenceOptions extends CallOptions {
  /** Scale of the circuit's outputs, to also return them as numbers (`values`). */
  outputScaleBits?: number;
}

type AtQuery = { at(hash: string, ...keys: unknown[]): Promise<Codec> };

function isCall(value: unknown): value is Call {
  const v = value as { callIndex?: unknown; args?: unknown; section?: unknown; method?: unknown } | null;
  return typeof v === 'object' && v !== null && v.callIndex instanceof Uint8Array && Array.isArray(v.args) && typeof v.method === 'string';
}

/** The call and every call nested in it (utility batches, sudo, proxy …), depth first. */
function* callsIn(call: Call): Generator<Call> {
  yield call;
  for (const arg of call.args as unknown as unknown[]) yield* nestedCalls(arg);
}

function* nestedCalls(value: unknown): Generator<Call> {
  if (isCall(value)) yield* callsIn(value);
  else if (Array.isArray(value)) for (const item of value) yield* nestedCalls(item);
}

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** First block on the best chain at which `InferenceOutputs(jobId)` exists (binary search over history). */
async function completionBlock(client: ModelproofClient, job: Job): Promise<{ blockHash: Hex; blockNumber: number }> {
  const api = client.api;
  const outputs = queryOf(api, PALLET, 'InferenceOutputs') as unknown as AtQuery;
  const hashAt = async (n: number): Promise<Hex> => (await api.rpc.chain.getBlockHash(n)).toHex() as Hex;
  const hasOutputs = async (n: number): Promise<boolean> => toPlain(await outputs.at(await hashAt(n), job.id)) !== null;
  const head = (await api.rpc.chain.getHeader()).number.toNumber();
  let lo = Math.max(0, job.createdAt);
  let hi = head;
  if (!(await hasOutputs(hi))) throw new JobError('Job.ResultNotFound', `job ${job.id}: no outputs on the best chain`);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (await hasOutputs(mid)) hi = mid;
    else lo = mid + 1;
  }
  return { blockNumber: lo, blockHash: await hashAt(lo) };
}

/**
 * The local check behind {@link verifyInferenceJob}: at least one of `proofs` must verify
 * against `vk` and the chain's public signals `[outputs…, jobId, zkCommitment, inputHash]`.
 * Returns the proof that verified; otherwise throws `Zk.LocalVerificationFailed` (with the
 * decoding error, if any, as its cause).
 */
export function checkInferenceProof(params: {
  vk: Uint8Array;
  proofs: readonly Uint8Array[];
  outputs: readonly Hex[];
  jobId: bigint;
  zkCommitment: Hex;
  inputHash: Hex;
  details?: Record<string, unknown>;
}): Uint8Array {
  const { vk, proofs, outputs, jobId, zkCommitment, inputHash } = params;
  let failure: unknown;
  try {
    const signals = publicSignals({ outputs, jobId, zkCommitment, inputHash });
    for (const proof of proofs) {
      try {
        if (verifyGroth16(vk, proof, signals)) return proof;
      } catch (e) {
        failure = e;
      }
    }
  } catch (e) {
    failure = e;
  }
  throw new ZkError('Zk.LocalVerificationFailed', `job ${jobId}: the proof the chain accepted does not verify locally against the circuit's verifying key`, {
    ...(failure === undefined ? {} : { cause: failure }),
    details: { jobId, ...params.details },
  });
}

/**
 * Re-verifies a completed inference job locally: finds the block that completed it, decodes the
 * proof from its `submit_inference_result` extrinsic, fetches the circuit's verifying key, the
 * model's `zk_commitment` and the job's `input_hash` from chain state, and runs the Groth16
 * verifier of `@modelproof/sdk/zk`.
 *
 * Errors: `Job.NotFound`, `Job.WrongKind`, `Job.NotReady` (not completed), `Job.ResultNotFound`
 * (e.g. the node pruned the state of the completing block), `Zk.LocalVerificationFailed`.
 */
export async function verifyInferenceJob(client: ModelproofClient, jobId: bigint | number, options: VerifyInferenceOptions = {}): Promise<VerifiedInference> {
  const conn = connectionOf(client);
  const id = BigInt(jobId);
  const what = `re-verifying inference job ${id}`;
  return guard(conn, what, async () => {
    const job = await getJob(client, id);
    if (job === null) throw new JobError('Job.NotFound', `no job ${id} on chain`);
    if (job.kind.type !== 'Inference') throw new JobError('Job.WrongKind', `job ${id} is not an inference job`);
    if (job.status !== 'Completed') throw new JobError('Job.NotReady', `job ${id} is ${job.status}, not Completed`);
    const kind = job.kind;

    const [stored, circuit, model] = await Promise.all([getInferenceOutputs(client, id), getCircuit(client, kind.circuitId), getModel(client, kind.modelId)]);
    if (stored === null) throw new JobError('Job.ResultNotFound', `job ${id} has no stored outputs`);
    if (circuit === null) throw new JobError('Job.ResultNotFound', `circuit ${kind.circuitId} of job ${id} is not on chain`);
    if (model === null || model.zkCommitment === null) throw new JobError('Job.ResultNotFound', `model ${kind.modelId} of job ${id} has no zk_commitment`);

    let where: { blockHash: Hex; blockNumber: number };
    try {
      where = await completionBlock(client, job);
    } catch (e) {
      if (isModelproofError(e)) throw e;
      throw new JobError('Job.ResultNotFound', `job ${id}: could not read the chain's history to find the completing block`, { cause: e });
    }
    const [signedBlock, records] = await Promise.all([client.api.rpc.chain.getBlock(where.blockHash), eventsAt(client.api, where.blockHash)]);
    const accepted = records
      .filter((r) => r.phase.isApplyExtrinsic)
      .map((r) => ({ index: r.phase.asApplyExtrinsic.toNumber(), event: decodeEvent(client.api, r) }))
      .find((e) => e.event.section === PALLET && e.event.method === 'InferenceResultAccepted' && e.event.data['jobId'] === id);
    if (!accepted) throw new JobError('Job.ResultNotFound', `job ${id}: no InferenceResultAccepted event in block #${where.blockNumber}`);
    const extrinsic = signedBlock.block.extrinsics[accepted.index];
    if (!extrinsic) throw new JobError('Job.ResultNotFound', `job ${id}: extrinsic #${accepted.index} missing from block #${where.blockNumber}`);

    const storedLower = stored.map((h) => h.toLowerCase());
    const candidates: Uint8Array[] = [];
    for (const call of callsIn(extrinsic.method as unknown as Call)) {
      if (!sameName(call.section, 'computeJobs') || !sameName(call.method, 'submitInferenceResult')) continue;
      const [jobArg, outputArg, proofArg] = call.args as unknown as [{ toBigInt(): bigint }, Array<{ toHex(): string }>, { toU8a(bare?: boolean): Uint8Array }];
      if (jobArg.toBigInt() !== id) continue;
      const output = [...outputArg].map((o) => o.toHex().toLowerCase());
      if (output.length !== storedLower.length || output.some((o, i) => o !== storedLower[i])) continue;
      candidates.push(new Uint8Array(proofArg.toU8a(true)));
    }
    if (candidates.length === 0) {
      throw new JobError('Job.ResultNotFound', `job ${id}: no submit_inference_result call with the stored outputs in extrinsic #${accepted.index} of block #${where.blockNumber}`);
    }

    const proof = checkInferenceProof({
      vk: circuit.vk,
      proofs: candidates,
      outputs: stored,
      jobId: id,
      zkCommitment: model.zkCommitment,
      inputHash: kind.inputHash,
      details: { blockHash: where.blockHash, circuitId: kind.circuitId },
    });
    const outputs = stored.map((h) => fromField(parseField(h)));
    return {
      jobId: id,
      outputs,
      ...(options.outputScaleBits === undefined ? {} : { values: outputs.map((v) => dequantize(v, options.outputScaleBits!)) }),
      outputFields: stored,
      verified: true as const,
      worker: String(accepted.event.data['worker']),
      proof,
      completedIn: { ...where, extrinsicIndex: accepted.index },
    };
  }, options);
}

// ---------------------------------------------------------------------------------------------
// submit and wait

export interface SubmitInferenceAndWaitParams {
  modelId: bigint | number;
  circuitId: Hex | Uint8Array;
  /** Signed fixed-point integers (bigint), or numbers with `scaleBits`, in circuit order. */
  inputs: readonly bigint[] | readonly number[];
  /** Scale of number `inputs` (`round(x · 2^scaleBits)`). */
  scaleBits?: number;
  /** Where the worker fetches the inputs; if absent, the input document is uploaded through `options.ipfs`. */
  inputCid?: string;
  reward: bigint | number | string;
  /** Block number by which the result must be in. */
  deadline: number;
}

export interface SubmitInferenceAndWaitOptions {
  /** Uploads the input document when `inputCid` is not given. */
  ipfs?: IpfsStore;
  /** How long to wait for the result, and for the final re-verification (default: the client's timeout). */
  timeoutMs?: number;
  /** `inBlock` (default): completion in a best block; `finalized`: in a finalized block. */
  wait?: 'inBlock' | 'finalized';
  /** Options of the submission itself. */
  submit?: SubmitOptions;
  signal?: AbortSignal;
  /** Scale of the circuit's outputs, to also return them as numbers. */
  outputScaleBits?: number;
}

export type InferenceResult = VerifiedInference & {
  /** The receipt of `submit_inference_job`. */
  receipt: Receipt<{ jobId: bigint }>;
  inputHash: Hex;
  inputCid: string;
};

/**
 * Submits an inference job, waits for its result, and re-verifies the proof locally
 * ({@link verifyInferenceJob}). Resolves only with a verified result.
 *
 * Errors: those of `submitInferenceJob` (e.g. `ComputeJobs.ModelNotZkCapable`), `Job.Expired`,
 * `Client.Timeout`, `Zk.LocalVerificationFailed`, `Job.InvalidParams`.
 */
export async function submitInferenceAndWait(
  client: ModelproofClient,
  params: SubmitInferenceAndWaitParams,
  options: SubmitInferenceAndWaitOptions = {},
): Promise<InferenceResult> {
  const fieldInputs = inputsToField(params.inputs, params.scaleBits);
  const inputHash = poseidonInputHash(fieldInputs) as Hex;
  let inputCid = params.inputCid;
  if (inputCid === undefined) {
    if (!options.ipfs) throw new JobError('Job.InvalidParams', 'give inputCid, or an ipfs store to upload the inputs to');
    inputCid = await options.ipfs.add(encodeInferenceInput(fieldInputs));
  }
  const receipt = await submitInferenceJob(
    client,
    { modelId: params.modelId, circuitId: params.circuitId, inputHash, inputCid, reward: params.reward, deadline: params.deadline },
    { ...(options.signal ? { signal: options.signal } : {}), ...options.submit },
  );
  const common = { ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }), ...(options.signal ? { signal: options.signal } : {}) };
  await waitForJob(client, receipt.jobId, { until: options.wait === 'finalized' ? 'finalized-completed' : 'completed', ...common });
  const verified = await verifyInferenceJob(client, receipt.jobId, {
    ...common,
    ...(options.outputScaleBits === undefined ? {} : { outputScaleBits: options.outputScaleBits }),
  });
  return { ...verified, receipt, inputHash, inputCid };
}
