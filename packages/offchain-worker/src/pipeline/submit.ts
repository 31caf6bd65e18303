/**
 * The `submit` queue's processor: runs one action — a shared one through the submitter, a kind's
 * own through its module (`../kinds`) — then
 *
 * - hands the outcome's `next` (an action that could not be done yet, or one it leads to) to the
 *   block scheduler;
 * - records the dead letter of an inference job once its hand-back settled;
 * - for a claim, first: no claims while the bond is below the minimum; an inference claim waits
 *   while this worker holds as many jobs as it proves at once, and any claim waits while the
 *   worker holds `MaxOpenClaims` (the claim is put back for `claimRetryMs` as long as the job
 *   stays claimable), so idle workers get the backlog.
 */
import { DelayedError, type Job } from 'bullmq';

import { isModelproofError } from '@modelproof/sdk';

import type { BondMonitor } from '../bond/index.js';
import { type JobKind, type KindRuntime, type KindSubmitData, kindOfAction } from '../kinds/index.js';
import type { Logger } from '../log/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import { PermanentError, type SubmitJobData, toQueueError } from '../queues/index.js';
import type { BlockScheduler } from '../scheduler/index.js';
import type { SubmitOutcome, Submitter } from '../submitter/index.js';
import type { ClaimVetting } from '../vetting/index.js';
import type { ClaimCapacity } from './capacity.js';
import type { DeadLetters } from './dead-letters.js';

export interface SubmitRunnerOptions {
  submitter: Submitter;
  capacity: ClaimCapacity;
  bond: BondMonitor;
  scheduler: BlockScheduler;
  vetting: ClaimVetting;
  deadLetters: DeadLetters;
  /** The running kinds, by name: they post their own actions. */
  kinds: Partial<Record<JobKind, KindRuntime>>;
  metrics: WorkerMetrics;
  logger: Logger;
  /** How soon a deferred claim is tried again, ms. */
  claimRetryMs: number;
}

export class SubmitRunner {
  constructor(private readonly o: SubmitRunnerOptions) {}

  /** The BullMQ processor function. */
  readonly process = async (job: Job<SubmitJobData>, token?: string): Promise<SubmitOutcome> => {
    const data = job.data;
    try {
      const outcome = await this.act(job, token);
      if (outcome.next) await this.o.scheduler.reschedule(outcome.next.action, data.chainJobId, outcome.next.atBlock);
      if (data.action === 'hand-back') {
        await this.o.deadLetters.handBackSettled(data.chainJobId, data.failure, data.reason, {
          handedBack: outcome.status === 'submitted',
          ...(outcome.reason !== undefined && { detail: outcome.reason }),
        });
      }
      return outcome;
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      throw toQueueError(error);
    }
  };

  private async act(job: Job<SubmitJobData>, token: string | undefined): Promise<SubmitOutcome> {
    const s = this.o.submitter;
    const data = job.data;
    switch (data.action) {
      case 'claim':
        return this.claim(job, token, data.chainJobId, data.kind);
      case 'hand-back':
        return s.handBack(data.chainJobId, data.reason);
      case 'expire':
        return s.expire(data.chainJobId);
      default:
        return this.kindAction(data);
    }
  }

  /** One of a kind's own actions; one that posts a processor's result (`startedAt`) is timed as the job's duration. */
  private async kindAction(data: KindSubmitData & { startedAt?: number }): Promise<SubmitOutcome> {
    const module = kindOfAction(data.action);
    const kind = module && this.o.kinds[module.name as JobKind];
    if (!kind) throw new PermanentError('Pipeline.UnknownAction', `no job kind served here posts ${data.action}`);
    const outcome = await kind.submit(data);
    if (data.startedAt !== undefined) this.o.metrics.jobDuration.observe({ kind: data.kind, outcome: outcome.status }, (Date.now() - data.startedAt) / 1000);
    return outcome;
  }

  private async claim(job: Job<SubmitJobData>, token: string | undefined, chainJobId: string, kind: JobKind): Promise<SubmitOutcome> {
    const { capacity, bond } = this.o;
    if (!bond.canClaim) return this.bondTooLow(chainJobId);
    if (kind === 'inference' && !(await capacity.available())) await this.defer(job, token, chainJobId, 'at capacity; claim deferred');
    else if (await capacity.openClaimsFull()) await this.defer(job, token, chainJobId, 'too many open claims; claim deferred');
    let outcome: SubmitOutcome;
    try {
      outcome = await this.o.submitter.claim(chainJobId);
    } catch (error) {
      if (isModelproofError(error, 'ComputeJobs.TooManyOpenClaims')) {
        await this.defer(job, token, chainJobId, 'too many open claims; claim deferred');
        return { status: 'skipped', chainJobId, reason: 'too many open claims, and the job is no longer claimable' };
      }
      if (isModelproofError(error, 'ComputeJobs.BondTooLow')) {
        await bond.refresh();
        return this.bondTooLow(chainJobId);
      }
      throw error;
    }
    if (outcome.status === 'skipped') this.o.metrics.claimsSkipped.inc({ reason: 'not-claimable' });
    else if (kind === 'inference') await capacity.remember(chainJobId);
    return outcome;
  }

  private bondTooLow(chainJobId: string): SubmitOutcome {
    const reason = 'the worker bond is below ComputeJobs.WorkerBond';
    this.o.vetting.skipped(chainJobId, 'bond-too-low', reason);
    return { status: 'skipped', chainJobId, reason };
  }

  /** Puts the claim back for `claimRetryMs` while the job stays claimable; returns when it is not (the claim then finds it taken). */
  private async defer(job: Job<SubmitJobData>, token: string | undefined, chainJobId: string, message: string): Promise<void> {
    if (token === undefined || !(await this.o.submitter.stillClaimable(chainJobId))) return;
    this.o.logger.debug(message, { chainJobId });
    await job.moveToDelayed(Date.now() + this.o.claimRetryMs, token);
    throw new DelayedError();
  }
}
