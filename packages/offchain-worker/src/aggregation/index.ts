/**
 * Secure-aggregation jobs in the pipeline: the committee protocol, driven by finalized events and
 * the block scheduler (`../scheduler`), so that a committee member always has a way to deliver or
 * to end the job without a slash.
 *
 * (A submitted job is vetted — reward per seat, the candidacy rule — and claimed by
 * `../vetting`: for an aggregation job the claim is a candidacy.)
 *
 * - `JobClaimed` by this worker: `form-committee` scheduled at `candidacyEnd + 2` (any candidate
 *   may draw the committee) and `expire` after the contribution deadline (a committee never
 *   formed fails the job and releases the candidacy; a deliverable job reschedules it after the
 *   deadline);
 * - `CommitteeFormed` with this worker: every contribution already there is reviewed, and
 *   `close-contributions` is scheduled after the contribution deadline;
 * - `ContributionReceived` for a job of ours: the contribution is reviewed (`review-<jobId>-<participant>`:
 *   can this member fetch and open its share?); the last participant's closes contributions at once;
 * - `ContributionsClosed` for our committee: `aggregate` scheduled at `reviewEnd + 1`, when it
 *   starts `aggregation-<jobId>` (partial sums are accepted only after the review period).
 *
 * A contribution this member cannot open is the participant's fault (`Job.BadContribution`, or a
 * manifest / share CID that is not a CID or is too large): `report-contribution` rejects it, and
 * the partial sum leaves it out. A share that cannot be fetched (`Ipfs.NotFound`,
 * `Ipfs.Timeout`) is retried while contributions are collected, and rejected on the last attempt
 * or once the review period runs, since a member that cannot sum every valid contribution cannot
 * deliver. An IPFS node of our own that is unreachable is our trouble: retried, never held
 * against the participant.
 */
import type { Job as QueueJob } from 'bullmq';

import { type DecodedEvent, type ModelproofClient, getContribution, getJob, isModelproofError } from '@modelproof/sdk';
import type { Ipfs } from '@modelproof/sdk/ipfs';
import { checkContribution } from '@modelproof/sdk/jobs';

import type { BlockHandler } from '../listener/index.js';
import type { Logger } from '../log/index.js';
import { classifyAggregationError, limitedStore } from '../processors/aggregation.js';
import { type AggregationJob, contributionsOf, inReview, nextBlock, sameAccount } from '../protocol/index.js';
import type { PipelineQueues, ReviewJobData } from '../queues/index.js';
import type { BlockScheduler, ScheduledEntry } from '../scheduler/index.js';

/** Share downloads a retry may still get: the content may not have reached our node yet. */
const UNFETCHABLE = new Set(['Ipfs.NotFound', 'Ipfs.Timeout']);
/** Download failures that are the contribution's own: a CID that is not one, content larger than any share. */
const MALFORMED = new Set(['Ipfs.InvalidCid', 'Ipfs.TooLarge']);

export interface AggregationFlowOptions {
  client: ModelproofClient;
  queues: PipelineQueues;
  scheduler: BlockScheduler;
  ipfs: Pick<Ipfs, 'add' | 'cat'>;
  /** This worker's account (SS58) and X25519 secret key (shares are sealed to its public key). */
  address: string;
  x25519SecretKey: Uint8Array;
  /** The runtime's `ComputeJobs.MinContributors`. */
  minContributors: number;
  /** Deadline of each chain query and IPFS download, ms; size limit of a download. */
  limits: { fetchTimeoutMs: number; maxBytes: number };
  logger: Logger;
}

/** What a review concluded. */
export interface ReviewOutcome {
  verdict: 'opens' | 'reported' | 'skipped';
  reason?: string;
}

export class AggregationFlow implements BlockHandler {
  private readonly log: Logger;

  constructor(private readonly o: AggregationFlowOptions) {
    this.log = o.logger;
  }

  async onEvent(event: DecodedEvent, block: number): Promise<void> {
    const chainJobId = String(event.data['jobId']);
    switch (event.method) {
      case 'JobClaimed':
        if (sameAccount(event.data['worker'] as string, this.o.address)) await this.applied(chainJobId, block);
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

  /**
   * The scheduled `aggregate` action: the review period is over, this member's partial sum can be
   * computed — unless rejections left fewer than `MinContributors` valid contributions, when the
   * job can only be expired (no slash: nobody could deliver).
   */
  async startAggregation(entry: ScheduledEntry): Promise<void> {
    const { chainJobId, atBlock } = entry;
    const job = await this.ourJob(chainJobId);
    if (job === null || job.status !== 'Aggregating') return;
    const valid = (await this.contributions(job)).filter((c) => c.rejectedBy === null).length;
    if (valid < this.o.minContributors) {
      await this.o.scheduler.reschedule('expire', chainJobId, atBlock);
      this.log.info('too few valid contributions to aggregate; expiring the job', { chainJobId, valid, minContributors: this.o.minContributors });
      return;
    }
    await this.o.queues.addAggregation({
      chainJobId,
      kind: 'aggregation',
      committee: job.kind.committee,
      memberIndex: job.kind.committee.findIndex((m) => this.isMe(m)),
      contributors: valid,
      deadline: job.deadline,
      block: atBlock,
    });
    this.log.info('aggregation job queued', { chainJobId, block: atBlock });
  }

  /** The `review` queue's processor: checks that this member can open its share of one contribution. */
  async review(job: QueueJob<ReviewJobData>): Promise<ReviewOutcome> {
    const { chainJobId, participant } = job.data;
    const chainJob = await this.ourJob(chainJobId);
    if (chainJob === null) return { verdict: 'skipped', reason: 'not a job of this committee (or pruned)' };
    if (!inReview(chainJob, await nextBlock(this.o.client))) return { verdict: 'skipped', reason: 'the review period is over' };
    const contribution = await getContribution(this.o.client, BigInt(chainJobId), participant);
    if (contribution === null || contribution.rejectedBy !== null) return { verdict: 'skipped', reason: 'no contribution to review' };
    try {
      await checkContribution(
        this.o.client,
        limitedStore(this.o.ipfs, this.o.limits),
        { jobId: BigInt(chainJobId), participant, member: this.o.address, memberSecretKey: this.o.x25519SecretKey },
        { timeoutMs: this.o.limits.fetchTimeoutMs },
      );
      return { verdict: 'opens' };
    } catch (error) {
      if (!isModelproofError(error)) throw classifyAggregationError(error);
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const rejectable =
        error.code === 'Job.BadContribution' || MALFORMED.has(error.code) || (UNFETCHABLE.has(error.code) && (lastAttempt || chainJob.status === 'Aggregating'));
      if (!rejectable) throw classifyAggregationError(error);
      await this.o.queues.addSubmit({ action: 'report-contribution', chainJobId, kind: 'aggregation', participant, why: error.message });
      this.log.info('contribution cannot be opened; rejecting it', { chainJobId, participant, code: error.code, reason: error.message });
      return { verdict: 'reported', reason: error.message };
    }
  }

  private async applied(chainJobId: string, block: number): Promise<void> {
    const job = await getJob(this.o.client, BigInt(chainJobId));
    if (job === null || job.kind.type !== 'Aggregation') return;
    if (job.status === 'Open') await this.o.scheduler.schedule('form-committee', chainJobId, job.kind.candidacyEnd + 2);
    await this.o.scheduler.schedule('expire', chainJobId, job.kind.contributionDeadline + 1);
    this.log.info('applied for a committee seat', { chainJobId, block, candidacyEnd: job.kind.candidacyEnd });
  }

  private async seated(chainJobId: string, block: number): Promise<void> {
    this.log.info('in the committee of an aggregation job', { chainJobId, block });
    const job = await this.ourJob(chainJobId);
    if (job === null) return;
    const contributions = await this.contributions(job);
    for (const c of contributions) await this.o.queues.addReview({ chainJobId, kind: 'aggregation', participant: c.participant, block });
    await this.scheduleClose(job, contributions.length, block);
  }

  private async contributed(chainJobId: string, participant: string, block: number): Promise<void> {
    const job = await this.ourJob(chainJobId);
    if (job === null) return;
    await this.o.queues.addReview({ chainJobId, kind: 'aggregation', participant, block });
    await this.scheduleClose(job, (await this.contributions(job)).length, block);
  }

  private async closed(chainJobId: string, reviewEnd: number, block: number): Promise<void> {
    if ((await this.ourJob(chainJobId)) === null) return;
    await this.o.scheduler.schedule('aggregate', chainJobId, reviewEnd + 1);
    this.log.info('contributions closed; aggregating after the review period', { chainJobId, block, reviewEnd });
  }

  /** Contributions close once every participant contributed, else after the contribution deadline. */
  private async scheduleClose(job: AggregationJob, received: number, block: number): Promise<void> {
    const allIn = received >= job.kind.participants.length;
    await this.o.scheduler.schedule('close-contributions', job.id, allIn ? block : job.kind.contributionDeadline + 1);
  }

  /** The aggregation job if this worker sits on its committee, else `null`. */
  private async ourJob(chainJobId: string): Promise<AggregationJob | null> {
    const job = await getJob(this.o.client, BigInt(chainJobId));
    if (job === null || job.kind.type !== 'Aggregation' || !job.kind.committee.some((m) => this.isMe(m))) return null;
    return job as AggregationJob;
  }

  private contributions(job: AggregationJob) {
    return contributionsOf(this.o.client, job);
  }

  private isMe(account: string): boolean {
    return sameAccount(account, this.o.address);
  }
}
