/**
 * The `aggregation` kind: secure aggregation (SMPC) by a committee of workers. The committee
 * protocol is driven by finalized events and the block scheduler (`../../scheduler`), so that a
 * committee member always has a way to deliver or to end the job without a slash.
 *
 * - Vetting (before a claim, which for this kind is a candidacy): the reward per committee seat
 *   is at least `jobs.minReward`, and the candidacy rule lets this worker apply (during the
 *   candidacy period, or later while there are fewer candidates than seats, before the
 *   contribution deadline);
 * - `JobClaimed` by this worker: `form-committee` scheduled at `candidacyEnd + 2` (any candidate
 *   may draw the committee) and `expire` after the contribution deadline (a committee never
 *   formed fails the job and releases the candidacy; a deliverable job reschedules it after the
 *   deadline);
 * - `CommitteeFormed` with this worker: every contribution already there is reviewed, and
 *   `close-contributions` is scheduled after the contribution deadline;
 * - `ContributionReceived` for a job of ours: the contribution is reviewed (`review-<jobId>-<participant>`:
 *   can this member fetch and open its share?); the last participant's closes contributions at once;
 * - `ContributionsClosed` for our committee: `aggregate` scheduled at `reviewEnd + 1`, when it
 *   starts `aggregation-<jobId>` (sandboxed processor: `./processor.ts`; partial sums are
 *   accepted only after the review period), whose result is posted as `partial`.
 *
 * Its transactions, and what claim, hand-back and expire mean for it, are in `./submit.ts`.
 *
 * A contribution this member cannot open is the participant's fault (`Job.BadContribution`, or a
 * manifest / share CID that is not a CID or is too large): `report-contribution` rejects it, and
 * the partial sum leaves it out. A share that cannot be fetched (`Ipfs.NotFound`,
 * `Ipfs.Timeout`) is retried while contributions are collected, and rejected on the last attempt
 * or once the review period runs, since a member that cannot sum every valid contribution cannot
 * deliver. An IPFS node of our own that is unreachable is our trouble: retried, never held
 * against the participant.
 */
import { fileURLToPath } from 'node:url';

import type { Job as QueueJob } from 'bullmq';

import { type DecodedEvent, type Job, getContribution, getJob, isModelproofError } from '@modelproof/sdk';
import { checkContribution } from '@modelproof/sdk/jobs';

import { type AggregationJob, candidacyClosed, contributionsOf, inReview, nextBlock, sameAccount } from '../../protocol/index.js';
import type { AggregationJobData, AggregationResult, ReviewJobData } from '../../queues/index.js';
import type { ScheduledEntry } from '../../scheduler/index.js';
import type { SubmitOutcome } from '../../submitter/index.js';
import type { InProcessQueue, JobKindModule, KindRuntime, KindServices, KindSubmitData, Verdict } from '../types.js';
import { classifyAggregationError, limitedStore } from './processor.js';
import { aggregationRules, checkAggregationResult, postCloseContributions, postFormCommittee, postPartial, postReportContribution } from './submit.js';

export { aggregationRules, checkAggregationResult, postCloseContributions, postFormCommittee, postPartial, postReportContribution } from './submit.js';

/** Share downloads a retry may still get: the content may not have reached our node yet. */
const UNFETCHABLE = new Set(['Ipfs.NotFound', 'Ipfs.Timeout']);
/** Download failures that are the contribution's own: a CID that is not one, content larger than any share. */
const MALFORMED = new Set(['Ipfs.InvalidCid', 'Ipfs.TooLarge']);

/** The submit-queue jobs of this kind. */
export type AggregationSubmission =
  | { action: 'partial'; chainJobId: string; kind: 'aggregation'; result: AggregationResult; startedAt: number }
  | { action: 'report-contribution'; chainJobId: string; kind: 'aggregation'; participant: string; why: string }
  | { action: 'form-committee' | 'close-contributions'; chainJobId: string; kind: 'aggregation'; atBlock: number };

/** What a review concluded. */
export interface ReviewOutcome {
  verdict: 'opens' | 'reported' | 'skipped';
  reason?: string;
}

class AggregationRuntime implements KindRuntime {
  readonly inProcessQueues: readonly InProcessQueue[];
  private readonly log: KindServices['logger'];
  private readonly fetchLimits: { fetchTimeoutMs: number; maxBytes: number };

  constructor(private readonly s: KindServices) {
    this.log = s.logger;
    this.fetchLimits = { fetchTimeoutMs: s.config.ipfs.fetchTimeoutMs, maxBytes: s.config.ipfs.maxModelBytes };
    this.inProcessQueues = [{ queue: 'review', process: (job) => this.review(job as QueueJob<ReviewJobData>), concurrency: s.config.queue.concurrency.aggregation }];
  }

  async onEvent(event: DecodedEvent, block: number): Promise<void> {
    const chainJobId = String(event.data['jobId']);
    switch (event.method) {
      case 'JobClaimed':
        if (this.isMe(event.data['worker'] as string)) await this.applied(chainJobId, block);
        return;
      case 'CommitteeFormed':
        if ((event.data['committee'] as string[]).some((m) => this.isMe(m))) await this.seated(chainJobId, block);
        return;
      case 'ContributionReceived':
        await this.contributed(chainJobId, String(event.data['participant']), block);
        return;
      case 'ContributionsClosed':
        await this.closed(chainJobId, Number(event.data['reviewEnd']), block);
        return;
      default:
        return;
    }
  }

  async vet(job: Job, head: number): Promise<Verdict> {
    if (job.kind.type !== 'Aggregation') return { claim: false, reason: 'job-not-open', detail: 'not an aggregation job' };
    const minReward = BigInt(this.s.config.jobs.minReward);
    const seats = BigInt(Math.max(1, job.kind.committeeSize));
    if (job.reward / seats < minReward) {
      return { claim: false, reason: 'reward-too-low', detail: `reward ${job.reward} over ${seats} seats is below jobs.minReward ${minReward} per seat` };
    }
    const closed = candidacyClosed(job as AggregationJob, head + 1);
    return closed === undefined ? { claim: true } : { claim: false, reason: 'candidacy-closed', detail: closed };
  }

  resultSubmission(processorJob: QueueJob<AggregationJobData>, result: unknown): AggregationSubmission {
    return { action: 'partial', chainJobId: processorJob.data.chainJobId, kind: 'aggregation', result: checkAggregationResult(result), startedAt: processorJob.timestamp };
  }

  submit(data: KindSubmitData): Promise<SubmitOutcome> {
    const submission = data as AggregationSubmission;
    const { submitter } = this.s;
    switch (submission.action) {
      case 'partial':
        return postPartial(submitter, submission.chainJobId, submission.result);
      case 'report-contribution':
        return postReportContribution(submitter, submission.chainJobId, submission.participant);
      case 'form-committee':
        return postFormCommittee(submitter, submission.chainJobId);
      case 'close-contributions':
        return postCloseContributions(submitter, submission.chainJobId);
    }
  }

  /**
   * The scheduled `aggregate` action: the review period is over, this member's partial sum can be
   * computed — unless rejections left fewer than `MinContributors` valid contributions, when the
   * job can only be expired (no slash: nobody could deliver).
   */
  async scheduled(entry: ScheduledEntry): Promise<void> {
    const { chainJobId, atBlock } = entry;
    const job = await this.ourJob(chainJobId);
    if (job === null || job.status !== 'Aggregating') return;
    const valid = (await this.contributions(job)).filter((c) => c.rejectedBy === null).length;
    const { minContributors } = this.s.limits;
    if (valid < minContributors) {
      await this.s.scheduler.reschedule('expire', chainJobId, atBlock);
      this.log.info('too few valid contributions to aggregate; expiring the job', { chainJobId, valid, minContributors });
      return;
    }
    await this.s.queues.addAggregation({ chainJobId, kind: 'aggregation', block: atBlock });
    this.log.info('aggregation job queued', { chainJobId, block: atBlock });
  }

  /** The `review` queue's processor: checks that this member can open its share of one contribution. */
  async review(job: QueueJob<ReviewJobData>): Promise<ReviewOutcome> {
    const { chainJobId, participant } = job.data;
    const chainJob = await this.ourJob(chainJobId);
    if (chainJob === null) return { verdict: 'skipped', reason: 'not a job of this committee (or pruned)' };
    if (!inReview(chainJob, await nextBlock(this.s.client))) return { verdict: 'skipped', reason: 'the review period is over' };
    const contribution = await getContribution(this.s.client, BigInt(chainJobId), participant);
    if (contribution === null || contribution.rejectedBy !== null) return { verdict: 'skipped', reason: 'no contribution to review' };
    try {
      await checkContribution(
        this.s.client,
        limitedStore(this.s.ipfs, this.fetchLimits),
        { jobId: BigInt(chainJobId), participant, member: this.s.address, memberSecretKey: this.s.x25519SecretKey },
        { timeoutMs: this.fetchLimits.fetchTimeoutMs },
      );
      return { verdict: 'opens' };
    } catch (error) {
      if (!isModelproofError(error)) throw classifyAggregationError(error);
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const rejectable =
        error.code === 'Job.BadContribution' || MALFORMED.has(error.code) || (UNFETCHABLE.has(error.code) && (lastAttempt || chainJob.status === 'Aggregating'));
      if (!rejectable) throw classifyAggregationError(error);
      await this.s.queues.addSubmit({ action: 'report-contribution', chainJobId, kind: 'aggregation', participant, why: error.message });
      this.log.info('contribution cannot be opened; rejecting it', { chainJobId, participant, code: error.code, reason: error.message });
      return { verdict: 'reported', reason: error.message };
    }
  }

  private async applied(chainJobId: string, block: number): Promise<void> {
    const job = await getJob(this.s.client, BigInt(chainJobId));
    if (job === null || job.kind.type !== 'Aggregation') return;
    if (job.status === 'Open') await this.s.scheduler.schedule('form-committee', chainJobId, job.kind.candidacyEnd + 2);
    await this.s.scheduler.schedule('expire', chainJobId, job.kind.contributionDeadline + 1);
    this.log.info('applied for a committee seat', { chainJobId, block, candidacyEnd: job.kind.candidacyEnd });
  }

  private async seated(chainJobId: string, block: number): Promise<void> {
    this.log.info('in the committee of an aggregation job', { chainJobId, block });
    const job = await this.ourJob(chainJobId);
    if (job === null) return;
    const contributions = await this.contributions(job);
    for (const c of contributions) await this.s.queues.addReview({ chainJobId, kind: 'aggregation', participant: c.participant, block });
    await this.scheduleClose(job, contributions.length, block);
  }

  private async contributed(chainJobId: string, participant: string, block: number): Promise<void> {
    const job = await this.ourJob(chainJobId);
    if (job === null) return;
    await this.s.queues.addReview({ chainJobId, kind: 'aggregation', participant, block });
    await this.scheduleClose(job, (await this.contributions(job)).length, block);
  }

  private async closed(chainJobId: string, reviewEnd: number, block: number): Promise<void> {
    if ((await this.ourJob(chainJobId)) === null) return;
    await this.s.scheduler.schedule('aggregate', chainJobId, reviewEnd + 1);
    this.log.info('contributions closed; aggregating after the review period', { chainJobId, block, reviewEnd });
  }

  /** Contributions close once every participant contributed, else after the contribution deadline. */
  private async scheduleClose(job: AggregationJob, received: number, block: number): Promise<void> {
    const allIn = received >= job.kind.participants.length;
    await this.s.scheduler.schedule('close-contributions', job.id, allIn ? block : job.kind.contributionDeadline + 1);
  }

  /** The aggregation job if this worker sits on its committee, else `null`. */
  private async ourJob(chainJobId: string): Promise<AggregationJob | null> {
    const job = await getJob(this.s.client, BigInt(chainJobId));
    if (job === null || job.kind.type !== 'Aggregation' || !job.kind.committee.some((m) => this.isMe(m))) return null;
    return job as AggregationJob;
  }

  private contributions(job: AggregationJob) {
    return contributionsOf(this.s.client, job);
  }

  private isMe(account: string): boolean {
    return sameAccount(account, this.s.address);
  }
}

export const aggregationKind: JobKindModule<'aggregation'> = {
  name: 'aggregation',
  chainType: 'Aggregation',
  processorFile: () => fileURLToPath(new URL('./sandbox-entry.js', import.meta.url)),
  concurrency: (config) => config.queue.concurrency.aggregation,
  actions: ['partial', 'report-contribution', 'form-committee', 'close-contributions'],
  scheduledActions: ['aggregate'],
  rules: aggregationRules,
  create: (services) => new AggregationRuntime(services),
};
