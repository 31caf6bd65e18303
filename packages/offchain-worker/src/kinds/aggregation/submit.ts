/**
 * The transactions of the `aggregation` kind, each posted only after reading chain state (a
 * retried job never posts twice; a benign race is a skip):
 *
 * - partial: contributions closed, the review period over, this worker in the committee, its
 *   partial not yet stored;
 * - form-committee: from `candidacyEnd + 2`, enough candidates, before the contribution deadline;
 * - close-contributions: all participants contributed or the contribution deadline passed, and at
 *   least `MinContributors` valid contributions (fewer: the job can only be expired);
 * - report-contribution: a committee member, while collecting or until `reviewEnd`, the
 *   contribution there and not rejected yet.
 *
 * Also the kind's {@link aggregationRules} for the shared claim, hand-back and expire.
 */
import {
  type Job,
  closeContributions,
  formCommittee,
  getContribution,
  getJob,
  getPartial,
  isModelproofError,
  reportContribution,
  submitPartial,
} from '@modelproof/sdk';

import { type AggregationJob, FINISHED_STATUSES, candidacyClosed, contributionsOf, inReview, sameAccount } from '../../protocol/index.js';
import { type AggregationResult, PermanentError, TransientError } from '../../queues/index.js';
import type { SubmitOutcome, Submitter } from '../../submitter/index.js';
import type { ClaimRules } from '../types.js';

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const GONE = 'the job is no longer on chain (pruned)';

/** Dispatch errors that only mean another committee member got there first. */
const BENIGN_RACES = {
  'form-committee': ['ComputeJobs.CommitteeFull', 'ComputeJobs.JobFinished', 'ComputeJobs.NotEnoughCandidates', 'ComputeJobs.SeedExpired'],
  'close-contributions': ['ComputeJobs.ContributionsClosed', 'ComputeJobs.JobFinished'],
  'report-contribution': ['ComputeJobs.AlreadyRejected', 'ComputeJobs.ReviewOver', 'ComputeJobs.JobFinished'],
} as const;

/** Checks a processor's aggregation result. */
export function checkAggregationResult(value: unknown): AggregationResult {
  const r = value as Partial<AggregationResult> | null;
  if (!r || typeof r.partialCid !== 'string' || r.partialCid.length === 0) throw new PermanentError('Pipeline.InvalidResult', 'aggregation result: partialCid missing');
  if (typeof r.partialDigest !== 'string' || !HEX32.test(r.partialDigest)) throw new PermanentError('Pipeline.InvalidResult', 'aggregation result: partialDigest must be 0x-hex of 32 bytes');
  return { partialCid: r.partialCid, partialDigest: r.partialDigest };
}

/** Contributions received and those nobody rejected. */
async function contributionCounts(submitter: Submitter, job: AggregationJob): Promise<{ received: number; valid: number }> {
  const received = await contributionsOf(submitter.client, job);
  return { received: received.length, valid: received.filter((c) => c.rejectedBy === null).length };
}

/** The job, `null` when it is gone; `Pipeline.WrongKind` for an inference job. */
async function aggregationJob(submitter: Submitter, id: bigint): Promise<AggregationJob | null> {
  const job = await getJob(submitter.client, id);
  if (job !== null && job.kind.type !== 'Aggregation') throw new PermanentError('Pipeline.WrongKind', `job ${id} is not an aggregation job`);
  return job as AggregationJob | null;
}

const inCommittee = (job: AggregationJob, me: string): boolean => job.kind.committee.some((m) => sameAccount(m, me));

/** Posts this committee member's partial sum unless it is already stored; only after the review period. */
export function postPartial(submitter: Submitter, chainJobId: bigint | string, result: AggregationResult): Promise<SubmitOutcome> {
  return submitter.once('partial', chainJobId, async (id) => {
    const checked = checkAggregationResult(result);
    const job = await aggregationJob(submitter, id);
    if (!job) throw new PermanentError('Pipeline.UnknownJob', `job ${id} does not exist`);
    if (!inCommittee(job, submitter.address)) throw new PermanentError('ComputeJobs.NotCommitteeMember', `not in the committee of job ${id}`);
    if (job.status === 'Completed') return { status: 'already-submitted', chainJobId: String(id) };
    if ((await getPartial(submitter.client, id, submitter.address)) !== null) return { status: 'already-submitted', chainJobId: String(id) };
    if (job.status !== 'Aggregating') throw new PermanentError('ComputeJobs.ContributionsNotClosed', `job ${id} is ${job.status}`);
    const reviewEnd = job.kind.reviewEnd ?? Number.MAX_SAFE_INTEGER;
    const next = await submitter.nextBlock();
    if (next <= reviewEnd) throw new TransientError('ComputeJobs.ReviewNotOver', `job ${id}: partial sums are accepted after block ${reviewEnd}`);
    if (next > job.deadline) throw new PermanentError('ComputeJobs.DeadlinePassed', `job ${id} is past its deadline (block ${job.deadline})`);
    const { valid } = await contributionCounts(submitter, job);
    if (valid < submitter.minContributors) return submitter.skip('partial', id, `too few valid contributions (${valid} of ${submitter.minContributors})`, { action: 'expire', atBlock: next });
    return submitter.post('partial', id, () => submitPartial(submitter.client, { jobId: id, partialCid: checked.partialCid, partialDigest: checked.partialDigest }, submitter.txOptions()));
  });
}

/** Draws the committee of an aggregation job among its candidates (anyone may, from `candidacyEnd + 2`). */
export function postFormCommittee(submitter: Submitter, chainJobId: bigint | string): Promise<SubmitOutcome> {
  return submitter.once('form-committee', chainJobId, async (id) => {
    const job = await aggregationJob(submitter, id);
    if (!job) return submitter.skip('form-committee', id, GONE);
    if (job.status !== 'Open') return submitter.skip('form-committee', id, FINISHED_STATUSES.has(job.status) ? `job is ${job.status}` : 'the committee is already formed');
    const { candidacyEnd, contributionDeadline, candidates, committeeSize } = job.kind;
    const next = await submitter.nextBlock();
    if (next < candidacyEnd + 2) return submitter.skip('form-committee', id, `too early: the draw is possible from block ${candidacyEnd + 2}`, { action: 'form-committee', atBlock: candidacyEnd + 2 });
    if (next > contributionDeadline) return submitter.skip('form-committee', id, 'the contribution deadline has passed', { action: 'expire', atBlock: next });
    // Late applicants fill an undersubscribed committee by themselves: no draw is needed then.
    if (candidates.length < committeeSize) return submitter.skip('form-committee', id, `not enough candidates (${candidates.length} of ${committeeSize})`);
    return submitter.postUnlessRaced('form-committee', id, () => formCommittee(submitter.client, { jobId: id }, submitter.txOptions()), BENIGN_RACES['form-committee']);
  });
}

/**
 * Fixes the contributor set of an aggregation job once all participants contributed or the
 * contribution deadline passed. With fewer than `MinContributors` valid contributions the job
 * can only fail: the outcome's `next` is `expire`.
 */
export function postCloseContributions(submitter: Submitter, chainJobId: bigint | string): Promise<SubmitOutcome> {
  return submitter.once('close-contributions', chainJobId, async (id) => {
    const job = await aggregationJob(submitter, id);
    if (!job) return submitter.skip('close-contributions', id, GONE);
    if (job.status !== 'Collecting') return submitter.skip('close-contributions', id, `job is ${job.status}`);
    const next = await submitter.nextBlock();
    const expireNow = { action: 'expire', atBlock: next } as const;
    if (next > job.deadline) return submitter.skip('close-contributions', id, 'the deadline has passed', expireNow);
    const { received, valid } = await contributionCounts(submitter, job);
    const { participants, contributionDeadline } = job.kind;
    if (received < participants.length && next <= contributionDeadline) {
      return submitter.skip('close-contributions', id, `${received} of ${participants.length} contributed; closing after block ${contributionDeadline}`, {
        action: 'close-contributions',
        atBlock: contributionDeadline + 1,
      });
    }
    if (valid < submitter.minContributors) return submitter.skip('close-contributions', id, `too few valid contributions (${valid} of ${submitter.minContributors})`, expireNow);
    try {
      return await submitter.postUnlessRaced('close-contributions', id, () => closeContributions(submitter.client, { jobId: id }, submitter.txOptions()), BENIGN_RACES['close-contributions']);
    } catch (error) {
      // a rejection landed after our count
      if (isModelproofError(error, 'ComputeJobs.TooFewContributions')) return submitter.skip('close-contributions', id, 'too few valid contributions', expireNow);
      throw error;
    }
  });
}

/** Rejects a contribution whose share for this committee member cannot be fetched or opened. */
export function postReportContribution(submitter: Submitter, chainJobId: bigint | string, participant: string): Promise<SubmitOutcome> {
  return submitter.once(`report-${participant}`, chainJobId, async (id) => {
    const job = await aggregationJob(submitter, id);
    if (!job) return submitter.skip('report-contribution', id, GONE);
    if (!inCommittee(job, submitter.address)) throw new PermanentError('ComputeJobs.NotCommitteeMember', `not in the committee of job ${id}`);
    if (!inReview(job, await submitter.nextBlock())) return submitter.skip('report-contribution', id, `job is ${job.status}: the review period is over`);
    const contribution = await getContribution(submitter.client, id, participant);
    if (contribution === null) return submitter.skip('report-contribution', id, `no contribution of ${participant}`);
    if (contribution.rejectedBy !== null) return submitter.skip('report-contribution', id, `already rejected by ${contribution.rejectedBy}`);
    return submitter.postUnlessRaced('report-contribution', id, () => reportContribution(submitter.client, { jobId: id, participant }, submitter.txOptions()), BENIGN_RACES['report-contribution']);
  });
}

const holdsClaim = (me: string, job: Job): boolean =>
  job.kind.type === 'Aggregation' && (job.kind.candidates.some((m) => sameAccount(m, me)) || job.kind.committee.some((m) => sameAccount(m, me)));

/** What claim, hand-back and expire mean for an aggregation job: a candidacy, then a committee seat. */
export const aggregationRules: ClaimRules = {
  holdsClaim,
  async claimBlocker(_submitter, job, next) {
    if (job.kind.type !== 'Aggregation') return 'not an aggregation job';
    return candidacyClosed(job as AggregationJob, next);
  },
  handBackBlocker(me, job) {
    if (job.kind.type !== 'Aggregation') return 'not an aggregation job';
    if (job.kind.committee.some((m) => sameAccount(m, me))) return 'a committee member cannot hand back';
    return job.kind.candidates.some((m) => sameAccount(m, me)) ? undefined : 'not a candidate';
  },
  /** The runtime's rule (`expire_job` before the deadline) for an aggregation job that can no longer be delivered. */
  async undeliverable(submitter, job, now) {
    if (job.kind.type !== 'Aggregation') return false;
    const afterContributions = now > job.kind.contributionDeadline;
    if (job.status === 'Open') return afterContributions;
    if (job.status !== 'Collecting' && job.status !== 'Aggregating') return false;
    const { received, valid } = await contributionCounts(submitter, job as AggregationJob);
    const noMore = job.status === 'Aggregating' || received >= job.kind.participants.length || afterContributions;
    return noMore && valid < submitter.minContributors;
  },
  /** When a job still deliverable in block `next` could next become undeliverable, or else its deadline passes. */
  nextExpiryCheck(job, next) {
    if (job.kind.type === 'Aggregation' && (job.status === 'Open' || job.status === 'Collecting') && next <= job.kind.contributionDeadline) {
      return job.kind.contributionDeadline + 1;
    }
    return job.deadline + 1;
  },
};
