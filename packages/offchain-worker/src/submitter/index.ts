/**
 * The submitter: one per signer. Posts through the SDK's actions (the SDK's nonce manager assigns
 * nonces) and before every post reads chain state, so a retried job never posts twice and a
 * benign race (another worker formed, closed or expired first) is a skip, not a failure:
 *
 * - claim: the job still `Open`; inference: this worker holds a grant; aggregation: the candidacy
 *   rule lets it apply (during the candidacy period, or later while candidates are fewer than
 *   seats, before the contribution deadline). Losing a race in the same block is a skip;
 * - inference result: the job still `Claimed` by this worker, before its deadline, no outputs yet;
 * - partial: contributions closed, the review period over, this worker in the committee, its
 *   partial not yet stored;
 * - hand-back: an inference job still `Claimed` by this worker before its deadline, or a
 *   candidacy for a committee not drawn yet;
 * - form-committee: from `candidacyEnd + 2`, enough candidates, before the contribution deadline;
 * - close-contributions: all participants contributed or the contribution deadline passed, and at
 *   least `MinContributors` valid contributions (fewer: the job can only be expired);
 * - report-contribution: a committee member, while collecting or until `reviewEnd`, the
 *   contribution there and not rejected yet;
 * - expire: a job this worker holds a claim on, past its deadline or no longer deliverable.
 *
 * An action that cannot be done yet, or that leads to another, says so in its outcome's `next`
 * (`{ action, atBlock }`), which the pipeline hands to the block scheduler.
 *
 * Calls for the same action and chain job id share one in-flight promise (idempotent per job).
 * Inclusion is watched through the SDK receipt; `modelproof_worker_inflight_transactions`
 * counts transactions sent and not yet included or failed.
 */
import {
  type HandBackReason,
  type Job,
  type JobLimits,
  type ModelproofClient,
  claimJob,
  closeContributions,
  expireJob,
  formCommittee,
  getContribution,
  getGrant,
  getInferenceOutputs,
  getJob,
  getJobLimits,
  getPartial,
  handBackJob,
  isModelproofError,
  reportContribution,
  submitInferenceResult,
  submitPartial,
} from '@modelproof/sdk';

import type { Logger } from '../log/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import { type AggregationJob, FINISHED_STATUSES, candidacyClosed, contributionsOf, inReview, nextBlock, sameAccount } from '../protocol/index.js';
import { type AggregationResult, type InferenceResult, PermanentError, type ScheduledAction, TransientError } from '../queues/index.js';

export { sameAccount } from '../protocol/index.js';

export interface SubmitOutcome {
  /** `submitted`: sent and included; `already-submitted` / `skipped`: nothing was sent. */
  status: 'submitted' | 'already-submitted' | 'skipped';
  chainJobId: string;
  txHash?: string;
  blockNumber?: number;
  /** Why nothing was sent (`skipped`). */
  reason?: string;
  /** What to do for this job later: the action could not be done yet, or it leads to another. */
  next?: { action: ScheduledAction; atBlock: number };
}

export interface SubmitterOptions {
  client: ModelproofClient;
  metrics: WorkerMetrics;
  logger: Logger;
  /** Wait for inclusion in a best block (default) or for finality. */
  wait?: 'inBlock' | 'finalized';
  /** Per-transaction timeout (default 60 s). */
  timeoutMs?: number;
  /** The runtime's protocol constants (`getJobLimits`); default: read from the client. */
  limits?: Pick<JobLimits, 'minContributors'>;
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const HEX256B = /^0x[0-9a-fA-F]{512}$/;

/** The actions whose dispatch errors may only mean that another transaction got there first. */
type RacingAction = 'claim' | 'hand-back' | 'form-committee' | 'close-contributions' | 'report-contribution' | 'expire';

/**
 * Dispatch errors that only mean another transaction got there first (or the moment passed
 * between our check and the block): a skip, not a failure.
 */
const BENIGN_RACES: Record<RacingAction, readonly string[]> = {
  claim: [
    'ComputeJobs.AlreadyClaimed',
    'ComputeJobs.JobNotOpen',
    'ComputeJobs.CommitteeFull',
    'ComputeJobs.CandidacyClosed',
    'ComputeJobs.TooManyCandidates',
    'ComputeJobs.DeadlinePassed',
  ],
  'hand-back': ['ComputeJobs.JobFinished', 'ComputeJobs.NotClaimant', 'ComputeJobs.NotCandidate', 'ComputeJobs.CannotHandBack', 'ComputeJobs.DeadlinePassed'],
  'form-committee': ['ComputeJobs.CommitteeFull', 'ComputeJobs.JobFinished', 'ComputeJobs.NotEnoughCandidates', 'ComputeJobs.SeedExpired'],
  'close-contributions': ['ComputeJobs.ContributionsClosed', 'ComputeJobs.JobFinished'],
  'report-contribution': ['ComputeJobs.AlreadyRejected', 'ComputeJobs.ReviewOver', 'ComputeJobs.JobFinished'],
  expire: ['ComputeJobs.JobFinished', 'ComputeJobs.DeadlineNotReached'],
};
const GONE = 'the job is no longer on chain (pruned)';

/** Checks a processor's inference result; a malformed one is a permanent `Pipeline.InvalidResult`. */
export function checkInferenceResult(value: unknown): InferenceResult {
  const r = value as Partial<InferenceResult> | null;
  if (!r || !Array.isArray(r.output) || !r.output.every((v) => typeof v === 'string' && HEX32.test(v))) {
    throw new PermanentError('Pipeline.InvalidResult', 'inference result: output must be an array of 0x-hex 32-byte values');
  }
  if (typeof r.outputCommitment !== 'string' || !HEX32.test(r.outputCommitment)) {
    throw new PermanentError('Pipeline.InvalidResult', 'inference result: outputCommitment must be 0x-hex of 32 bytes');
  }
  const sealed = r.sealedOutputCid;
  if (sealed !== undefined && (typeof sealed !== 'string' || sealed.length === 0)) throw new PermanentError('Pipeline.InvalidResult', 'inference result: sealedOutputCid must be a CID');
  if ((r.output.length === 0) !== (sealed !== undefined)) {
    throw new PermanentError('Pipeline.InvalidResult', 'inference result: either outputs (public) or a sealedOutputCid (committed), not both or neither');
  }
  if (typeof r.proof !== 'string' || !HEX256B.test(r.proof)) throw new PermanentError('Pipeline.InvalidResult', 'inference result: proof must be 0x-hex of 256 bytes');
  return { output: r.output, outputCommitment: r.outputCommitment, ...(sealed === undefined ? {} : { sealedOutputCid: sealed }), proof: r.proof };
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
  private readonly minContributors: number;
  private readonly pending = new Map<string, Promise<SubmitOutcome>>();

  constructor(options: SubmitterOptions) {
    if (!options.client.address) throw new PermanentError('Client.NoSigner', 'the submitter needs a client with a signer');
    this.client = options.client;
    this.address = options.client.address;
    this.metrics = options.metrics;
    this.logger = options.logger;
    this.wait = options.wait ?? 'inBlock';
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.minContributors = (options.limits ?? getJobLimits(options.client)).minContributors;
  }

  /** Claims an open job (inference: only with a grant on its model; aggregation: applies for a committee seat). */
  claim(chainJobId: bigint | string): Promise<SubmitOutcome> {
    return this.once('claim', chainJobId, async (id) => {
      const job = await getJob(this.client, id);
      if (!job) return this.skip('claim', id, GONE);
      if (job.kind.type === 'Inference') {
        if (sameAccount(job.kind.worker, this.address)) return { status: 'already-submitted', chainJobId: String(id) };
        if (job.status !== 'Open') return this.skip('claim', id, `job is ${job.status}`);
        if ((await getGrant(this.client, job.kind.modelId, this.address)) === null) return this.skip('claim', id, 'no grant on the model');
      } else {
        const mine = (m: string): boolean => sameAccount(m, this.address);
        if (job.kind.candidates.some(mine) || job.kind.committee.some(mine)) return { status: 'already-submitted', chainJobId: String(id) };
        if (job.status !== 'Open') return this.skip('claim', id, `job is ${job.status}`);
        const closed = candidacyClosed(job as AggregationJob, await this.nextBlock());
        if (closed) return this.skip('claim', id, closed);
      }
      if (await this.deadlinePassed(job)) return this.skip('claim', id, 'deadline passed');
      return this.sendUnlessRaced('claim', id, () => claimJob(this.client, { jobId: id }, this.submitOptions()), (code) =>
        code === 'ComputeJobs.DeadlinePassed' ? 'the deadline passed before the claim landed' : `another worker claimed it first (${code})`,
      );
    });
  }

  /** The job is open, before its deadline and (aggregation) still takes candidates: a claim could still succeed. */
  async stillClaimable(chainJobId: bigint | string): Promise<boolean> {
    const job = await getJob(this.client, BigInt(chainJobId));
    if (job === null || job.status !== 'Open' || (await this.deadlinePassed(job))) return false;
    return job.kind.type === 'Inference' || candidacyClosed(job as AggregationJob, await this.nextBlock()) === undefined;
  }

  /** Posts an inference result unless the chain already has one; refuses if the job is not ours or too late. */
  submitInferenceResult(chainJobId: bigint | string, result: InferenceResult): Promise<SubmitOutcome> {
    return this.once('result', chainJobId, async (id) => {
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
      return this.send('result', id, () =>
        submitInferenceResult(
          this.client,
          {
            jobId: id,
            output: checked.output,
            outputCommitment: checked.outputCommitment,
            ...(checked.sealedOutputCid === undefined ? {} : { sealedOutputCid: checked.sealedOutputCid }),
            proof: hexToBytes(checked.proof),
          },
          this.submitOptions(),
        ),
      );
    });
  }

  /** Posts this committee member's partial sum unless it is already stored; only after the review period. */
  submitPartial(chainJobId: bigint | string, result: AggregationResult): Promise<SubmitOutcome> {
    return this.once('partial', chainJobId, async (id) => {
      const checked = checkAggregationResult(result);
      const job = await getJob(this.client, id);
      if (!job) throw new PermanentError('Pipeline.UnknownJob', `job ${id} does not exist`);
      if (job.kind.type !== 'Aggregation') throw new PermanentError('Pipeline.WrongKind', `job ${id} is not an aggregation job`);
      if (!job.kind.committee.some((m) => sameAccount(m, this.address))) throw new PermanentError('ComputeJobs.NotCommitteeMember', `not in the committee of job ${id}`);
      if (job.status === 'Completed') return { status: 'already-submitted', chainJobId: String(id) };
      if ((await getPartial(this.client, id, this.address)) !== null) return { status: 'already-submitted', chainJobId: String(id) };
      if (job.status !== 'Aggregating') throw new PermanentError('ComputeJobs.ContributionsNotClosed', `job ${id} is ${job.status}`);
      const reviewEnd = job.kind.reviewEnd ?? Number.MAX_SAFE_INTEGER;
      const next = await this.nextBlock();
      if (next <= reviewEnd) throw new TransientError('ComputeJobs.ReviewNotOver', `job ${id}: partial sums are accepted after block ${reviewEnd}`);
      if (await this.deadlinePassed(job)) throw new PermanentError('ComputeJobs.DeadlinePassed', `job ${id} is past its deadline (block ${job.deadline})`);
      const { valid } = await this.contributionCounts(job as AggregationJob);
      if (valid < this.minContributors) return this.skip('partial', id, `too few valid contributions (${valid} of ${this.minContributors})`, { action: 'expire', atBlock: next });
      return this.send('partial', id, () =>
        submitPartial(this.client, { jobId: id, partialCid: checked.partialCid, partialDigest: checked.partialDigest }, this.submitOptions()),
      );
    });
  }

  /**
   * Gives a job back without a slash: an inference job this worker claimed (the job fails, the
   * consumer is refunded), or this worker's candidacy for a committee not drawn yet.
   */
  handBack(chainJobId: bigint | string, reason: HandBackReason): Promise<SubmitOutcome> {
    return this.once('hand-back', chainJobId, async (id) => {
      const job = await getJob(this.client, id);
      if (!job) return this.skip('hand-back', id, GONE);
      if (FINISHED_STATUSES.has(job.status)) return this.skip('hand-back', id, `job is ${job.status}`);
      if (await this.deadlinePassed(job)) return this.skip('hand-back', id, `the deadline (block ${job.deadline}) has passed`);
      if (job.kind.type === 'Inference') {
        if (job.status !== 'Claimed' || !sameAccount(job.kind.worker, this.address)) return this.skip('hand-back', id, 'not claimed by this worker');
      } else {
        if (job.kind.committee.some((m) => sameAccount(m, this.address))) return this.skip('hand-back', id, 'a committee member cannot hand back');
        if (!job.kind.candidates.some((m) => sameAccount(m, this.address))) return this.skip('hand-back', id, 'not a candidate');
      }
      return this.sendUnlessRaced('hand-back', id, () => handBackJob(this.client, { jobId: id, reason }, this.submitOptions()));
    });
  }

  /** Draws the committee of an aggregation job among its candidates (anyone may, from `candidacyEnd + 2`). */
  formCommittee(chainJobId: bigint | string): Promise<SubmitOutcome> {
    return this.once('form-committee', chainJobId, async (id) => {
      const job = await this.aggregationJob(id);
      if (!job) return this.skip('form-committee', id, GONE);
      if (job.status !== 'Open') return this.skip('form-committee', id, FINISHED_STATUSES.has(job.status) ? `job is ${job.status}` : 'the committee is already formed');
      const { candidacyEnd, contributionDeadline, candidates, committeeSize } = job.kind;
      const next = await this.nextBlock();
      if (next < candidacyEnd + 2) return this.skip('form-committee', id, `too early: the draw is possible from block ${candidacyEnd + 2}`, { action: 'form-committee', atBlock: candidacyEnd + 2 });
      if (next > contributionDeadline) return this.skip('form-committee', id, 'the contribution deadline has passed', { action: 'expire', atBlock: next });
      // Late applicants fill an undersubscribed committee by themselves: no draw is needed then.
      if (candidates.length < committeeSize) return this.skip('form-committee', id, `not enough candidates (${candidates.length} of ${committeeSize})`);
      return this.sendUnlessRaced('form-committee', id, () => formCommittee(this.client, { jobId: id }, this.submitOptions()));
    });
  }

  /**
   * Fixes the contributor set of an aggregation job once all participants contributed or the
   * contribution deadline passed. With fewer than `MinContributors` valid contributions the job
   * can only fail: the outcome's `next` is `expire`.
   */
  closeContributions(chainJobId: bigint | string): Promise<SubmitOutcome> {
    return this.once('close-contributions', chainJobId, async (id) => {
      const job = await this.aggregationJob(id);
      if (!job) return this.skip('close-contributions', id, GONE);
      if (job.status !== 'Collecting') return this.skip('close-contributions', id, `job is ${job.status}`);
      const next = await this.nextBlock();
      const expireNow = { action: 'expire', atBlock: next } as const;
      if (next > job.deadline) return this.skip('close-contributions', id, 'the deadline has passed', expireNow);
      const { received, valid } = await this.contributionCounts(job);
      const { participants, contributionDeadline } = job.kind;
      if (received < participants.length && next <= contributionDeadline) {
        return this.skip('close-contributions', id, `${received} of ${participants.length} contributed; closing after block ${contributionDeadline}`, {
          action: 'close-contributions',
          atBlock: contributionDeadline + 1,
        });
      }
      if (valid < this.minContributors) return this.skip('close-contributions', id, `too few valid contributions (${valid} of ${this.minContributors})`, expireNow);
      try {
        return await this.sendUnlessRaced('close-contributions', id, () => closeContributions(this.client, { jobId: id }, this.submitOptions()));
      } catch (error) {
        // a rejection landed after our count
        if (isModelproofError(error, 'ComputeJobs.TooFewContributions')) return this.skip('close-contributions', id, 'too few valid contributions', expireNow);
        throw error;
      }
    });
  }

  /** Rejects a contribution whose share for this committee member cannot be fetched or opened. */
  reportContribution(chainJobId: bigint | string, participant: string): Promise<SubmitOutcome> {
    return this.once(`report-${participant}`, chainJobId, async (id) => {
      const job = await this.aggregationJob(id);
      if (!job) return this.skip('report-contribution', id, GONE);
      if (!job.kind.committee.some((m) => sameAccount(m, this.address))) throw new PermanentError('ComputeJobs.NotCommitteeMember', `not in the committee of job ${id}`);
      if (!inReview(job, await this.nextBlock())) return this.skip('report-contribution', id, `job is ${job.status}: the review period is over`);
      const contribution = await getContribution(this.client, id, participant);
      if (contribution === null) return this.skip('report-contribution', id, `no contribution of ${participant}`);
      if (contribution.rejectedBy !== null) return this.skip('report-contribution', id, `already rejected by ${contribution.rejectedBy}`);
      return this.sendUnlessRaced('report-contribution', id, () => reportContribution(this.client, { jobId: id, participant }, this.submitOptions()));
    });
  }

  /**
   * Ends a job this worker holds a claim on once it is past its deadline or can no longer be
   * delivered, which releases the claim (a worker that delivered is never slashed). A job still
   * deliverable is left alone: `next` says when to look again.
   */
  expire(chainJobId: bigint | string): Promise<SubmitOutcome> {
    return this.once('expire', chainJobId, async (id) => {
      const job = await getJob(this.client, id);
      if (!job) return this.skip('expire', id, GONE);
      if (FINISHED_STATUSES.has(job.status)) return this.skip('expire', id, `job is ${job.status}`);
      if (!this.holdsClaim(job)) return this.skip('expire', id, 'this worker holds no claim on it');
      const next = await this.nextBlock();
      if (next <= job.deadline && !(await this.undeliverable(job, next))) {
        return this.skip('expire', id, 'the job can still be delivered', { action: 'expire', atBlock: nextExpiryCheck(job, next) });
      }
      return this.sendUnlessRaced('expire', id, () => expireJob(this.client, { jobId: id }, this.submitOptions()));
    });
  }

  private holdsClaim(job: Job): boolean {
    const mine = (m: string | null): boolean => sameAccount(m, this.address);
    return job.kind.type === 'Inference' ? mine(job.kind.worker) : job.kind.candidates.some(mine) || job.kind.committee.some(mine);
  }

  /** The runtime's rule (`expire_job` before the deadline) for an aggregation job that can no longer be delivered. */
  private async undeliverable(job: Job, now: number): Promise<boolean> {
    if (job.kind.type !== 'Aggregation') return false;
    const afterContributions = now > job.kind.contributionDeadline;
    if (job.status === 'Open') return afterContributions;
    if (job.status !== 'Collecting' && job.status !== 'Aggregating') return false;
    const { received, valid } = await this.contributionCounts(job as AggregationJob);
    const noMore = job.status === 'Aggregating' || received >= job.kind.participants.length || afterContributions;
    return noMore && valid < this.minContributors;
  }

  /** Contributions received and those nobody rejected. */
  private async contributionCounts(job: AggregationJob): Promise<{ received: number; valid: number }> {
    const received = await contributionsOf(this.client, job);
    return { received: received.length, valid: received.filter((c) => c.rejectedBy === null).length };
  }

  /** The job, `null` when it is gone; `Pipeline.WrongKind` for an inference job. */
  private async aggregationJob(id: bigint): Promise<AggregationJob | null> {
    const job = await getJob(this.client, id);
    if (job !== null && job.kind.type !== 'Aggregation') throw new PermanentError('Pipeline.WrongKind', `job ${id} is not an aggregation job`);
    return job as AggregationJob | null;
  }

  private submitOptions() {
    return { wait: this.wait, timeoutMs: this.timeoutMs };
  }

  private skip(action: string, id: bigint, reason: string, next?: SubmitOutcome['next']): SubmitOutcome {
    this.logger.info(action === 'claim' ? 'not claiming' : 'nothing to send', { action, chainJobId: String(id), reason, ...(next && { next }) });
    return { status: 'skipped', chainJobId: String(id), reason, ...(next && { next }) };
  }

  private nextBlock(): Promise<number> {
    return nextBlock(this.client);
  }

  /** The next block is past the job's deadline. */
  private async deadlinePassed(job: Job): Promise<boolean> {
    return (await this.nextBlock()) > job.deadline;
  }

  /** Posts; a dispatch error of the action's {@link BENIGN_RACES} is a skip, not a failure. */
  private async sendUnlessRaced(
    action: RacingAction,
    id: bigint,
    post: () => Promise<{ txHash: string; blockNumber: number }>,
    describe: (code: string) => string = (code) => `another transaction got there first (${code})`,
  ): Promise<SubmitOutcome> {
    const races = BENIGN_RACES[action];
    try {
      return await this.send(action, id, post, races);
    } catch (error) {
      if (isModelproofError(error) && races.includes(error.code)) return this.skip(action, id, describe(error.code));
      throw error;
    }
  }

  /** Posts; failures are logged as warnings unless their code is one of `expected`. */
  private async send(action: string, id: bigint, post: () => Promise<{ txHash: string; blockNumber: number }>, expected: readonly string[] = []): Promise<SubmitOutcome> {
    this.metrics.inflightTransactions.inc();
    try {
      const receipt = await post();
      this.logger.info('transaction included', { action, chainJobId: String(id), txHash: receipt.txHash, blockNumber: receipt.blockNumber });
      return { status: 'submitted', chainJobId: String(id), txHash: receipt.txHash, blockNumber: receipt.blockNumber };
    } catch (error) {
      if (isModelproofError(error) && !expected.includes(error.code)) this.logger.warn('transaction failed', { action, chainJobId: String(id), code: error.code, reason: error.message });
      throw error;
    } finally {
      this.metrics.inflightTransactions.dec();
    }
  }

  private once(action: string, chainJobId: bigint | string, run: (id: bigint) => Promise<SubmitOutcome>): Promise<SubmitOutcome> {
    const key = `${action}-${chainJobId}`;
    const existing = this.pending.get(key);
    if (existing) return existing;
    const promise = run(BigInt(chainJobId)).finally(() => this.pending.delete(key));
    this.pending.set(key, promise);
    return promise;
  }
}

/** When an aggregation job still deliverable in block `next` could next become undeliverable, or else its deadline passes. */
function nextExpiryCheck(job: Job, next: number): number {
  if (job.kind.type === 'Aggregation' && (job.status === 'Open' || job.status === 'Collecting') && next <= job.kind.contributionDeadline) {
    return job.kind.contributionDeadline + 1;
  }
  return job.deadline + 1;
}
