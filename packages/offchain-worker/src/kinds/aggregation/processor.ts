/**
 * The secure-aggregation (SMPC) processor: a job whose contributions are closed in,
 * `{ partialCid, partialDigest }` out (DESIGN.md "SMPC job: secure aggregation").
 *
 * `processAggregation(deps, job)` is a plain function (testable without BullMQ or Redis);
 * `sandbox-entry.ts` is the module BullMQ runs as a sandboxed processor and builds the deps
 * from the worker's config and keystore.
 *
 * The pipeline starts it once the job's review period is over (partial sums are accepted only
 * after `reviewEnd`, and only the contributions nobody rejected count).
 *
 * Steps: read the job from chain and check it is ours to serve (an aggregation job, Aggregating,
 * this worker in its committee, no partial of ours stored yet) → the SDK's `computePartialSum`:
 * for every contribution nobody rejected, fetch its manifest and check it against the on-chain
 * digest, fetch the share addressed to this member and check it against the manifest's digest,
 * open it with this worker's X25519 secret key; sum; seal the partial to the job's `resultKey`;
 * upload it → return its CID and digest. Posting is the submitter's (it re-checks chain state
 * first, so a retry never double-posts).
 *
 * Errors are queue errors, classified here (the SDK's `Job.*` / `Smpc.*` codes are not known to
 * the generic classifier): an unreachable or slow IPFS node or chain is a {@link TransientError}
 * (retried with backoff); a job that is not ours, a digest mismatch, a bad manifest, a share
 * sealed to another key or a tampered ciphertext is a {@link PermanentError} whose message starts
 * with `[Code] ` and names the reason. A bad contribution found at this point was not rejected
 * during the review period (the worker checks each one as it arrives, see `./index.ts`): it
 * is too late to reject it, and no partial sum can be computed without it.
 */
import { type ModelproofClient, getJob, getPartial, isModelproofError } from '@modelproof/sdk';
import type { CatOptions, Ipfs, IpfsRequestOptions } from '@modelproof/sdk/ipfs';
import { type IpfsStore, accountIdHex, computePartialSum } from '@modelproof/sdk/jobs';

import { type AggregationResult, PermanentError, TransientError, toQueueError } from '../../queues/index.js';

/** Default size limit of one manifest / share download (shares of large vectors stay far below it). */
export const DEFAULT_MAX_SHARE_BYTES = 64 * 1024 * 1024;

export interface AggregationDeps {
  /** SDK client on the chain (queries only; the submitter posts the partial). */
  client: ModelproofClient;
  /** IPFS store (Kubo RPC): manifests and shares are fetched, the sealed partial is added. */
  ipfs: Pick<Ipfs, 'add' | 'cat'>;
  /** The worker's X25519 secret key (shares addressed to it are sealed to its public key). */
  x25519SecretKey: Uint8Array;
  /** The worker's account (the committee member); default the client's signer. */
  account?: string;
  limits?: {
    /** Largest manifest / share download in bytes (default {@link DEFAULT_MAX_SHARE_BYTES}). */
    maxBytes?: number;
    /** Deadline of each chain query and each IPFS operation, ms. */
    fetchTimeoutMs?: number;
  };
}

export interface AggregationJobRef {
  /** The chain's job id (decimal string or bigint). */
  chainJobId: string | bigint | number;
}

/** What the submitter posts, plus the number of contributions summed (for logs and tests). */
export interface AggregationOutcome extends AggregationResult {
  contributors: number;
}

const permanent = (code: string, message: string): PermanentError => new PermanentError(code, `[${code}] ${message}`);

/** Turns an error of the SDK into the queue error BullMQ should see; a permanent one names its typed cause too. */
export function classifyAggregationError(error: unknown): Error {
  if (error instanceof PermanentError || error instanceof TransientError) return error;
  if (isModelproofError(error) && !error.retryable) return permanent(error.code, `${error.message.replace(/^\[[^\]]+\] /, '')}${causeDetail(error)}`);
  return toQueueError(error);
}

/** Wraps the store so every fetch has the size limit and every operation the deadline. */
export function limitedStore(ipfs: AggregationDeps['ipfs'], limits: AggregationDeps['limits']): IpfsStore {
  const timeout: IpfsRequestOptions = limits?.fetchTimeoutMs === undefined ? {} : { timeoutMs: limits.fetchTimeoutMs };
  const cat: CatOptions = { ...timeout, maxBytes: limits?.maxBytes ?? DEFAULT_MAX_SHARE_BYTES };
  return {
    add: (bytes) => ipfs.add(bytes, timeout),
    cat: (cid) => ipfs.cat(cid, cat),
  };
}

/**
 * Computes, seals and uploads this committee member's partial sum of an aggregation job.
 *
 * Throws {@link PermanentError} (`[Code] reason`) when the job is not one this worker can serve
 * (`Pipeline.JobNotFound`, `Pipeline.WrongKind`, `Pipeline.NotAggregating`,
 * `Pipeline.NotInCommittee`, `Pipeline.PartialAlreadyPosted`) or its data is bad
 * (`Job.BadContribution` for a missing / mismatching / malformed manifest or share,
 * `Smpc.WrongKey`, `Smpc.BadCiphertext`, `Job.OwnerKeyUnknown`, `Ipfs.TooLarge`), and
 * {@link TransientError} when IPFS or the chain is unavailable or too slow.
 */
export async function processAggregation(deps: AggregationDeps, ref: AggregationJobRef): Promise<AggregationOutcome> {
  try {
    const jobId = BigInt(ref.chainJobId);
    const timeoutMs = deps.limits?.fetchTimeoutMs;
    const query = timeoutMs === undefined ? {} : { timeoutMs };
    const account = deps.account ?? deps.client.address;
    if (account === undefined) throw permanent('Pipeline.NoAccount', 'the aggregation processor needs the worker account (deps.account or a client signer)');
    const me = accountIdHex(deps.client, account);

    const job = await getJob(deps.client, jobId, query);
    if (job === null) throw permanent('Pipeline.JobNotFound', `job ${jobId} does not exist on chain`);
    if (job.kind.type !== 'Aggregation') throw permanent('Pipeline.WrongKind', `job ${jobId} is not an aggregation job`);
    if (job.status !== 'Aggregating') throw permanent('Pipeline.NotAggregating', `job ${jobId} is ${job.status}: partials are computed only while it is Aggregating`);
    if (!job.kind.committee.some((m) => accountIdHex(deps.client, m) === me)) {
      throw permanent('Pipeline.NotInCommittee', `this worker (${account}) is not in the committee of job ${jobId}`);
    }
    if ((await getPartial(deps.client, jobId, account, query)) !== null) throw permanent('Pipeline.PartialAlreadyPosted', `this worker's partial of job ${jobId} is already on chain`);

    try {
      const { partialCid, partialDigest, contributors } = await computePartialSum(
        deps.client,
        limitedStore(deps.ipfs, deps.limits),
        { jobId, member: account, memberSecretKey: deps.x25519SecretKey },
        query,
      );
      return { partialCid, partialDigest, contributors };
    } catch (error) {
      if (!isModelproofError(error, 'Job.BadContribution')) throw error;
      const participant = (error as { details?: { participant?: unknown } }).details?.participant;
      throw permanent(
        'Job.BadContribution',
        `${error.message}${causeDetail(error)} — ${participant === undefined ? 'a contribution' : `the contribution of ${String(participant)}`} was not rejected before the review period ended (block ${job.kind.reviewEnd}): too late to reject it, so no partial sum can be posted`,
      );
    }
  } catch (error) {
    throw classifyAggregationError(error);
  }
}

/** ` (Code: message)` of an error's cause, when it has a typed one. */
function causeDetail(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  return isModelproofError(cause) ? ` (${cause.code}: ${cause.message})` : '';
}
