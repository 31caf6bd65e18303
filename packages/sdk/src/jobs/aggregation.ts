/**
 * Secure aggregation jobs end to end, on top of `@modelproof/sdk/smpc` and the job actions:
 *
 * 1. the consumer creates the job ({@link createAggregationJob});
 * 2. workers claim it until the committee is formed ({@link waitForCommittee});
 * 3. each participant {@link contributeVector}s: encode, split into one share per committee
 *    member, seal share j to member j's on-chain X25519 key, upload the sealed shares and a
 *    manifest, post `contribute(manifest_cid, manifest_digest)`;
 * 4. contributions are closed (`closeContributions`);
 * 5. each member {@link submitPartialSum}s ({@link computePartialSum} + post): fetch every contributor's share for it (checking
 *    the manifest and share digests), sum, seal the partial to the job owner, upload, post
 *    `submit_partial(partial_cid, partial_digest)` — the worker daemon does this;
 * 6. the owner {@link fetchAggregate}s: fetch, check and open every partial, sum, decode.
 *
 * Formats: sealed shares/partials and manifests as documented in `@modelproof/sdk/smpc`;
 * accounts inside them are 32-byte AccountIds as `0x` hex.
 *
 * v1 limitation — the owner's X25519 key: the chain stores X25519 keys for workers only. A
 * member seals its partial to the key the job's consumer published with `register_worker`,
 * unless the caller passes `ownerPublicKey` (agreed out of band). An owner that is not a
 * registered worker must hand its key to the committee itself (`Job.OwnerKeyUnknown`).
 */
import { getJob, contribute, submitAggregationJob, submitPartial, type AggregationJobKind, type Job, type SubmitAggregationJobParams } from '../actions/jobs.js';
import { readStorage } from '../actions/query.js';
import { getWorker } from '../actions/workers.js';
import type { ModelproofClient } from '../client/client.js';
import type { CallOptions } from '../client/guard.js';
import { isModelproofError } from '../errors.js';
import type { Hex } from '../tx/decode.js';
import type { Receipt, SubmitOptions } from '../tx/submit.js';
import { openPartial, openShare, sealPartial, sealShare } from '../smpc/box.js';
import { encodeManifest, parseManifest, smpcDigest, type SmpcManifest } from '../smpc/manifest.js';
import { combinePartials, decodeIntegers, encodeIntegers, encodeVector, splitShares, sumSharesForMember } from '../smpc/vector.js';
import { dequantize } from '../zk/field.js';
import { JobError } from './errors.js';
import type { IpfsStore } from './ipfs.js';
import { waitForJobState, type WaitForJobStateOptions } from '../actions/jobs.js';

const PALLET = 'ComputeJobs';

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

/** `[cid, digest]` of an `(job, account) → (BoundedVec<u8>, H256)` map entry, or `null`. */
async function cidEntry(client: ModelproofClient, item: string, jobId: bigint, who: string, options?: CallOptions): Promise<{ cid: string; digest: Hex } | null> {
  const raw = (await readStorage(client, PALLET, item, [jobId, who], options)) as [Uint8Array, Hex] | null;
  if (raw === null) return null;
  return { cid: new TextDecoder().decode(raw[0]), digest: raw[1] };
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

/** Resolves with the job once its committee is complete (participants can contribute). */
export function waitForCommittee(client: ModelproofClient, jobId: bigint | number, options?: WaitForJobStateOptions): Promise<Job> {
  return waitForJobState(
    client,
    BigInt(jobId),
    (job) => job.kind.type === 'Aggregation' && job.kind.committee.length === job.kind.committeeSize,
    `waiting for the committee of job ${jobId}`,
    options,
  );
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
 * (signer not a participant), `Job.VectorLengthMismatch`, `Job.MissingWorkerKey`,
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
  /** The job owner's X25519 public key; default: the key the owner registered as a worker. */
  ownerPublicKey?: Uint8Array;
}

export interface ComputePartialSumParams extends SubmitPartialSumParams {
  /** The committee member computing the partial (address or AccountId); default: the client's signer. */
  member?: string | Uint8Array;
}

/** A sealed partial sum, uploaded but not yet posted. */
export interface PartialSum {
  partialCid: string;
  partialDigest: Hex;
  /** How many contributions were summed. */
  contributors: number;
}

/**
 * A committee member's computation, without posting: fetches every contributor's manifest and
 * its share for this member, checks digests, opens and sums the shares, seals the partial to the
 * job owner and uploads it. {@link submitPartialSum} posts the result; the worker daemon's
 * processor calls this and leaves posting to its submitter.
 *
 * Errors: `Job.NotReady` (contributions not closed), `Job.NotAuthorized` (not in the
 * committee), `Job.BadContribution`, `Job.OwnerKeyUnknown`, `Smpc.WrongKey`, `Smpc.BadCiphertext`,
 * IPFS errors of the store.
 */
export async function computePartialSum(client: ModelproofClient, ipfs: IpfsStore, params: ComputePartialSumParams, options?: CallOptions): Promise<PartialSum> {
  const jobId = BigInt(params.jobId);
  const me = accountIdHex(client, params.member ?? signerOf(client));
  const job = await aggregationJob(client, jobId, options);
  if (job.status !== 'Aggregating') {
    throw new JobError('Job.NotReady', `job ${jobId} is ${job.status}: partials are posted once contributions are closed (Aggregating)`, { details: { status: job.status } });
  }
  const committee = job.kind.committee.map((m) => accountIdHex(client, m));
  const index = committee.indexOf(me);
  if (index < 0) throw new JobError('Job.NotAuthorized', `${params.member === undefined ? 'the signer' : `account ${me}`} is not in the committee of job ${jobId}`);

  const contributions = (
    await Promise.all(job.kind.participants.map(async (p) => ({ p, entry: await cidEntry(client, 'Contributions', jobId, p, options) })))
  ).filter((c): c is { p: string; entry: { cid: string; digest: Hex } } => c.entry !== null);
  if (contributions.length === 0) throw new JobError('Job.BadContribution', `job ${jobId} has no contributions`);

  const shares = await Promise.all(
    contributions.map(async ({ p, entry }) => {
      const participant = accountIdHex(client, p);
      const what = `job ${jobId}, contribution of ${p}`;
      const manifestBytes = await fetchChecked(ipfs, entry.cid, entry.digest, what);
      let manifest: SmpcManifest;
      try {
        manifest = parseManifest(manifestBytes, { jobId, participant, vectorLen: job.kind.vectorLen, committee });
      } catch (e) {
        throw new JobError('Job.BadContribution', `${what}: invalid manifest`, { cause: e, details: { participant: p } });
      }
      const share = manifest.shares[index]!;
      const sealed = await fetchChecked(ipfs, share.cid, share.digest, `${what}, share ${index}`);
      return openShare(sealed, params.memberSecretKey, { jobId, index, from: participant, to: me });
    }),
  );
  const partial = sumSharesForMember(shares);

  let ownerKey = params.ownerPublicKey;
  if (ownerKey === undefined) {
    const owner = await getWorker(client, job.consumer, options);
    if (owner === null) {
      throw new JobError('Job.OwnerKeyUnknown', `the owner of job ${jobId} has no X25519 key on chain (not a registered worker): pass ownerPublicKey`);
    }
    ownerKey = hexToBytes(owner.encryptionKey);
  }
  const sealed = await sealPartial(partial, ownerKey, { jobId, index: 0, from: me, to: accountIdHex(client, job.consumer) });
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
  /** The job owner's X25519 secret key (the partials are sealed to its public key). */
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
  /** How many participants contributed. */
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
      const entry = await cidEntry(client, 'Partials', jobId, m, options);
      if (entry === null) throw new JobError('Job.BadContribution', `job ${jobId}: no partial from committee member ${m}`);
      const sealed = await fetchChecked(ipfs, entry.cid, entry.digest, `job ${jobId}, partial of ${m}`);
      return openPartial(sealed, params.ownerSecretKey, { jobId, index: 0, from: accountIdHex(client, m), to: owner });
    }),
  );
  const contributors = Number((await readStorage(client, PALLET, 'ContributionCount', [jobId], options)) ?? 0);
  if (contributors < 1) throw new JobError('Job.BadContribution', `job ${jobId} has no contributions`);
  const sum = decodeIntegers(combinePartials(partials), { contributors });
  const scale = params.scaleBits;
  return { jobId, sum, ...(scale === undefined ? {} : { values: sum.map((v) => dequantize(v, scale)) }), contributors };
}
