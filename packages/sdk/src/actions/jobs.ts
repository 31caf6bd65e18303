/**
 * `ComputeJobs` job actions: verifiable inference jobs (Groth16-checked on chain) and secure
 * aggregation jobs, plus `waitForJob`.
 */
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { Codec } from '@polkadot/types-codec/types';
import { u8aToHex, u8aToString } from '@polkadot/util';

import type { ModelproofClient } from '../client/client.js';
import { connectionOf } from '../client/client.js';
import { ClientError } from '../errors.js';
import { JobError } from '../jobs/errors.js';
import { type Hex, toPlain } from '../tx/decode.js';
import { type Receipt, type SubmitOptions, submit } from '../tx/submit.js';
import { type BlockRef, type WaitOptions, type WaitStep, waitForBlockState } from './events.js';
import { account, balance, buildCall, bytes, constU32, eventField, h256, queryOf, rawBytes, u32, u64 } from './params.js';
import { type QueryOptions, readStorage } from './query.js';

const PALLET = 'ComputeJobs';

/**
 * Life cycle of a job. Final: `Completed` (delivered and paid), `Expired` (deadline passed,
 * consumer refunded, a worker that could have delivered slashed), `Failed` (ended without
 * anyone's provable fault: handed back, committee never formed, too few valid contributions).
 */
export type JobStatus = 'Open' | 'Claimed' | 'Collecting' | 'Aggregating' | 'Completed' | 'Expired' | 'Failed';

/** Why a worker hands a job back (`hand_back_job`); the job is at fault, no slash. */
export type HandBackReason = 'InputUnavailable' | 'InvalidInput' | 'GrantRevoked' | 'ModelUnavailable' | 'Withdrawn';

/** The hand-back reasons, in the runtime's order. */
export const HAND_BACK_REASONS: readonly HandBackReason[] = ['InputUnavailable', 'InvalidInput', 'GrantRevoked', 'ModelUnavailable', 'Withdrawn'];

/**
 * What an inference job publishes of its outputs: `public` (the outputs are public signals and
 * stored on chain) or `committed` (only a salted Poseidon commitment is; the worker seals the
 * outputs and the salt to `resultKey`, the consumer's X25519 public key).
 */
export type OutputVisibility = { type: 'Public' } | { type: 'Committed'; resultKey: Hex };

export interface InferenceJobKind {
  type: 'Inference';
  modelId: bigint;
  /** The model's circuit when the job was submitted (the consumer does not choose it). */
  circuitId: Hex;
  /** Salted Poseidon hash of the input, `H(input ‖ salt)` (a BN254 field element, 32 bytes big-endian). */
  inputHash: Hex;
  inputCid: string;
  outputs: OutputVisibility;
  /** The worker that claimed it. */
  worker: string | null;
}

export interface AggregationJobKind {
  type: 'Aggregation';
  participants: string[];
  committeeSize: number;
  vectorLen: number;
  contributionDeadline: number;
  /** The consumer's X25519 public key: committee members seal their partial sums to it. */
  resultKey: Hex;
  /** Workers that applied for a seat, until the committee is drawn. */
  candidates: string[];
  /** Last block of the candidacy period; the draw is possible from `candidacyEnd + 2`. */
  candidacyEnd: number;
  /** The committee in draw order (share `j` is for member `j`); empty until drawn. */
  committee: string[];
  /** Last block at which members may reject contributions; partial sums come after it. `null` until contributions close. */
  reviewEnd: number | null;
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
  /** Storage deposit held on the consumer until the job is pruned. */
  deposit: bigint;
  /** Block at which the job reached a final status, or `null`. */
  finishedAt: number | null;
}

const cidOf = (client: ModelproofClient, value: unknown, name: string): Uint8Array =>
  bytes(value, name, constU32(client.api, PALLET, 'MaxCidLen'));

// ---------------------------------------------------------------------------------------------
// inference

export interface SubmitInferenceJobParams {
  /** A model bound to a circuit: the job is proven with the model's circuit. */
  modelId: bigint | number;
  /** Salted Poseidon hash of the input, `H(input ‖ salt)`, 32 bytes big-endian (a canonical BN254 scalar). */
  inputHash: Hex | Uint8Array;
  /** Where the worker fetches the (sealed) input. */
  inputCid: string | Uint8Array;
  /** Public outputs (default), or committed ones sealed to `resultKey` (the caller's X25519 public key). */
  outputs?: 'public' | { resultKey: Hex | Uint8Array };
  reward: bigint | number | string;
  /** Block number by which the result must be in. */
  deadline: number;
}

function visibilityArg(outputs: SubmitInferenceJobParams['outputs']): unknown {
  if (outputs === undefined || outputs === 'public') return 'Public';
  if (typeof outputs === 'object' && outputs !== null && 'resultKey' in outputs) {
    return { Committed: { result_key: h256(outputs.resultKey, 'outputs.resultKey') } };
  }
  throw new ClientError('Client.InvalidParams', "outputs must be 'public' or { resultKey }");
}

export function submitInferenceJobCall(client: ModelproofClient, p: SubmitInferenceJobParams): SubmittableExtrinsic<'promise'> {
  return buildCall(client, PALLET, 'submit_inference_job', [
    u64(p.modelId, 'modelId'),
    h256(p.inputHash, 'inputHash'),
    cidOf(client, p.inputCid, 'inputCid'),
    visibilityArg(p.outputs),
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
export const formCommitteeCall = byJobId('form_committee');
export const pruneJobCall = byJobId('prune_job');

/**
 * Claims a job as a registered worker: an inference job (needs a grant on the model), or a
 * candidacy for an aggregation committee (`committeeFormed` when a late application completed
 * an undersubscribed committee; otherwise seats are drawn by {@link formCommittee}).
 */
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
  /** The outputs as bigint field elements or 32-byte values; empty for a job with committed outputs. */
  output: Array<bigint | Hex | Uint8Array>;
  /** `H(outputs ‖ salt)`, the salted output commitment the proof publishes. */
  outputCommitment: bigint | Hex | Uint8Array;
  /** For committed outputs: the CID of the outputs and salt sealed to the job's result key. */
  sealedOutputCid?: string | Uint8Array;
  /** Groth16 proof, 256 bytes: A ‖ B ‖ C (runtime-spec/GROTH16.md). */
  proof: Uint8Array;
}

export function submitInferenceResultCall(client: ModelproofClient, p: SubmitInferenceResultParams): SubmittableExtrinsic<'promise'> {
  if (!Array.isArray(p.output)) throw new ClientError('Client.InvalidParams', 'output must be an array (empty for committed outputs)');
  return buildCall(client, PALLET, 'submit_inference_result', [
    u64(p.jobId, 'jobId'),
    p.output.map((v, i) => fieldElement(v, `output[${i}]`)),
    fieldElement(p.outputCommitment, 'outputCommitment'),
    p.sealedOutputCid === undefined ? '0x' : cidOf(client, p.sealedOutputCid, 'sealedOutputCid'),
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
  /** At least the runtime's `MinContributors` accounts. */
  participants: Array<string | Uint8Array>;
  /** At least the runtime's `MinCommitteeSize`. */
  committeeSize: number;
  vectorLen: number;
  reward: bigint | number | string;
  /** Last block for contributions: at least `CandidacyPeriod + 2` blocks ahead. */
  contributionDeadline: number;
  /** At least `ReviewPeriod + MinDeliveryPeriod + 1` blocks after the contribution deadline, at most `MaxJobDuration` ahead. */
  deadline: number;
  /** The consumer's X25519 public key (32 bytes): partial sums are sealed to it. */
  resultKey: Hex | Uint8Array;
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
    h256(p.resultKey, 'resultKey'),
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

/**
 * Fixes an aggregation job's contributor set (all contributed, or the contribution deadline
 * passed; at least `MinContributors` valid contributions). Partial sums are accepted after
 * `reviewEnd`.
 */
export async function closeContributions(
  client: ModelproofClient,
  params: JobIdParams,
  options?: SubmitOptions,
): Promise<Receipt<{ contributors: number; reviewEnd: number }>> {
  return submit(client, closeContributionsCall(client, params), options, (events) => ({
    contributors: eventField<number>(events, PALLET, 'ContributionsClosed', 'contributors'),
    reviewEnd: eventField<number>(events, PALLET, 'ContributionsClosed', 'reviewEnd'),
  }));
}

/** Draws an aggregation job's committee among its candidates (anyone, from `candidacyEnd + 2`). */
export async function formCommittee(
  client: ModelproofClient,
  params: JobIdParams,
  options?: SubmitOptions,
): Promise<Receipt<{ committee: string[] }>> {
  return submit(client, formCommitteeCall(client, params), options, (events) => ({
    committee: eventField<string[]>(events, PALLET, 'CommitteeFormed', 'committee'),
  }));
}

export interface HandBackJobParams extends JobIdParams {
  reason: HandBackReason;
}

export function handBackJobCall(client: ModelproofClient, p: HandBackJobParams): SubmittableExtrinsic<'promise'> {
  if (!HAND_BACK_REASONS.includes(p.reason)) {
    throw new ClientError('Client.InvalidParams', `reason must be one of ${HAND_BACK_REASONS.join(', ')}`);
  }
  return buildCall(client, PALLET, 'hand_back_job', [u64(p.jobId, 'jobId'), p.reason]);
}

/**
 * Hands a job back before its deadline without a slash: the claimant of an inference job (the
 * job fails, the consumer is refunded), or a candidate for a committee not yet drawn.
 */
export async function handBackJob(client: ModelproofClient, params: HandBackJobParams, options?: SubmitOptions): Promise<Receipt> {
  return submit(client, handBackJobCall(client, params), options);
}

export interface ReportContributionParams extends JobIdParams {
  /** Whose contribution the committee member cannot fetch or open. */
  participant: string | Uint8Array;
}

export function reportContributionCall(client: ModelproofClient, p: ReportContributionParams): SubmittableExtrinsic<'promise'> {
  return buildCall(client, PALLET, 'report_contribution', [u64(p.jobId, 'jobId'), account(p.participant, 'participant')]);
}

/** Rejects a faulty contribution as a committee member (while collecting or in the review period). */
export async function reportContribution(client: ModelproofClient, params: ReportContributionParams, options?: SubmitOptions): Promise<Receipt> {
  return submit(client, reportContributionCall(client, params), options);
}

/** Removes a finished job and its data, releasing every deposit (the consumer at once, anyone after `JobRetention`). */
export async function pruneJob(client: ModelproofClient, params: JobIdParams, options?: SubmitOptions): Promise<Receipt> {
  return submit(client, pruneJobCall(client, params), options);
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

/** Outcome of {@link expireJob}. */
export type ExpireOutcome =
  /** The deadline passed: workers that could have delivered were slashed (the amounts are burned). */
  | { outcome: 'expired'; slashed: Array<{ worker: string; amount: bigint }> }
  /** The job could no longer be delivered (before its deadline): nobody slashed. */
  | { outcome: 'failed'; reason: string; slashed: [] };

/**
 * Ends a job past its deadline (or one that can no longer be delivered): the consumer is
 * refunded; only workers that could have delivered are slashed, and slashes are burned.
 */
export async function expireJob(client: ModelproofClient, params: JobIdParams, options?: SubmitOptions): Promise<Receipt<ExpireOutcome>> {
  return submit(client, expireJobCall(client, params), options, (events): ExpireOutcome => {
    const failed = events.find((e) => e.section === PALLET && e.method === 'JobFailed');
    if (failed) return { outcome: 'failed', reason: failureReason(failed.data['reason']), slashed: [] };
    return {
      outcome: 'expired',
      slashed: eventField<Array<[string, bigint]>>(events, PALLET, 'JobExpired', 'slashed').map(([worker, amount]) => ({ worker, amount })),
    };
  });
}

/** A `FailureReason` as text: `CommitteeNotFormed`, `TooFewContributions` or `HandedBack:<reason>`. */
export function failureReason(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const [variant, inner] = Object.entries(value as Record<string, unknown>)[0] ?? ['Unknown', null];
    return inner === null || inner === undefined ? variant : `${variant}:${String(inner)}`;
  }
  return String(value);
}

// ---------------------------------------------------------------------------------------------
// queries

function visibilityFromPlain(raw: unknown): OutputVisibility {
  if (raw === 'Public') return { type: 'Public' };
  const committed = (raw as Record<string, Record<string, unknown>> | null)?.['Committed'];
  if (committed) {
    const key = committed['resultKey'];
    return { type: 'Committed', resultKey: (typeof key === 'string' ? key : u8aToHex(key as Uint8Array)) as Hex };
  }
  return { type: 'Public' };
}

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
      outputs: visibilityFromPlain(k['outputs']),
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
      resultKey: k['resultKey'] as Hex,
      candidates: k['candidates'] as string[],
      candidacyEnd: k['candidacyEnd'] as number,
      committee: k['committee'] as string[],
      reviewEnd: (k['reviewEnd'] as number | null) ?? null,
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
    deposit: raw['deposit'] as bigint,
    finishedAt: (raw['finishedAt'] as number | null) ?? null,
  };
}

/** The job with this id (finished jobs included until pruned), or `null`. */
export async function getJob(client: ModelproofClient, jobId: bigint | number, options?: QueryOptions): Promise<Job | null> {
  const id = u64(jobId, 'jobId');
  const raw = (await readStorage(client, PALLET, 'Jobs', [id], options)) as Record<string, unknown> | null;
  return raw === null ? null : jobFromPlain(id, raw);
}

/** A participant's contribution to an aggregation job. */
export interface Contribution {
  participant: string;
  manifestCid: string;
  manifestDigest: Hex;
  /** Storage deposit held on the participant until the job is pruned. */
  deposit: bigint;
  /** The committee member that rejected it as faulty, or `null`: rejected contributions are left out of every partial sum. */
  rejectedBy: string | null;
}

/** The participant's contribution to the job, or `null`. */
export async function getContribution(
  client: ModelproofClient,
  jobId: bigint | number,
  participant: string | Uint8Array,
  options?: QueryOptions,
): Promise<Contribution | null> {
  const who = account(participant, 'participant');
  const raw = (await readStorage(client, PALLET, 'Contributions', [u64(jobId, 'jobId'), who], options)) as Record<string, unknown> | null;
  if (raw === null) return null;
  return {
    participant: typeof who === 'string' ? who : client.api.registry.createType('AccountId32', who).toString(),
    manifestCid: u8aToString(raw['manifestCid'] as Uint8Array),
    manifestDigest: raw['manifestDigest'] as Hex,
    deposit: raw['deposit'] as bigint,
    rejectedBy: (raw['rejectedBy'] as string | null) ?? null,
  };
}

/** A committee member's partial sum. */
export interface PartialEntry {
  member: string;
  partialCid: string;
  partialDigest: Hex;
  deposit: bigint;
}

/** The member's partial sum for the job, or `null`. */
export async function getPartial(
  client: ModelproofClient,
  jobId: bigint | number,
  member: string | Uint8Array,
  options?: QueryOptions,
): Promise<PartialEntry | null> {
  const who = account(member, 'member');
  const raw = (await readStorage(client, PALLET, 'Partials', [u64(jobId, 'jobId'), who], options)) as Record<string, unknown> | null;
  if (raw === null) return null;
  return {
    member: typeof who === 'string' ? who : client.api.registry.createType('AccountId32', who).toString(),
    partialCid: u8aToString(raw['partialCid'] as Uint8Array),
    partialDigest: raw['partialDigest'] as Hex,
    deposit: raw['deposit'] as bigint,
  };
}

/** The protocol limits of the connected runtime's `ComputeJobs` (its constants). */
export interface JobLimits {
  minCommitteeSize: number;
  maxCommitteeSize: number;
  minContributors: number;
  maxParticipants: number;
  maxCandidates: number;
  maxOpenClaims: number;
  maxJobDuration: number;
  candidacyPeriod: number;
  reviewPeriod: number;
  minDeliveryPeriod: number;
  jobRetention: number;
  workerBond: bigint;
  jobDeposit: bigint;
  itemDeposit: bigint;
}

/** Reads {@link JobLimits} from the connected runtime's metadata constants. */
export function getJobLimits(client: ModelproofClient): JobLimits {
  const consts = (client.api.consts as unknown as Record<string, Record<string, Codec | undefined> | undefined>)['computeJobs'];
  const read = (name: string): Codec => {
    const value = consts?.[name];
    if (value === undefined) throw new ClientError('Client.RuntimeMismatch', `the runtime has no ComputeJobs.${name} constant`);
    return value;
  };
  const num = (name: string): number => Number((read(name) as unknown as { toString(): string }).toString());
  const big = (name: string): bigint => BigInt((read(name) as unknown as { toString(): string }).toString());
  return {
    minCommitteeSize: num('minCommitteeSize'),
    maxCommitteeSize: num('maxCommitteeSize'),
    minContributors: num('minContributors'),
    maxParticipants: num('maxParticipants'),
    maxCandidates: num('maxCandidates'),
    maxOpenClaims: num('maxOpenClaims'),
    maxJobDuration: num('maxJobDuration'),
    candidacyPeriod: num('candidacyPeriod'),
    reviewPeriod: num('reviewPeriod'),
    minDeliveryPeriod: num('minDeliveryPeriod'),
    jobRetention: num('jobRetention'),
    workerBond: big('workerBond'),
    jobDeposit: big('jobDeposit'),
    itemDeposit: big('itemDeposit'),
  };
}

/** The verified result of a completed inference job, as stored on chain. */
export interface StoredInferenceResult {
  /** The outputs (32-byte field elements); empty for committed outputs. */
  output: Hex[];
  /** `H(outputs ‖ salt)`. */
  outputCommitment: Hex;
  /** For committed outputs: the CID of the outputs sealed to the consumer's result key; otherwise `null`. */
  sealedOutputCid: string | null;
}

/** The verified result of a completed inference job, or `null` (not completed, or pruned). */
export async function getInferenceOutputs(client: ModelproofClient, jobId: bigint | number, options?: QueryOptions): Promise<StoredInferenceResult | null> {
  const raw = (await readStorage(client, PALLET, 'InferenceOutputs', [u64(jobId, 'jobId')], options)) as Record<string, unknown> | null;
  if (raw === null) return null;
  const hex = (v: unknown): Hex => (typeof v === 'string' ? v : u8aToHex(v as Uint8Array)) as Hex;
  const cidBytes = raw['sealedOutputCid'];
  const cid = typeof cidBytes === 'string' ? cidBytes : u8aToString(cidBytes as Uint8Array);
  return {
    output: (raw['output'] as unknown[]).map(hex),
    outputCommitment: hex(raw['outputCommitment']),
    sealedOutputCid: cid === '' || cid === '0x' ? null : cid,
  };
}

export interface WaitForJobOptions {
  /** `completed` (default): in a best block; `finalized-completed`: in a finalized block. */
  until?: 'completed' | 'finalized-completed';
  /** Default: the client's timeout (60 000 ms unless set). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Options of {@link waitForJobState}: judge the job in finalized blocks with `finalized`. */
export type WaitForJobStateOptions = WaitOptions;

/**
 * Resolves with the job as soon as `predicate(job)` holds in a new best block (or, with
 * `finalized`, a finalized one), checking the current state first. Rejects with `Job.Expired` or
 * `Job.Failed` if the job ends that way first (unless the predicate accepts it), `Job.NotFound` for an id
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
  const jobs = queryOf(conn.api, PALLET, 'Jobs') as unknown as { at(hash: string, key: bigint): Promise<Codec> };
  const check = async (block: BlockRef): Promise<WaitStep<Job>> => {
    const value = toPlain(await jobs.at(block.blockHash, id)) as Record<string, unknown> | null;
    if (value === null) return finalized ? undefined : { fail: new JobError('Job.NotFound', `no job ${id} on chain`) };
    const job = jobFromPlain(id, value);
    if (predicate(job)) return { done: job };
    if (job.status === 'Expired') return { fail: new JobError('Job.Expired', `job ${id} expired while ${what}`) };
    if (job.status === 'Failed') {
      return { fail: new JobError('Job.Failed', `job ${id} failed (handed back, no committee, or too few valid contributions) while ${what}`) };
    }
    return undefined;
  };
  return waitForBlockState(client, check, what, options, { jobId: id });
}

/**
 * Resolves with the job once it is completed (in a best block, or a finalized one). Rejects with
 * `Job.Expired` or `Job.Failed` if it ends that way instead, `Job.NotFound` for an unknown id, `Client.Timeout`,
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
