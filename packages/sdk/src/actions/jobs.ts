/**
 * `ComputeJobs` job actions: verifiable inference jobs (Groth16-checked on chain) and secure
 * aggregation jobs, plus `waitForJob`.
 */
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { Codec } from '@polkadot/types-codec/types';
import { u8aToHex, u8aToString } from '@polkadot/util';

import type { ModelproofClient } from '../client/client.js';
import { connectionOf } from '../client/client.js';
import { abortedError, disconnectedError, guard, timeoutError } from '../client/guard.js';
import { ClientError, ModelproofError } from '../errors.js';
import { type Hex, toPlain } from '../tx/decode.js';
import { type Receipt, type SubmitOptions, submit } from '../tx/submit.js';
import { watchBlocks } from './events.js';
import { account, balance, buildCall, bytes, constU32, eventField, h256, queryOf, rawBytes, u32, u64 } from './params.js';
import { type QueryOptions, readStorage } from './query.js';

const PALLET = 'ComputeJobs';

export type JobStatus = 'Open' | 'Claimed' | 'Collecting' | 'Aggregating' | 'Completed' | 'Expired';

export interface InferenceJobKind {
  type: 'Inference';
  modelId: bigint;
  circuitId: Hex;
  /** Poseidon hash of the input (a BN254 field element, 32 bytes big-endian). */
  inputHash: Hex;
  inputCid: string;
  /** The worker that claimed it. */
  worker: string | null;
}

export interface AggregationJobKind {
  type: 'Aggregation';
  participants: string[];
  committeeSize: number;
  vectorLen: number;
  contributionDeadline: number;
  committee: string[];
}

/** A job as stored on chain (kept after completion or expiry). */
export interface Job {
  id: bigint;
  consumer: string;
  /** The managed escrow holding the reward. */
  escrowId: bigint;
  reward: bigint;
  deadline: number;
  createdAt: number;
  status: JobStatus;
  kind: InferenceJobKind | AggregationJobKind;
}

const cidOf = (client: ModelproofClient, value: unknown, name: string): Uint8Array =>
  bytes(value, name, constU32(client.api, PALLET, 'MaxCidLen'));

// ---------------------------------------------------------------------------------------------
// inference

export interface SubmitInferenceJobParams {
  modelId: bigint | number;
  circuitId: Hex | Uint8Array;
  /** Poseidon hash of the input, as 32 bytes big-endian (a canonical BN254 scalar). */
  inputHash: Hex | Uint8Array;
  /** Where the worker fetches the input. */
  inputCid: string | Uint8Array;
  reward: bigint | number | string;
  /** Block number by which the result must be in. */
  deadline: number;
}

export function submitInferenceJobCall(client: ModelproofClient, p: SubmitInferenceJobParams): SubmittableExtrinsic<'promise'> {
  return buildCall(client, PALLET, 'submit_inference_job', [
    u64(p.modelId, 'modelId'),
    h256(p.circuitId, 'circuitId'),
    h256(p.inputHash, 'inputHash'),
    cidOf(client, p.inputCid, 'inputCid'),
    balance(p.reward, 'reward'),
    u32(p.deadline, 'deadline'),
  ]);
}

/** Submits a verifiable inference job; the reward is locked in a managed escrow. */
export async function submitInferenceJob(
  client: ModelproofClient,
  params: SubmitInferenceJobParams,
  options?: SubmitOptions,
): Promise<Receipt<{ jobId: bigint }>> {
  return submit(client, submitInferenceJobCall(client, params), options, (events) => ({
    jobId: eventField<bigint>(events, PALLET, 'JobSubmitted', 'jobId'),
  }));
}

export interface JobIdParams {
  jobId: bigint | number;
}

const byJobId = (call: string) => (client: ModelproofClient, params: JobIdParams): SubmittableExtrinsic<'promise'> =>
  buildCall(client, PALLET, call, [u64(params.jobId, 'jobId')]);

export const claimJobCall = byJobId('claim_job');
export const closeContributionsCall = byJobId('close_contributions');
export const expireJobCall = byJobId('expire_job');

/** Claims a job as a registered worker (inference: needs a grant on the model; aggregation: joins the committee). */
export async function claimJob(
  client: ModelproofClient,
  params: JobIdParams,
  options?: SubmitOptions,
): Promise<Receipt<{ committeeFormed: boolean }>> {
  return submit(client, claimJobCall(client, params), options, (events) => ({
    committeeFormed: events.some((e) => e.section === PALLET && e.method === 'CommitteeFormed'),
  }));
}

/** A field element as 32 bytes big-endian hex. */
function fieldElement(value: unknown, name: string): Hex {
  if (typeof value === 'bigint') {
    if (value < 0n || value >= 1n << 256n) throw new ClientError('Client.InvalidParams', `${name} must fit in 32 bytes`);
    return `0x${value.toString(16).padStart(64, '0')}` as Hex;
  }
  return h256(value, name);
}

export interface SubmitInferenceResultParams extends JobIdParams {
  /** The outputs (public signals before job id, commitment, input hash): bigint field elements or 32-byte values. */
  output: Array<bigint | Hex | Uint8Array>;
  /** Groth16 proof, 256 bytes: A ‖ B ‖ C (runtime-spec/GROTH16.md). */
  proof: Uint8Array;
}

export function submitInferenceResultCall(client: ModelproofClient, p: SubmitInferenceResultParams): SubmittableExtrinsic<'promise'> {
  if (!Array.isArray(p.output) || p.output.length === 0) throw new ClientError('Client.InvalidParams', 'output must be a non-empty array');
  return buildCall(client, PALLET, 'submit_inference_result', [
    u64(p.jobId, 'jobId'),
    p.output.map((v, i) => fieldElement(v, `output[${i}]`)),
    rawBytes(p.proof, 'proof', 256),
  ]);
}

/** Posts the result of a claimed inference job; the chain verifies the proof and pays out. */
export async function submitInferenceResult(
  client: ModelproofClient,
  params: SubmitInferenceResultParams,
  options?: SubmitOptions,
): Promise<Receipt<{ reward: bigint; royalty: bigint }>> {
  return submit(client, submitInferenceResultCall(client, params), options, (events) => ({
    reward: eventField<bigint>(events, PALLET, 'JobCompleted', 'reward'),
    royalty: eventField<bigint>(events, PALLET, 'JobCompleted', 'royalty'),
  }));
}

// ---------------------------------------------------------------------------------------------
// aggregation

export interface SubmitAggregationJobParams {
  participants: Array<string | Uint8Array>;
  committeeSize: number;
  vectorLen: number;
  reward: bigint | number | string;
  contributionDeadline: number;
  deadline: number;
}

export function submitAggregationJobCall(client: ModelproofClient, p: SubmitAggregationJobParams): SubmittableExtrinsic<'promise'> {
  if (!Array.isArray(p.participants)) throw new ClientError('Client.InvalidParams', 'participants must be an array');
  return buildCall(client, PALLET, 'submit_aggregation_job', [
    p.participants.map((a, i) => account(a, `participants[${i}]`)),
    u32(p.committeeSize, 'committeeSize'),
    u32(p.vectorLen, 'vectorLen'),
    balance(p.reward, 'reward'),
    u32(p.contributionDeadline, 'contributionDeadline'),
    u32(p.deadline, 'deadline'),
  ]);
}

/** Submits a secure-aggregation job; the reward is locked in a managed escrow. */
export async function submitAggregationJob(
  client: ModelproofClient,
  params: SubmitAggregationJobParams,
  options?: SubmitOptions,
): Promise<Receipt<{ jobId: bigint }>> {
  return submit(client, submitAggregationJobCall(client, params), options, (events) => ({
    jobId: eventField<bigint>(events, PALLET, 'JobSubmitted', 'jobId'),
  }));
}

export interface ContributeParams extends JobIdParams {
  /** IPFS CID of the participant's manifest of encrypted shares. */
  manifestCid: string | Uint8Array;
  manifestDigest: Hex | Uint8Array;
}

export function contributeCall(client: ModelproofClient, p: ContributeParams): SubmittableExtrinsic<'promise'> {
  return buildCall(client, PALLET, 'contribute', [u64(p.jobId, 'jobId'), cidOf(client, p.manifestCid, 'manifestCid'), h256(p.manifestDigest, 'manifestDigest')]);
}

/** Posts the signer's contribution manifest to an aggregation job (listed participants, once). */
export async function contribute(client: ModelproofClient, params: ContributeParams, options?: SubmitOptions): Promise<Receipt> {
  return submit(client, contributeCall(client, params), options);
}

/** Fixes an aggregation job's contributor set (all contributed, or the contribution deadline passed). */
export async function closeContributions(
  client: ModelproofClient,
  params: JobIdParams,
  options?: SubmitOptions,
): Promise<Receipt<{ contributors: number }>> {
  return submit(client, closeContributionsCall(client, params), options, (events) => ({
    contributors: eventField<number>(events, PALLET, 'ContributionsClosed', 'contributors'),
  }));
}

export interface SubmitPartialParams extends JobIdParams {
  partialCid: string | Uint8Array;
  partialDigest: Hex | Uint8Array;
}

export function submitPartialCall(client: ModelproofClient, p: SubmitPartialParams): SubmittableExtrinsic<'promise'> {
  return buildCall(client, PALLET, 'submit_partial', [u64(p.jobId, 'jobId'), cidOf(client, p.partialCid, 'partialCid'), h256(p.partialDigest, 'partialDigest')]);
}

/** Posts a committee member's partial sum; the last one completes the job (`completed: true`). */
export async function submitPartial(
  client: ModelproofClient,
  params: SubmitPartialParams,
  options?: SubmitOptions,
): Promise<Receipt<{ completed: boolean }>> {
  return submit(client, submitPartialCall(client, params), options, (events) => ({
    completed: events.some((e) => e.section === PALLET && e.method === 'JobCompleted'),
  }));
}

/** Expires a job past its deadline: the consumer is refunded, non-delivering workers slashed. */
export async function expireJob(
  client: ModelproofClient,
  params: JobIdParams,
  options?: SubmitOptions,
): Promise<Receipt<{ slashed: Array<{ worker: string; amount: bigint }> }>> {
  return submit(client, expireJobCall(client, params), options, (events) => ({
    slashed: eventField<Array<[string, bigint]>>(events, PALLET, 'JobExpired', 'slashed').map(([worker, amount]) => ({ worker, amount })),
  }));
}

// ---------------------------------------------------------------------------------------------
// queries

function jobFromPlain(id: bigint, raw: Record<string, unknown>): Job {
  const kind = raw['kind'] as Record<string, Record<string, unknown>>;
  let jobKind: Job['kind'];
  if (kind['Inference']) {
    const k = kind['Inference'];
    jobKind = {
      type: 'Inference',
      modelId: k['modelId'] as bigint,
      circuitId: k['circuitId'] as Hex,
      inputHash: k['inputHash'] as Hex,
      inputCid: u8aToString(k['inputCid'] as Uint8Array),
      worker: (k['worker'] as string | null) ?? null,
    };
  } else {
    const k = kind['Aggregation'] ?? {};
    jobKind = {
      type: 'Aggregation',
      participants: k['participants'] as string[],
      committeeSize: k['committeeSize'] as number,
      vectorLen: k['vectorLen'] as number,
      contributionDeadline: k['contributionDeadline'] as number,
      committee: k['committee'] as string[],
    };
  }
  return {
    id,
    consumer: raw['consumer'] as string,
    escrowId: raw['escrowId'] as bigint,
    reward: raw['reward'] as bigint,
    deadline: raw['deadline'] as number,
    createdAt: raw['createdAt'] as number,
    status: raw['status'] as JobStatus,
    kind: jobKind,
  };
}

/** The job with this id (completed and expired jobs included), or `null`. */
export async function getJob(client: ModelproofClient, jobId: bigint | number, options?: QueryOptions): Promise<Job | null> {
  const id = u64(jobId, 'jobId');
  const raw = (await readStorage(client, PALLET, 'Jobs', [id], options)) as Record<string, unknown> | null;
  return raw === null ? null : jobFromPlain(id, raw);
}

/** The verified outputs of a completed inference job (32-byte field elements), or `null`. */
export async function getInferenceOutputs(client: ModelproofClient, jobId: bigint | number, options?: QueryOptions): Promise<Hex[] | null> {
  const raw = (await readStorage(client, PALLET, 'InferenceOutputs', [u64(jobId, 'jobId')], options)) as Hex[] | null;
  return raw === null ? null : raw.map((v) => (typeof v === 'string' ? v : (u8aToHex(v as Uint8Array) as Hex)));
}

export interface WaitForJobOptions {
  /** `completed` (default): in a best block; `finalized-completed`: in a finalized block. */
  until?: 'completed' | 'finalized-completed';
  /** Default: the client's timeout (60 000 ms unless set). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Options of {@link waitForJobState}. */
export interface WaitForJobStateOptions {
  /** Judge the job's state in finalized blocks (each checked once) instead of new best blocks. */
  finalized?: boolean;
  /** Default: the client's timeout (60 000 ms unless set). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Resolves with the job as soon as `predicate(job)` holds in a new best block (or, with
 * `finalized`, a finalized one), checking the current state first. Rejects with `Job.Expired` if
 * the job expires first (unless the predicate accepts an expired job), `Job.NotFound` for an id
 * the best chain does not know (on finalized blocks an unknown job is waited for),
 * `Client.Timeout`, `Client.Aborted`, or `Client.Disconnected` if the client is closed. Rides
 * out reconnects. `what` describes the wait in error messages.
 */
export function waitForJobState(
  client: ModelproofClient,
  jobId: bigint | number,
  predicate: (job: Job) => boolean,
  what: string,
  options: WaitForJobStateOptions = {},
): Promise<Job> {
  const conn = connectionOf(client);
  const id = u64(jobId, 'jobId');
  const finalized = options.finalized ?? false;
  const timeoutMs = options.timeoutMs ?? conn.timeoutMs;
  const jobs = queryOf(conn.api, PALLET, 'Jobs') as unknown as { at(hash: string, key: bigint): Promise<Codec> };

  const readAt = async (blockHash: string): Promise<Job | null> => {
    const value = toPlain(await jobs.at(blockHash, id)) as Record<string, unknown> | null;
    return value === null ? null : jobFromPlain(id, value);
  };

  return new Promise<Job>((resolve, reject) => {
    let settled = false;
    let unwatch: () => void = () => undefined;
    const cleanups: Array<() => void> = [];
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      unwatch();
      for (const cleanup of cleanups) cleanup();
      fn();
    };
    const check = (job: Job | null): void => {
      if (job === null) {
        if (!finalized) finish(() => reject(new ModelproofError('Job.NotFound', `no job ${id} on chain`)));
      }
      else if (predicate(job)) finish(() => resolve(job));
      else if (job.status === 'Expired') finish(() => reject(new ModelproofError('Job.Expired', `job ${id} expired while ${what}`)));
    };
    const timer = conn.setTimer(() => finish(() => reject(timeoutError(what, timeoutMs, { jobId: id }))), timeoutMs);
    cleanups.push(() => conn.clearTimer(timer));
    cleanups.push(conn.onClose(() => finish(() => reject(disconnectedError(what, { jobId: id })))));
    if (options.signal) {
      const signal = options.signal;
      if (signal.aborted) {
        finish(() => reject(abortedError(what, signal)));
        return;
      }
      const onAbort = (): void => finish(() => reject(abortedError(what, signal)));
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    // Watch first, then read the current state, so no block between the two is missed.
    unwatch = watchBlocks(
      client,
      async (block) => {
        if (!settled) check(await readAt(block.blockHash));
      },
      { finalized },
    );
    guard(conn, what, async () => {
      const head = finalized ? await conn.api.rpc.chain.getFinalizedHead() : await conn.api.rpc.chain.getBlockHash();
      return readAt(head.toHex());
    }, { timeoutMs })
      .then(check)
      .catch(() => undefined); // not connected right now: the watch catches up after the reconnect
  });
}

/**
 * Resolves with the job once it is completed (in a best block, or a finalized one). Rejects with
 * `Job.Expired` if it expires instead, `Job.NotFound` for an unknown id, `Client.Timeout`,
 * `Client.Aborted`, or `Client.Disconnected` if the client is closed. Rides out reconnects.
 */
export function waitForJob(client: ModelproofClient, jobId: bigint | number, options: WaitForJobOptions = {}): Promise<Job> {
  const finalized = options.until === 'finalized-completed';
  const what = `waiting for job ${jobId} to complete${finalized ? ' (finalized)' : ''}`;
  return waitForJobState(client, jobId, (job) => job.status === 'Completed', what, {
    finalized,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}
