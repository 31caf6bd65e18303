/**
 * The submitter: one per signer. Posts through the SDK's actions (the SDK's nonce manager assigns
 * nonces) and before every post reads chain state, so a retried job never posts twice and a
 * benign race (another worker claimed, formed, closed or expired first) is a skip, not a failure.
 *
 * It runs the actions every job kind shares, asking the kind's {@link ClaimRules} (`../kinds`)
 * what they mean for its jobs:
 *
 * - claim: the job still `Open`, before its deadline, and the kind lets this worker claim it
 *   (inference: a grant on the model; aggregation: the candidacy rule). Losing a race in the
 *   same block is a skip;
 * - hand-back: a job not finished, before its deadline, that the kind says this worker can give
 *   back (an inference job it claimed, a candidacy for a committee not drawn yet);
 * - expire: a job this worker holds a claim on, past its deadline or no longer deliverable.
 *
 * A kind's own transactions (an inference result, a partial sum, committee steps) are the kind
 * module's; they use the same guards through {@link Submitter.once}, {@link Submitter.post},
 * {@link Submitter.postUnlessRaced} and {@link Submitter.skip}.
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
  expireJob,
  getJob,
  getJobLimits,
  handBackJob,
  isModelproofError,
} from '@modelproof/sdk';

import { rulesOf } from '../kinds/index.js';
import type { Logger } from '../log/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import { FINISHED_STATUSES, nextBlock } from '../protocol/index.js';
import { PermanentError, type ScheduledAction } from '../queues/index.js';

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

/** What a post returns: the SDK actions' receipt. */
export type Post = () => Promise<{ txHash: string; blockNumber: number }>;

/**
 * Dispatch errors of the shared actions that only mean another transaction got there first (or
 * the moment passed between our check and the block): a skip, not a failure.
 */
const BENIGN_RACES = {
  claim: [
    'ComputeJobs.AlreadyClaimed',
    'ComputeJobs.JobNotOpen',
    'ComputeJobs.CommitteeFull',
    'ComputeJobs.CandidacyClosed',
    'ComputeJobs.TooManyCandidates',
    'ComputeJobs.DeadlinePassed',
  ],
  'hand-back': ['ComputeJobs.JobFinished', 'ComputeJobs.NotClaimant', 'ComputeJobs.NotCandidate', 'ComputeJobs.CannotHandBack', 'ComputeJobs.DeadlinePassed'],
  expire: ['ComputeJobs.JobFinished', 'ComputeJobs.DeadlineNotReached'],
} as const;
const GONE = 'the job is no longer on chain (pruned)';

export class Submitter {
  readonly address: string;
  readonly client: ModelproofClient;
  /** The runtime's `ComputeJobs.MinContributors`. */
  readonly minContributors: number;
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
    this.minContributors = (options.limits ?? getJobLimits(options.client)).minContributors;
  }

  /** Claims an open job (inference: only with a grant on its model; aggregation: applies for a committee seat). */
  claim(chainJobId: bigint | string): Promise<SubmitOutcome> {
    return this.once('claim', chainJobId, async (id) => {
      const job = await getJob(this.client, id);
      if (!job) return this.skip('claim', id, GONE);
      const rules = rulesOf(job);
      if (rules.holdsClaim(this.address, job)) return { status: 'already-submitted', chainJobId: String(id) };
      if (job.status !== 'Open') return this.skip('claim', id, `job is ${job.status}`);
      const next = await this.nextBlock();
      const blocker = await rules.claimBlocker(this, job, next);
      if (blocker !== undefined) return this.skip('claim', id, blocker);
      if (next > job.deadline) return this.skip('claim', id, 'deadline passed');
      return this.postUnlessRaced('claim', id, () => claimJob(this.client, { jobId: id }, this.txOptions()), BENIGN_RACES.claim, (code) =>
        code === 'ComputeJobs.DeadlinePassed' ? 'the deadline passed before the claim landed' : `another worker claimed it first (${code})`,
      );
    });
  }

  /** The job is open, before its deadline, and its kind still takes a claim: a claim could still succeed. */
  async stillClaimable(chainJobId: bigint | string): Promise<boolean> {
    const job = await getJob(this.client, BigInt(chainJobId));
    if (job === null || job.status !== 'Open') return false;
    const next = await this.nextBlock();
    return next <= job.deadline && (await rulesOf(job).claimBlocker(this, job, next)) === undefined;
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
      const blocker = rulesOf(job).handBackBlocker(this.address, job);
      if (blocker !== undefined) return this.skip('hand-back', id, blocker);
      return this.postUnlessRaced('hand-back', id, () => handBackJob(this.client, { jobId: id, reason }, this.txOptions()), BENIGN_RACES['hand-back']);
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
      const rules = rulesOf(job);
      if (!rules.holdsClaim(this.address, job)) return this.skip('expire', id, 'this worker holds no claim on it');
      const next = await this.nextBlock();
      if (next <= job.deadline && !(await rules.undeliverable(this, job, next))) {
        return this.skip('expire', id, 'the job can still be delivered', { action: 'expire', atBlock: rules.nextExpiryCheck(job, next) });
      }
      return this.postUnlessRaced('expire', id, () => expireJob(this.client, { jobId: id }, this.txOptions()), BENIGN_RACES.expire);
    });
  }

  /** Transaction options of every post: the configured wait and timeout. */
  txOptions(): { wait: 'inBlock' | 'finalized'; timeoutMs: number } {
    return { wait: this.wait, timeoutMs: this.timeoutMs };
  }

  /** An outcome without a transaction, logged. */
  skip(action: string, id: bigint, reason: string, next?: SubmitOutcome['next']): SubmitOutcome {
    this.logger.info(action === 'claim' ? 'not claiming' : 'nothing to send', { action, chainJobId: String(id), reason, ...(next && { next }) });
    return { status: 'skipped', chainJobId: String(id), reason, ...(next && { next }) };
  }

  /** The block a transaction sent now lands in at the earliest. */
  nextBlock(): Promise<number> {
    return nextBlock(this.client);
  }

  /** The next block is past the job's deadline. */
  async deadlinePassed(job: Job): Promise<boolean> {
    return (await this.nextBlock()) > job.deadline;
  }

  /** Posts; a dispatch error listed in `races` is a skip (described by `describe`), not a failure. */
  async postUnlessRaced(
    action: string,
    id: bigint,
    post: Post,
    races: readonly string[],
    describe: (code: string) => string = (code) => `another transaction got there first (${code})`,
  ): Promise<SubmitOutcome> {
    try {
      return await this.post(action, id, post, races);
    } catch (error) {
      if (isModelproofError(error) && races.includes(error.code)) return this.skip(action, id, describe(error.code));
      throw error;
    }
  }

  /** Posts; failures are logged as warnings unless their code is one of `expected`. */
  async post(action: string, id: bigint, post: Post, expected: readonly string[] = []): Promise<SubmitOutcome> {
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

  /** Runs `run` once per action and chain job id at a time: concurrent calls share its promise. */
  once(action: string, chainJobId: bigint | string, run: (id: bigint) => Promise<SubmitOutcome>): Promise<SubmitOutcome> {
    const key = `${action}-${chainJobId}`;
    const existing = this.pending.get(key);
    if (existing) return existing;
    const promise = run(BigInt(chainJobId)).finally(() => this.pending.delete(key));
    this.pending.set(key, promise);
    return promise;
  }
}
