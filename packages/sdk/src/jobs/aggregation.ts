/**
 * Secure aggregation jobs end to end, on top of `@modelproof/sdk/smpc` and the job actions:
 *
 * 1. the consumer creates the job ({@link createAggregationJob}) naming its X25519 `resultKey`
 *    (e.g. from `generateEncryptionKeyPair()`; keep the secret key to open the result);
 * 2. workers apply for seats during the candidacy period and the committee is drawn among them
 *    (`formCommittee`; {@link waitForCommittee} resolves when it is);
 * 3. each participant {@link contributeVector}s: checks the job against the privacy minimums,
 *    encodes, splits into one share per committee member, seals share j to member j's on-chain
 *    X25519 key, uploads the sealed shares and a manifest, posts `contribute(manifest_cid,
 *    manifest_digest)`;
 * 4. contributions are closed (`closeContributions`); during the review period a member that
 *    cannot open its share of a contribution rejects it (`reportContribution`,
 *    {@link checkContribution} tells);
 * 5. after the review, each member {@link submitPartialSum}s ({@link computePartialSum} + post):
 *    fetch the share for it of every contribution nobody rejected (checking the manifest and share
 *    digests), sum, seal the partial to the job's `resultKey`, upload, post `submit_partial` —
 *    the worker daemon does this;
 * 6. the consumer {@link fetchAggregate}s: fetch, check and open every partial, sum, decode.
 *
 * What each party learns (honest-but-curious committee): any `committee_size − 1` members
 * learn nothing about a single vector; the consumer learns the sum over at least
 * `MinContributors` contributions. A consumer that lists its own sybil participants learns
 * what is left: check the participant list before contributing (`runtime-spec/PROTOCOL.md`).
 *
 * Formats: sealed shares/partials and manifests as documented in `@modelproof/sdk/smpc`;
 * accounts inside them are 32-byte AccountIds as `0x` hex.
 */
import {
  contribute,
  getContribution,
  getJob,
  getJobLimits,
  getPartial,
  submitAggregationJob,
  submitPartial,
  waitForJobState,
  type AggregationJobKind,
  type Job,
  type SubmitAggregationJobParams,
  type WaitForJobStateOptions,
} from '../actions/jobs.js';
import { getWorker } from '../actions/workers.js';
import type { ModelproofClient } from '../client/client.js';
import type { CallOptions } from '../client/guard.js';
import { isModelproofError } from '../errors.js';
import type { Hex } from '../tx/decode.js';
import type { Receipt, SubmitOptions } from '../tx/submit.js';
import { encryptionPublicKey } from '../crypto/envelope.js';
import { openPartial, openShare, sealPartial, sealShare } from '../smpc/box.js';
import { SmpcError } from '../smpc/errors.js';
import { encodeManifest, parseManifest, smpcDigest, type SmpcManifest } from '../smpc/manifest.js';
import { combinePartials, decodeIntegers, encodeIntegers, encodeVector, splitShares, sumSharesForMember } from '../smpc/vector.js';
import { dequantize } from '../zk/field.js';
import { JobError } from './errors.js';
import type { IpfsStore } from './ipfs.js';

/** Store errors caused by what a participant posted, not by the member's store. */
const PARTICIPANT_IPFS_FAULTS = new Set(['Ipfs.InvalidCid', 'Ipfs.TooLarge']);

/** An account in the canonical form used inside shares and manifests: the 32-byte AccountId as `0x` hex. */
export function accountIdHex(client: ModelproofClient, address: string | Uint8Array): Hex {
  try {
    return client.api.registry.createType('AccountId32', address).toHex() as Hex;
  } catch (e) {
    throw new JobError('Job.InvalidParams', 'not a valid account', { cause: e });
  }
}

function hexToBytes(hex: string): Uint8Array {
  const h = hex.startsWith('0x') ? hex.slice(2) : hex;
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

async function aggregationJob(client: ModelproofClient, jobId: bigint, options?: CallOptions): Promise<Job & { kind: AggregationJobKind }> {
  const job = await getJob(client, jobId, options);
  if (job === null) throw new JobError('Job.NotFound', `no job ${jobId} on chain`);
  if (job.kind.type !== 'Aggregation') throw new JobError('Job.WrongKind', `job ${jobId} is not an aggregation job`);
  return job as Job & { kind: AggregationJobKind };
}

function signerOf(client: ModelproofClient): string {
  if (!client.address) throw new JobError('Job.InvalidParams', 'this helper signs a transaction: the client needs a signer');
  return client.address;
}

async function fetchChecked(ipfs: IpfsStore, cid: string, digest: string, what: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await ipfs.cat(cid);
  } catch (e) {
    if (isModelproofError(e)) throw e; // e.g. Ipfs.Timeout from the store
    throw new JobError('Job.BadContribution', `${what}: could not fetch ${cid}`, { cause: e, details: { cid } });
  }
  if (smpcDigest(bytes) !== digest.toLowerCase()) {
    throw new JobError('Job.BadContribution', `${what}: the bytes at ${cid} do not match the recorded digest`, { details: { cid } });
  }
  return bytes;
}


// ---------------------------------------------------------------------------------------------

/** Submits a secure-aggregation job (the consumer's side); resolves with its id and receipt. */
export async function createAggregationJob(
  client: ModelproofClient,
  params: SubmitAggregationJobParams,
  options?: SubmitOptions,
): Promise<{ jobId: bigint; receipt: Receipt<{ jobId: bigint }> }> {
  if (!Array.isArray(params.participants) || params.participants.length === 0) throw new JobError('Job.InvalidParams', 'participants must be a non-empty array');
  const receipt = await submitAggregationJob(client, params, options);
  return { jobId: receipt.jobId, receipt };
}

/** Resolves with the job once its committee is drawn (participants can contribute). */
export function waitForCommittee(client: ModelproofClient, jobId: bigint | number, options?: WaitForJobStateOptions): Promise<Job> {
  return waitForJobState(
    client,
    BigInt(jobId),
    (job) => job.kind.type === 'Aggregation' && job.kind.committee.length === job.kind.committeeSize,
    `waiting for the committee of job ${jobId}`,
    options,
  );
}

/** Privacy floors a participant applies before contributing; never below the runtime's. */
export interface PrivacyMinimums {
  /** Fewest committee members (default 2: one member would hold the vector itself). */
  minCommitteeSize?: number;
  /** Fewest participants listed (default 3: the sum of two vectors reveals one to the other). */
  minParticipants?: number;
}

/** Throws `Job.BelowPrivacyMinimum` when the job's committee or participant list is below the floors. */
function ensurePrivacy(client: ModelproofClient, job: Job & { kind: AggregationJobKind }, floors: PrivacyMinimums = {}): void {
  const limits = getJobLimits(client);
  const minCommittee = Math.max(2, limits.minCommitteeSize, floors.minCommitteeSize ?? 0);
  const minParticipants = Math.max(3, limits.minContributors, floors.minParticipants ?? 0);
  const { committee, participants } = job.kind;
  if (committee.length < minCommittee || participants.length < minParticipants) {
    throw new JobError(
      'Job.BelowPrivacyMinimum',
      `job ${job.id} has a committee of ${committee.length} and ${participants.length} participants; contributing needs at least ${minCommittee} members and ${minParticipants} participants`,
      { details: { committee: committee.length, participants: participants.length, minCommittee, minParticipants } },
    );
  }
}

/** Resolves with the job once it is completed (every partial is in). */
export function waitForAggregate(client: ModelproofClient, jobId: bigint | number, options?: WaitForJobStateOptions): Promise<Job> {
  return waitForJobState(client, BigInt(jobId), (job) => job.status === 'Completed', `waiting for job ${jobId} to complete`, options);
}

export interface ContributeVectorParams {
  jobId: bigint | number;
  /** Numbers (with `scaleBits`) or signed fixed-point integers; length = the job's `vector_len`. */
  vector: readonly number[] | readonly bigint[];
  /** Fixed-point scale for number vectors; every participant of a job must use the same. */
  scaleBits?: number;
  /** Refuse jobs below these (defaults 2 members, 3 participants; never below the runtime's). */
  privacy?: PrivacyMinimums;
}

export interface ContributionResult {
  receipt: Receipt;
  manifest: SmpcManifest;
  manifestCid: string;
  manifestDigest: Hex;
}

/**
 * A participant's contribution: encodes the vector, splits it into one additive share per
 * committee member, seals share j to member j's X25519 key (from `getWorker`), uploads the
 * sealed shares and the manifest, and posts `contribute`.
 *
 * Errors: `Job.NotReady` (committee not formed, or contributions closed), `Job.NotAuthorized`
 * (signer not a participant), `Job.BelowPrivacyMinimum` (committee or participant list too
 * small: nothing is uploaded or sent), `Job.VectorLengthMismatch`, `Job.MissingWorkerKey`,
 * `Smpc.Overflow`, dispatch errors of `contribute`.
 */
export async function contributeVector(
  client: ModelproofClient,
  ipfs: IpfsStore,
  params: ContributeVectorParams,
  options?: SubmitOptions,
): Promise<ContributionResult> {
  const jobId = BigInt(params.jobId);
  const participant = accountIdHex(client, signerOf(client));
  const job = await aggregationJob(client, jobId, options);
  const { committee, committeeSize, vectorLen, participants } = job.kind;
  if (job.status !== 'Collecting' || committee.length !== committeeSize) {
    throw new JobError('Job.NotReady', `job ${jobId} is ${job.status}: contributions are accepted only while it is Collecting (committee formed, not closed)`, { details: { status: job.status } });
  }
  if (!participants.some((p) => accountIdHex(client, p) === participant)) throw new JobError('Job.NotAuthorized', `the signer is not a participant of job ${jobId}`);
  ensurePrivacy(client, job, params.privacy);

  const values = params.vector as readonly (number | bigint)[];
  if (!Array.isArray(values) || values.length !== vectorLen) {
    throw new JobError('Job.VectorLengthMismatch', `job ${jobId} sums vectors of length ${vectorLen}, got ${Array.isArray(values) ? values.length : 'none'}`);
  }
  let field: bigint[];
  if (values.every((v) => typeof v === 'bigint')) field = encodeIntegers(values as bigint[]);
  else {
    if (params.scaleBits === undefined) throw new JobError('Job.InvalidParams', 'number vectors need scaleBits');
    field = encodeVector(values as number[], params.scaleBits);
  }

  const members = committee.map((m) => accountIdHex(client, m));
  const keys = await Promise.all(
    committee.map(async (m) => {
      const worker = await getWorker(client, m, options);
      if (worker === null) throw new JobError('Job.MissingWorkerKey', `committee member ${m} is not a registered worker`, { details: { member: m } });
      return hexToBytes(worker.encryptionKey);
    }),
  );
  const shares = splitShares(field, committee.length);
  const entries = await Promise.all(
    shares.map(async (share, index) => {
      const sealed = await sealShare(share, keys[index]!, { jobId, index, from: participant, to: members[index]! });
      const cid = await ipfs.add(sealed);
      return { index, member: members[index]!, cid, digest: smpcDigest(sealed) };
    }),
  );
  const manifest: SmpcManifest = { version: 1, jobId, participant, vectorLen, shares: entries };
  const { bytes, digest } = encodeManifest(manifest);
  const manifestCid = await ipfs.add(bytes);
  const receipt = await contribute(client, { jobId, manifestCid, manifestDigest: digest }, options);
  return { receipt, manifest, manifestCid, manifestDigest: digest };
}

export interface SubmitPartialSumParams {
  jobId: bigint | number;
  /** The member's X25519 secret key (the pair of the key it registered with). */
  memberSecretKey: Uint8Array;
}

export interface ComputePartialSumParams extends SubmitPartialSumParams {
  /** The committee member computing the partial (address or AccountId); default: the client's signer. */
  member?: string | Uint8Array;
}

/** A sealed partial sum, uploaded but not yet posted. */
export interface PartialSum {
  partialCid: string;
  partialDigest: Hex;
  /** How many contributions were summed (those nobody rejected). */
  contributors: number;
}

export interface CheckContributionParams extends ComputePartialSumParams {
  /** Whose contribution to open. */
  participant: string | Uint8Array;
}

/**
 * The committee and the member's index in it (`Job.NotAuthorized` if not a member), after
 * checking that `secretKey` is the pair of the member's registered X25519 key (`Smpc.WrongKey`
 * otherwise): a share that then fails to open is the participant's fault, never the member's.
 */
async function membership(
  client: ModelproofClient,
  job: Job & { kind: AggregationJobKind },
  member: { me: Hex; who: string; secretKey: Uint8Array },
  options?: CallOptions,
): Promise<{ committee: Hex[]; index: number }> {
  const committee = job.kind.committee.map((m) => accountIdHex(client, m));
  const index = committee.indexOf(member.me);
  if (index < 0) throw new JobError('Job.NotAuthorized', `${member.who} is not in the committee of job ${job.id}`);
  const worker = await getWorker(client, member.me, options);
  const registered = worker === null ? null : hexToBytes(worker.encryptionKey);
  const own = encryptionPublicKey(member.secretKey);
  if (registered === null || registered.length !== own.length || registered.some((b, i) => b !== own[i])) {
    throw new SmpcError('Smpc.WrongKey', `the secret key given for ${member.who} is not the pair of its registered X25519 key`);
  }
  return { committee, index };
}

/** Fetches, checks and opens the member's share of one contribution; `Job.BadContribution` names the participant. */
async function openContribution(
  client: ModelproofClient,
  ipfs: IpfsStore,
  job: Job & { kind: AggregationJobKind },
  member: { me: Hex; committee: Hex[]; index: number; secretKey: Uint8Array },
  contribution: { participant: string; manifestCid: string; manifestDigest: Hex },
): Promise<bigint[]> {
  const participant = accountIdHex(client, contribution.participant);
  const what = `job ${job.id}, contribution of ${contribution.participant}`;
  const details = { participant: contribution.participant };
  try {
    const manifestBytes = await fetchChecked(ipfs, contribution.manifestCid, contribution.manifestDigest, what);
    let manifest: SmpcManifest;
    try {
      manifest = parseManifest(manifestBytes, { jobId: job.id, participant, vectorLen: job.kind.vectorLen, committee: member.committee });
    } catch (e) {
      throw new JobError('Job.BadContribution', `${what}: invalid manifest`, { cause: e, details });
    }
    const share = manifest.shares[member.index]!;
    const sealed = await fetchChecked(ipfs, share.cid, share.digest, `${what}, share ${member.index}`);
    return await openShare(sealed, member.secretKey, { jobId: job.id, index: member.index, from: participant, to: member.me });
  } catch (e) {
    // A CID that is malformed or names an oversized object is the participant's doing; any other
    // store failure (timeouts, an unreachable node) may be the member's own trouble: retry it.
    if (isModelproofError(e) && e.code.startsWith('Ipfs.') && !PARTICIPANT_IPFS_FAULTS.has(e.code)) throw e;
    if (e instanceof JobError && e.code === 'Job.BadContribution') throw new JobError('Job.BadContribution', e.message, { cause: e.cause, details });
    throw new JobError('Job.BadContribution', `${what}: the share for this member does not open`, { cause: e, details });
  }
}

/**
 * Whether a committee member can open its share of `participant`'s contribution: resolves when
 * it can; rejects with `Job.BadContribution` (the participant's fault: reject it with
 * `reportContribution` while the review period lasts; a malformed or oversized CID counts as
 * the participant's) or with the store's other `Ipfs.*` errors (possibly the member's own
 * trouble: retry). The daemon checks every contribution as it arrives.
 */
export async function checkContribution(client: ModelproofClient, ipfs: IpfsStore, params: CheckContributionParams, options?: CallOptions): Promise<void> {
  const jobId = BigInt(params.jobId);
  const me = accountIdHex(client, params.member ?? signerOf(client));
  const job = await aggregationJob(client, jobId, options);
  const who = params.member === undefined ? 'the signer' : `account ${me}`;
  const { committee, index } = await membership(client, job, { me, who, secretKey: params.memberSecretKey }, options);
  const contribution = await getContribution(client, jobId, params.participant, options);
  if (contribution === null) throw new JobError('Job.NotFound', `no contribution of ${String(params.participant)} to job ${jobId}`);
  await openContribution(client, ipfs, job, { me, committee, index, secretKey: params.memberSecretKey }, contribution);
}

/**
 * A committee member's computation, without posting: fetches the manifest of every contribution
 * nobody rejected and its share for this member, checks digests, opens and sums the shares,
 * seals the partial to the job's `resultKey` and uploads it. {@link submitPartialSum} posts the
 * result; the worker daemon's processor calls this and leaves posting to its submitter.
 *
 * Errors: `Job.NotReady` (contributions not closed), `Job.NotAuthorized` (not in the
 * committee), `Job.BadContribution` (with `details.participant`), `Smpc.WrongKey`,
 * `Smpc.BadCiphertext`, IPFS errors of the store.
 */
export async function computePartialSum(client: ModelproofClient, ipfs: IpfsStore, params: ComputePartialSumParams, options?: CallOptions): Promise<PartialSum> {
  const jobId = BigInt(params.jobId);
  const me = accountIdHex(client, params.member ?? signerOf(client));
  const job = await aggregationJob(client, jobId, options);
  if (job.status !== 'Aggregating') {
    throw new JobError('Job.NotReady', `job ${jobId} is ${job.status}: partials are posted once contributions are closed (Aggregating)`, { details: { status: job.status } });
  }
  const who = params.member === undefined ? 'the signer' : `account ${me}`;
  const { committee, index } = await membership(client, job, { me, who, secretKey: params.memberSecretKey }, options);
  const contributions = (await Promise.all(job.kind.participants.map((p) => getContribution(client, jobId, p, options)))).filter(
    (c): c is NonNullable<typeof c> => c !== null && c.rejectedBy === null,
  );
  if (contributions.length === 0) throw new JobError('Job.BadContribution', `job ${jobId} has no valid contributions`);

  const member = { me, committee, index, secretKey: params.memberSecretKey };
  const shares = await Promise.all(contributions.map((c) => openContribution(client, ipfs, job, member, c)));
  const partial = sumSharesForMember(shares);
  const resultKey = hexToBytes(job.kind.resultKey);
  const sealed = await sealPartial(partial, resultKey, { jobId, index: 0, from: me, to: accountIdHex(client, job.consumer) });
  const partialCid = await ipfs.add(sealed);
  const partialDigest = smpcDigest(sealed);
  return { partialCid, partialDigest, contributors: contributions.length };
}

/**
 * A committee member's step: {@link computePartialSum} with the client's signer as the member,
 * then posts `submit_partial`.
 *
 * Errors: those of {@link computePartialSum}, dispatch errors.
 */
export async function submitPartialSum(
  client: ModelproofClient,
  ipfs: IpfsStore,
  params: SubmitPartialSumParams,
  options?: SubmitOptions,
): Promise<{ receipt: Receipt<{ completed: boolean }>; partialCid: string; partialDigest: Hex; contributors: number }> {
  const jobId = BigInt(params.jobId);
  const { partialCid, partialDigest, contributors } = await computePartialSum(client, ipfs, { ...params, member: signerOf(client) }, options);
  const receipt = await submitPartial(client, { jobId, partialCid, partialDigest }, options);
  return { receipt, partialCid, partialDigest, contributors };
}

export interface FetchAggregateParams {
  jobId: bigint | number;
  /** The secret key of the job's `resultKey` (the partials are sealed to it). */
  ownerSecretKey: Uint8Array;
  /** Fixed-point scale the participants used, to also return `values` as numbers. */
  scaleBits?: number;
}

export interface Aggregate {
  jobId: bigint;
  /** The element-wise sum of the contributed vectors, as signed fixed-point integers. */
  sum: bigint[];
  /** `sum / 2^scaleBits`, when `scaleBits` was given. */
  values?: number[];
  /** How many contributions were summed (those nobody rejected). */
  contributors: number;
}

/**
 * The job owner's result: fetches every committee member's partial (checking its digest
 * against the chain), opens them with the owner's key, sums and decodes. The sum is checked
 * against the overflow bound for the number of contributors (`Smpc.Overflow`).
 *
 * Errors: `Job.NotReady` (not completed), `Job.BadContribution`, `Smpc.WrongKey`,
 * `Smpc.BadCiphertext`, `Smpc.Overflow`.
 */
export async function fetchAggregate(client: ModelproofClient, ipfs: IpfsStore, params: FetchAggregateParams, options?: CallOptions): Promise<Aggregate> {
  const jobId = BigInt(params.jobId);
  const job = await aggregationJob(client, jobId, options);
  if (job.status !== 'Completed') throw new JobError('Job.NotReady', `job ${jobId} is ${job.status}: the aggregate is available once it is Completed`, { details: { status: job.status } });
  const owner = accountIdHex(client, job.consumer);
  const partials = await Promise.all(
    job.kind.committee.map(async (m) => {
      const entry = await getPartial(client, jobId, m, options);
      if (entry === null) throw new JobError('Job.BadContribution', `job ${jobId}: no partial from committee member ${m}`);
      const sealed = await fetchChecked(ipfs, entry.partialCid, entry.partialDigest, `job ${jobId}, partial of ${m}`);
      return openPartial(sealed, params.ownerSecretKey, { jobId, index: 0, from: accountIdHex(client, m), to: owner });
    }),
  );
  const valid = await Promise.all(job.kind.participants.map((p) => getContribution(client, jobId, p, options)));
  const contributors = valid.filter((c) => c !== null && c.rejectedBy === null).length;
  if (contributors < 1) throw new JobError('Job.BadContribution', `job ${jobId} has no valid contributions`);
  const sum = decodeIntegers(combinePartials(partials), { contributors });
  const scale = params.scaleBits;
  return { jobId, sum, ...(scale === undefined ? {} : { values: sum.map((v) => dequantize(v, scale)) }), contributors };
}
