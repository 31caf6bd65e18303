/**
 * Verifiable inference from the consumer's side, on models compiled by `modelproof-model`:
 * quantize the input with the model's public interface, seal it (with a random salt) to the
 * workers the model owner granted, submit the job, wait for the chain to accept a worker's
 * result, and re-verify that result locally — the Groth16 proof (taken from the
 * `submit_inference_result` extrinsic in the completing block) against the verifying key of the
 * model's circuit as stored on chain and the public signals rebuilt from chain state. With
 * committed outputs, the outputs are opened from the object the worker sealed to the consumer's
 * result key and checked against the verified commitment. Nothing the worker or the node says
 * is taken on trust except the chain's storage and blocks.
 */
import type { Codec } from '@polkadot/types-codec/types';
import type { Call } from '@polkadot/types/interfaces';
import { hexToU8a } from '@polkadot/util';

import { getCircuit } from '../actions/circuits.js';
import { getInferenceOutputs, getJob, submitInferenceJob, waitForJob, type Job, type StoredInferenceResult } from '../actions/jobs.js';
import { getGrantees } from '../actions/models.js';
import { queryOf } from '../actions/params.js';
import { getWorker } from '../actions/workers.js';
import { connectionOf, type ModelproofClient } from '../client/client.js';
import { guard, type CallOptions } from '../client/guard.js';
import { encryptionPublicKey, generateEncryptionKeyPair, type EncryptionKeyPair } from '../crypto/envelope.js';
import { isModelproofError } from '../errors.js';
import type { ModelInterface } from '../models/manifest.js';
import { getModelInterface } from '../models/compiled.js';
import { decodeEvent, type Hex, toPlain } from '../tx/decode.js';
import { eventsAt } from '../tx/runtime.js';
import type { Receipt, SubmitOptions } from '../tx/submit.js';
import { dequantize, fromField, parseField, quantize, toField } from '../zk/field.js';
import { verifyGroth16 } from '../zk/groth16.js';
import { inputHash as saltedInputHash, randomSalt } from '../zk/poseidon.js';
import { publicSignals } from '../zk/signals.js';
import { ZkError } from '../zk/errors.js';
import { JobError } from './errors.js';
import type { IpfsStore } from './ipfs.js';
import { openInferenceOutput, sealInferenceInput } from './sealed.js';

const PALLET = 'ComputeJobs';
/** Number of public signals after the outputs: output commitment, job id, input hash, reveal. */
const FIXED_SIGNALS = 4;

// ---------------------------------------------------------------------------------------------
// inputs

type NestedNumbers = number | readonly NestedNumbers[];

function flatten(value: unknown, out: number[], path: string): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => flatten(v, out, `${path}[${i}]`));
    return;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new JobError('Job.InvalidParams', `${path} must be a finite number`);
  out.push(value);
}

/**
 * An input for a compiled model as field elements: numbers (flat, or nested to the model's input
 * shape, row-major) are quantized as `round(x · 2^inputScaleBits)` (halves away from zero);
 * bigints are taken as the model's fixed-point integers already. The count must match the
 * interface's `inputSize`, and every value its calibrated range (`Job.InvalidParams`).
 */
export function quantizeInput(input: readonly NestedNumbers[] | readonly bigint[], modelInterface: ModelInterface): bigint[] {
  if (!Array.isArray(input) || input.length === 0) throw new JobError('Job.InvalidParams', 'input must be a non-empty array');
  let values: bigint[];
  if (input.every((v) => typeof v === 'bigint')) {
    values = (input as readonly bigint[]).map((v) => (v < 0n ? toField(v) : parseField(v)));
  } else {
    const flat: number[] = [];
    flatten(input, flat, 'input');
    values = flat.map((x) => toField(quantize(x, modelInterface.inputScaleBits)));
  }
  if (values.length !== modelInterface.inputSize) {
    throw new JobError('Job.InvalidParams', `the model takes ${modelInterface.inputSize} input values (shape [${modelInterface.inputShape.join(', ')}]), got ${values.length}`);
  }
  if (modelInterface.inputRangeBits !== undefined) {
    const bound = 1n << BigInt(modelInterface.inputRangeBits - 1);
    const i = values.findIndex((v) => {
      const signed = fromField(v);
      return signed < -bound || signed >= bound;
    });
    if (i >= 0) throw new JobError('Job.InvalidParams', `input value ${i} is outside the model's calibrated range (${modelInterface.inputRangeBits} signed bits at scale 2^${modelInterface.inputScaleBits})`);
  }
  return values;
}

/** The X25519 keys of the workers granted access to `modelId` (the accounts that can claim its jobs). */
export async function grantedWorkerKeys(client: ModelproofClient, modelId: bigint | number, options?: CallOptions): Promise<Uint8Array[]> {
  const grantees = await getGrantees(client, modelId, options);
  const workers = await Promise.all(grantees.map((g) => getWorker(client, g, options)));
  return workers.filter((w) => w !== null).map((w) => hexToU8a(w!.encryptionKey));
}

// ---------------------------------------------------------------------------------------------
// locating and re-verifying a result

/** A result the chain accepted and this SDK re-verified locally. */
export interface VerifiedInference {
  jobId: bigint;
  /** `public`: the outputs are on chain; `committed`: only their commitment is. */
  visibility: 'public' | 'committed';
  /** The outputs as signed fixed-point integers; `null` for committed outputs not opened (no result keys given). */
  outputs: bigint[] | null;
  /** `outputs / 2^outputScaleBits`, when the model interface is known. */
  values?: number[];
  /** The label of the largest output, when the model's interface names labels (classifiers). */
  label?: string | number;
  /** The outputs as the proof's public signals (32-byte field elements); empty when committed. */
  outputFields: Hex[];
  /** The verified `H(outputs ‖ salt)`. */
  outputCommitment: Hex;
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
  /** The model's interface, to decode the outputs as numbers (`values`, `label`); read from IPFS when `ipfs` is given and this is not. */
  modelInterface?: ModelInterface;
  /** Reads the model interface and committed outputs. */
  ipfs?: IpfsStore;
  /** The consumer's X25519 key pair whose public key was the job's result key: opens committed outputs. */
  resultKeys?: EncryptionKeyPair;
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
 * against `vk` and the chain's public signals
 * `[y…, output_commitment, job_id, input_hash, reveal]` (runtime-spec/GROTH16.md).
 * Returns the proof that verified; otherwise throws `Zk.LocalVerificationFailed` (with the
 * decoding error, if any, as its cause).
 */
export function checkInferenceProof(params: {
  vk: Uint8Array;
  proofs: readonly Uint8Array[];
  /** The public outputs, or `{ committed: n }` for n committed outputs. */
  outputs: readonly Hex[] | { committed: number };
  outputCommitment: Hex;
  jobId: bigint;
  inputHash: Hex;
  details?: Record<string, unknown>;
}): Uint8Array {
  const { vk, proofs, outputs, outputCommitment, jobId, inputHash } = params;
  let failure: unknown;
  try {
    const signals = publicSignals({ outputs, outputCommitment, jobId, inputHash });
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
  throw new ZkError('Zk.LocalVerificationFailed', `job ${jobId}: the proof the chain accepted does not verify locally against the model's verifying key`, {
    ...(failure === undefined ? {} : { cause: failure }),
    details: { jobId, ...params.details },
  });
}

/** Index of the largest value (the first on ties). */
function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Re-verifies a completed inference job locally: finds the block that completed it, decodes the
 * proof from its `submit_inference_result` extrinsic, fetches the verifying key of the job's
 * circuit (the model's) and the job's `input_hash` from chain state, and runs the Groth16
 * verifier of `@modelproof/sdk/zk`. Committed outputs are opened with `resultKeys` (through
 * `ipfs`) and checked against the verified commitment.
 *
 * Errors: `Job.NotFound`, `Job.WrongKind`, `Job.NotReady` (not completed), `Job.ResultNotFound`
 * (e.g. the node pruned the state of the completing block), `Zk.LocalVerificationFailed`,
 * `Job.BadInput` (sealed outputs that do not match the commitment), `Job.NotARecipient`.
 */
export async function verifyInferenceJob(client: ModelproofClient, jobId: bigint | number, options: VerifyInferenceOptions = {}): Promise<VerifiedInference> {
  const conn = connectionOf(client);
  const id = BigInt(jobId);
  const what = `re-verifying inference job ${id}`;
  const verified = await guard(conn, what, async () => {
    const job = await getJob(client, id);
    if (job === null) throw new JobError('Job.NotFound', `no job ${id} on chain`);
    if (job.kind.type !== 'Inference') throw new JobError('Job.WrongKind', `job ${id} is not an inference job`);
    if (job.status !== 'Completed') throw new JobError('Job.NotReady', `job ${id} is ${job.status}, not Completed`);
    const kind = job.kind;

    const [stored, circuit] = await Promise.all([getInferenceOutputs(client, id), getCircuit(client, kind.circuitId)]);
    if (stored === null) throw new JobError('Job.ResultNotFound', `job ${id} has no stored result`);
    if (circuit === null) throw new JobError('Job.ResultNotFound', `circuit ${kind.circuitId} of job ${id} is not on chain`);

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

    const candidates = proofsFor(extrinsic.method as unknown as Call, id, stored);
    if (candidates.length === 0) {
      throw new JobError('Job.ResultNotFound', `job ${id}: no submit_inference_result call with the stored result in extrinsic #${accepted.index} of block #${where.blockNumber}`);
    }
    const committed = kind.outputs.type === 'Committed';
    const proof = checkInferenceProof({
      vk: circuit.vk,
      proofs: candidates,
      outputs: committed ? { committed: circuit.nPublic - FIXED_SIGNALS } : stored.output,
      outputCommitment: stored.outputCommitment,
      jobId: id,
      inputHash: kind.inputHash,
      details: { blockHash: where.blockHash, circuitId: kind.circuitId },
    });
    return { job, kind, stored, proof, where, accepted };
  }, options);

  const { kind, stored, proof, where, accepted } = verified;
  let outputFields: bigint[] | null = stored.output.map((h) => parseField(h));
  if (kind.outputs.type === 'Committed') {
    outputFields = null;
    if (options.resultKeys !== undefined) {
      if (!options.ipfs) throw new JobError('Job.InvalidParams', 'opening committed outputs needs an ipfs store');
      if (stored.sealedOutputCid === null) throw new JobError('Job.ResultNotFound', `job ${id} has committed outputs but no sealed-output CID`);
      const sealed = await options.ipfs.cat(stored.sealedOutputCid);
      const opened = await openInferenceOutput(sealed, options.resultKeys, { jobId: id, outputCommitment: stored.outputCommitment });
      outputFields = opened.values;
    }
  }
  const outputs = outputFields === null ? null : outputFields.map((v) => fromField(v));
  let modelInterface = options.modelInterface;
  if (modelInterface === undefined && options.ipfs !== undefined && outputs !== null) {
    modelInterface = await getModelInterface(client, options.ipfs, kind.modelId, options);
  }
  const values = outputs !== null && modelInterface !== undefined ? outputs.map((v) => dequantize(v, modelInterface!.outputScaleBits)) : undefined;
  const labels = modelInterface?.labels;
  return {
    jobId: id,
    visibility: kind.outputs.type === 'Committed' ? 'committed' : 'public',
    outputs,
    ...(values === undefined ? {} : { values }),
    ...(values !== undefined && labels !== undefined && labels.length === values.length ? { label: labels[argmax(values)]! } : {}),
    outputFields: stored.output,
    outputCommitment: stored.outputCommitment,
    verified: true as const,
    worker: String(accepted.event.data['worker']),
    proof,
    completedIn: { ...where, extrinsicIndex: accepted.index },
  };
}

/** The proofs of every `submit_inference_result` call for `jobId` in `call` (batches included) whose result matches what the chain stored. */
function proofsFor(call: Call, jobId: bigint, stored: StoredInferenceResult): Uint8Array[] {
  const storedOutputs = stored.output.map((h) => h.toLowerCase());
  const proofs: Uint8Array[] = [];
  for (const c of callsIn(call)) {
    if (!sameName(c.section, 'computeJobs') || !sameName(c.method, 'submitInferenceResult')) continue;
    const [jobArg, outputArg, commitmentArg, , proofArg] = c.args as unknown as [
      { toBigInt(): bigint },
      Array<{ toHex(): string }>,
      { toHex(): string },
      unknown,
      { toU8a(bare?: boolean): Uint8Array },
    ];
    if (jobArg.toBigInt() !== jobId) continue;
    const output = [...outputArg].map((o) => o.toHex().toLowerCase());
    if (output.length !== storedOutputs.length || output.some((o, i) => o !== storedOutputs[i])) continue;
    if (commitmentArg.toHex().toLowerCase() !== stored.outputCommitment.toLowerCase()) continue;
    proofs.push(new Uint8Array(proofArg.toU8a(true)));
  }
  return proofs;
}

// ---------------------------------------------------------------------------------------------
// submit and wait

export interface SubmitInferenceAndWaitParams {
  /** A compiled model (bound to its circuit on chain). */
  modelId: bigint | number;
  /**
   * The input: numbers, flat or nested to the model's input shape (quantized with the model's
   * interface), or the model's fixed-point integers as bigints.
   */
  input: readonly NestedNumbers[] | readonly bigint[];
  /** `public` (default): outputs on chain. `committed`: only a commitment on chain, the outputs sealed to `resultKeys`. */
  outputs?: 'public' | 'committed';
  /** For committed outputs: the X25519 key pair to seal them to (default: a new one, returned). */
  resultKeys?: EncryptionKeyPair;
  /** The model's public interface; default: read from the model's manifest through `options.ipfs`. */
  modelInterface?: ModelInterface;
  reward: bigint | number | string;
  /** Block number by which the result must be in. */
  deadline: number;
}

export interface SubmitInferenceAndWaitOptions {
  /** Uploads the sealed input; reads the model interface and committed outputs. */
  ipfs: IpfsStore;
  /** How long to wait for the result, and for the final re-verification (default: the client's timeout). */
  timeoutMs?: number;
  /** `inBlock` (default): completion in a best block; `finalized`: in a finalized block. */
  wait?: 'inBlock' | 'finalized';
  /** Options of the submission itself. */
  submit?: SubmitOptions;
  signal?: AbortSignal;
}

export type InferenceResult = VerifiedInference & {
  /** The receipt of `submit_inference_job`. */
  receipt: Receipt<{ jobId: bigint }>;
  inputHash: Hex;
  inputCid: string;
  /** The key pair committed outputs were sealed to (keep its secret key to open them again). */
  resultKeys?: EncryptionKeyPair;
};

/**
 * Runs a verifiable inference on a compiled model: quantizes the input with the model's
 * interface, seals it with a random salt to the model's granted workers (IPFS sees only
 * ciphertext; the chain only the salted hash), submits the job, waits for the result and
 * re-verifies the proof locally ({@link verifyInferenceJob}). Resolves only with a verified
 * result; committed outputs are opened and checked against the verified commitment.
 *
 * Errors: `Model.NoInterface`, `Job.InvalidParams`, `Job.NoWorkers` (nobody can serve the
 * model), those of `submitInferenceJob` (e.g. `ComputeJobs.ModelNotZkCapable`), `Job.Expired`,
 * `Job.Failed`, `Client.Timeout`, `Zk.LocalVerificationFailed`.
 */
export async function submitInferenceAndWait(
  client: ModelproofClient,
  params: SubmitInferenceAndWaitParams,
  options: SubmitInferenceAndWaitOptions,
): Promise<InferenceResult> {
  if (!options?.ipfs) throw new JobError('Job.InvalidParams', 'submitInferenceAndWait needs an ipfs store (options.ipfs)');
  const modelId = BigInt(params.modelId);
  const call = { ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }), ...(options.signal ? { signal: options.signal } : {}) };
  const modelInterface = params.modelInterface ?? (await getModelInterface(client, options.ipfs, modelId, call));
  const values = quantizeInput(params.input, modelInterface);
  const salt = randomSalt();
  const inputHash = saltedInputHash(values, salt) as Hex;
  const recipients = await grantedWorkerKeys(client, modelId, call);
  if (recipients.length === 0) throw new JobError('Job.NoWorkers', `model ${modelId} has no granted worker: nobody could open the input`);
  const inputCid = await options.ipfs.add(await sealInferenceInput({ values, salt }, recipients, modelId));

  const committed = params.outputs === 'committed';
  let resultKeys: EncryptionKeyPair | undefined;
  if (committed) {
    resultKeys = params.resultKeys ?? generateEncryptionKeyPair();
    if (!(resultKeys.secretKey instanceof Uint8Array) || resultKeys.secretKey.length !== 32) throw new JobError('Job.InvalidParams', 'resultKeys.secretKey must be 32 bytes');
    const expected = encryptionPublicKey(resultKeys.secretKey);
    if (!expected.every((b, i) => b === resultKeys!.publicKey[i])) throw new JobError('Job.InvalidParams', 'resultKeys.publicKey does not belong to resultKeys.secretKey');
  }
  const receipt = await submitInferenceJob(
    client,
    {
      modelId,
      inputHash,
      inputCid,
      outputs: resultKeys === undefined ? 'public' : { resultKey: resultKeys.publicKey },
      reward: params.reward,
      deadline: params.deadline,
    },
    { ...(options.signal ? { signal: options.signal } : {}), ...options.submit },
  );
  await waitForJob(client, receipt.jobId, { until: options.wait === 'finalized' ? 'finalized-completed' : 'completed', ...call });
  const verified = await verifyInferenceJob(client, receipt.jobId, {
    ...call,
    modelInterface,
    ipfs: options.ipfs,
    ...(resultKeys === undefined ? {} : { resultKeys }),
  });
  return { ...verified, receipt, inputHash, inputCid, ...(resultKeys === undefined ? {} : { resultKeys }) };
}
