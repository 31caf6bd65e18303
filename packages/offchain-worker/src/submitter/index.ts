/**
 * The submitter: one per signer. Posts claims, inference results and partial sums through the
 * SDK's actions (the SDK's nonce manager assigns nonces), and before every post checks chain
 * state, so a retried job never posts twice:
 *
 * - inference result: the job must still be `Claimed` by this worker, the deadline not passed,
 *   and no outputs stored yet (outputs already there: `already-submitted`, nothing sent);
 * - partial: contributions closed, this worker in the committee, its partial not yet stored;
 * - claim: the job still `Open` (inference: this worker holds a grant) or its committee not full;
 *   a claim that loses a race in the same block is a skip (`another worker claimed it first`).
 *
 * Calls for the same action and chain job id share one in-flight promise (idempotent per job).
 * Inclusion is watched through the SDK receipt; `modelproof_worker_inflight_transactions`
 * counts transactions sent and not yet included or failed.
 */
import { decodeAddress } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';

import {
  type Job,
  type ModelproofClient,
  claimJob,
  getGrant,
  getInferenceOutputs,
  getJob,
  isModelproofError,
  submitInferenceResult,
  submitPartial,
} from '@modelproof/sdk';

import type { Logger } from '../log/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import { type AggregationResult, type InferenceResult, PermanentError } from '../queues/index.js';

export interface SubmitOutcome {
  /** `submitted`: sent and included; `already-submitted` / `skipped`: nothing was sent. */
  status: 'submitted' | 'already-submitted' | 'skipped';
  chainJobId: string;
  txHash?: string;
  blockNumber?: number;
  /** Why nothing was sent (`skipped`). */
  reason?: string;
}

export interface SubmitterOptions {
  client: ModelproofClient;
  metrics: WorkerMetrics;
  logger: Logger;
  /** Wait for inclusion in a best block (default) or for finality. */
  wait?: 'inBlock' | 'finalized';
  /** Per-transaction timeout (default 60 s). */
  timeoutMs?: number;
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const HEX256B = /^0x[0-9a-fA-F]{512}$/;

/** Same account, whatever the SS58 format. */
/** Dispatch errors of a claim that only mean another worker was faster. */
const LOST_CLAIM_RACE = ['ComputeJobs.AlreadyClaimed', 'ComputeJobs.JobNotOpen', 'ComputeJobs.CommitteeFull'] as const;

export function sameAccount(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  try {
    return u8aToHex(decodeAddress(a)) === u8aToHex(decodeAddress(b));
  } catch {
    return false;
  }
}

/** Checks a processor's inference result; a malformed one is a permanent `Pipeline.InvalidResult`. */
export function checkInferenceResult(value: unknown): InferenceResult {
  const r = value as Partial<InferenceResult> | null;
  if (!r || !Array.isArray(r.output) || r.output.length === 0 || !r.output.every((v) => typeof v === 'string' && HEX32.test(v))) {
    throw new PermanentError('Pipeline.InvalidResult', 'inference result: output must be a non-empty array of 0x-hex 32-byte values');
  }
  if (typeof r.proof !== 'string' || !HEX256B.test(r.proof)) throw new PermanentError('Pipeline.InvalidResult', 'inference result: proof must be 0x-hex of 256 bytes');
  return { output: r.output, proof: r.proof };
}

/** Checks a processor's aggregation result. */
export function checkAggregationResult(value: unknown): AggregationResult {
  const r = value as Partial<AggregationResult> | null;
  if (!r || typeof r.partialCid !== 'string' || r.partialCid.length === 0) throw new PermanentError('Pipeline.InvalidResult', 'aggregation result: partialCid missing');
  if (typeof r.partialDigest !== 'string' || !HEX32.test(r.partialDigest)) throw new PermanentError('Pipeline.InvalidResult', 'aggregation result: partialDigest must be 0x-hex of 32 bytes');
  return { partialCid: r.partialCid, partialDigest: r.partialDigest };
}

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.slice(2), 'hex'));
}

export class Submitter {
  readonly address: string;
  private readonly client: ModelproofClient;
  private readonly metrics: WorkerMetrics;
  private readonly logger: Logger;
  private readonly wait: 'inBlock' | 'finalized';
  private readonly timeoutMs: number;
  private readonly pending = new Map<string, Promise<SubmitOutcome>>();

  constructor(options: SubmitterOptions) {
    if (!options.client.address) throw new PermanentError('Client.NoSigner', 'the submitter needs a client with a signer');
    this.client = options.client;
    this.address = options.client.address;
    this.metrics = options.metrics;
    this.logger = options.logger;
    this.wait = options.wait ?? 'inBlock';
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** Claims an open job (inference: only with a grant on its model; aggregation: joins the committee). */
  claim(chainJobId: bigint | string): Promise<SubmitOutcome> {
    return this.once(`claim-${chainJobId}`, async () => {
      const id = BigInt(chainJobId);
      const job = await getJob(this.client, id);
      if (!job) throw new PermanentError('Pipeline.UnknownJob', `job ${id} does not exist`);
      if (job.kind.type === 'Inference') {
        if (sameAccount(job.kind.worker, this.address)) return { status: 'already-submitted', chainJobId: String(id) };
        if (job.status !== 'Open') return this.skip(id, `job is ${job.status}`);
        if ((await getGrant(this.client, job.kind.modelId, this.address)) === null) return this.skip(id, 'no grant on the model');
      } else {
        if (job.kind.committee.some((m) => sameAccount(m, this.address))) return { status: 'already-submitted', chainJobId: String(id) };
        if (job.kind.committee.length >= job.kind.committeeSize) return this.skip(id, 'committee full');
        if (job.status !== 'Open') return this.skip(id, `job is ${job.status}`);
      }
      if (await this.deadlinePassed(job)) return this.skip(id, 'deadline passed');
      try {
        return await this.send(id, () => claimJob(this.client, { jobId: id }, this.submitOptions()), LOST_CLAIM_RACE);
      } catch (error) {
        // another worker's claim landed first, in the same block or after our check
        if (LOST_CLAIM_RACE.some((code) => isModelproofError(error, code))) return this.skip(id, `another worker claimed it first (${(error as { code: string }).code})`);
        throw error;
      }
    });
  }

  /** The job is open and before its deadline: a claim could still succeed. */
  async stillClaimable(chainJobId: bigint | string): Promise<boolean> {
    const job = await getJob(this.client, BigInt(chainJobId));
    return job !== null && job.status === 'Open' && !(await this.deadlinePassed(job));
  }

  /** Posts an inference result unless the chain already has one; refuses if the job is not ours or too late. */
  submitInferenceResult(chainJobId: bigint | string, result: InferenceResult): Promise<SubmitOutcome> {
    return this.once(`result-${chainJobId}`, async () => {
      const id = BigInt(chainJobId);
      const checked = checkInferenceResult(result);
      if ((await getInferenceOutputs(this.client, id)) !== null) {
        this.logger.info('outputs already on chain; not posting again', { chainJobId: String(id) });
        return { status: 'already-submitted', chainJobId: String(id) };
      }
      const job = await getJob(this.client, id);
      if (!job) throw new PermanentError('Pipeline.UnknownJob', `job ${id} does not exist`);
      if (job.kind.type !== 'Inference') throw new PermanentError('Pipeline.WrongKind', `job ${id} is not an inference job`);
      if (job.status !== 'Claimed') throw new PermanentError('ComputeJobs.JobNotClaimed', `job ${id} is ${job.status}, not Claimed`);
      if (!sameAccount(job.kind.worker, this.address)) throw new PermanentError('ComputeJobs.NotClaimant', `job ${id} was claimed by another worker`);
      if (await this.deadlinePassed(job)) throw new PermanentError('ComputeJobs.DeadlinePassed', `job ${id} is past its deadline (block ${job.deadline})`);
      return this.send(id, () =>
        submitInferenceResult(this.client, { jobId: id, output: checked.output, proof: hexToBytes(checked.proof) }, this.submitOptions()),
      );
    });
  }

  /** Posts this committee member's partial sum unless it is already stored. */
  submitPartial(chainJobId: bigint | string, result: AggregationResult): Promise<SubmitOutcome> {
    return this.once(`partial-${chainJobId}`, async () => {
      const id = BigInt(chainJobId);
      const checked = checkAggregationResult(result);
      const job = await getJob(this.client, id);
      if (!job) throw new PermanentError('Pipeline.UnknownJob', `job ${id} does not exist`);
      if (job.kind.type !== 'Aggregation') throw new PermanentError('Pipeline.WrongKind', `job ${id} is not an aggregation job`);
      if (!job.kind.committee.some((m) => sameAccount(m, this.address))) throw new PermanentError('ComputeJobs.NotCommitteeMember', `not in the committee of job ${id}`);
      if (job.status === 'Completed') return { status: 'already-submitted', chainJobId: String(id) };
      const partials = this.client.api.query['computeJobs']?.['partials'];
      if (partials) {
        const stored = await partials(id, this.address);
        if (!(stored as unknown as { isNone?: boolean }).isNone) return { status: 'already-submitted', chainJobId: String(id) };
      }
      if (job.status !== 'Aggregating') throw new PermanentError('ComputeJobs.ContributionsNotClosed', `job ${id} is ${job.status}`);
      if (await this.deadlinePassed(job)) throw new PermanentError('ComputeJobs.DeadlinePassed', `job ${id} is past its deadline (block ${job.deadline})`);
      return this.send(id, () =>
        submitPartial(this.client, { jobId: id, partialCid: checked.partialCid, partialDigest: checked.partialDigest }, this.submitOptions()),
      );
    });
  }

  private submitOptions() {
    return { wait: this.wait, timeoutMs: this.timeoutMs };
  }

  private skip(id: bigint, reason: string): SubmitOutcome {
    this.logger.info('not claiming', { chainJobId: String(id), reason });
    return { status: 'skipped', chainJobId: String(id), reason };
  }

  /** The next block is past the job's deadline. */
  private async deadlinePassed(job: Job): Promise<boolean> {
    const best = (await this.client.api.rpc.chain.getHeader()).number.toNumber();
    return best + 1 > job.deadline;
  }

  /** Posts; failures are logged as warnings unless their code is one of `expected`. */
  private async send(id: bigint, post: () => Promise<{ txHash: string; blockNumber: number }>, expected: readonly string[] = []): Promise<SubmitOutcome> {
    this.metrics.inflightTransactions.inc();
    try {
      const receipt = await post();
      this.logger.info('transaction included', { chainJobId: String(id), txHash: receipt.txHash, blockNumber: receipt.blockNumber });
      return { status: 'submitted', chainJobId: String(id), txHash: receipt.txHash, blockNumber: receipt.blockNumber };
    } catch (error) {
      if (isModelproofError(error) && !expected.includes(error.code)) this.logger.warn('transaction failed', { chainJobId: String(id), code: error.code, reason: error.message });
      throw error;
    } finally {
      this.metrics.inflightTransactions.dec();
    }
  }

  private once(key: string, run: () => Promise<SubmitOutcome>): Promise<SubmitOutcome> {
    const existing = this.pending.get(key);
    if (existing) return existing;
    const promise = run().finally(() => this.pending.delete(key));
    this.pending.set(key, promise);
    return promise;
  }
}
