/**
 * The worker's BullMQ queues, all under the configured prefix (`<prefix>:<queue>:…` in Redis):
 *
 * | queue | jobs | job id |
 * |---|---|---|
 * | `inference` | a claimed inference job to prove (sandboxed processor) | `inference-<jobId>` |
 * | `aggregation` | an aggregation job whose review period ended (sandboxed processor) | `aggregation-<jobId>` |
 * | `review` | a contribution to check as a committee member (in-process: small fetches) | `review-<jobId>-<participant>` |
 * | `submit` | a transaction to send | `claim-<jobId>`, `result-<jobId>`, `partial-<jobId>`, `hand-back-<jobId>`, `report-<jobId>-<participant>`, `<scheduled action>-<jobId>-at-<block>` |
 * | `dead-letter` | permanent failures and exhausted retries, with reason and code | `<queue>-<queue job id>` |
 *
 * Job ids derive from chain job ids (and, for scheduled actions, the block they were due at), so
 * the same event seen twice is one queue job. (BullMQ refuses custom ids with a `:`, hence the `-`.)
 */
import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';

import type { HandBackReason } from '@modelproof/sdk';

import type { AggregationSubmission, InferenceResultSubmission, JobKind } from '../kinds/index.js';
import type { WorkerMetrics } from '../metrics/index.js';

export * from './errors.js';

export const QUEUE_NAMES = ['inference', 'aggregation', 'review', 'submit', 'dead-letter'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** A 0x-prefixed hex string. */
export type Hex = `0x${string}`;

/**
 * What a processor gets: the chain job id, and the finalized block where the work was queued.
 * Everything else it reads from chain state when it runs, so a job queued long ago never acts on
 * a stale copy.
 */
export interface InferenceJobData {
  chainJobId: string;
  kind: 'inference';
  /** Finalized block where the claim was seen. */
  block: number;
}

/** What a processor gets for an aggregation job (see {@link InferenceJobData}). */
export interface AggregationJobData {
  chainJobId: string;
  kind: 'aggregation';
  /** The block at which the review period was over and the partial sum became due. */
  block: number;
}

export type ProcessorJobData = InferenceJobData | AggregationJobData;

/** A contribution a committee member checks as it arrives: can it open its share? */
export interface ReviewJobData {
  chainJobId: string;
  kind: 'aggregation';
  /** The contributing participant (SS58). */
  participant: string;
  /** Finalized block where the contribution (or the committee) was seen. */
  block: number;
}

/** Result of an inference processor: outputs as 32-byte 0x-hex field elements, Groth16 proof (A ‖ B ‖ C) as 0x-hex of 256 bytes. */
export interface InferenceResult {
  /** The outputs (empty for committed outputs). */
  output: Hex[];
  /** `H(outputs ‖ salt)`. */
  outputCommitment: Hex;
  /** For committed outputs: the CID of the outputs sealed to the consumer's result key. */
  sealedOutputCid?: string;
  proof: Hex;
}

/** Result of an aggregation processor: where the (encrypted) partial sum is and its digest. */
export interface AggregationResult {
  partialCid: string;
  partialDigest: Hex;
}

/** Actions the block scheduler runs once their block is finalized (see `../scheduler`). */
export const SCHEDULED_ACTIONS = ['form-committee', 'close-contributions', 'expire', 'aggregate'] as const;
export type ScheduledAction = (typeof SCHEDULED_ACTIONS)[number];
/** The scheduled actions that are transactions (`aggregate` starts the aggregation processor instead). */
export type ScheduledSubmitAction = Exclude<ScheduledAction, 'aggregate'>;

/** Where and how a queue job failed for good: what its dead letter records. */
export interface FailureRecord {
  queue: QueueName;
  jobId: string;
  reason: string;
  code: string;
  attempts: number;
  failedAt: number;
}

/** The transactions every kind shares (see `../submitter`). */
export type SharedSubmitData =
  | { action: 'claim'; chainJobId: string; kind: JobKind }
  /** Gives a claimed job back after `failure`; the dead letter is written once the outcome is known. */
  | { action: 'hand-back'; chainJobId: string; kind: JobKind; reason: HandBackReason; failure: FailureRecord }
  | { action: 'expire'; chainJobId: string; kind: JobKind; atBlock: number };

/** A job of the `submit` queue: a shared transaction, or one of a kind's own (`../kinds`). */
export type SubmitJobData = SharedSubmitData | InferenceResultSubmission | AggregationSubmission;

/** An entry of the dead-letter queue. */
export interface DeadLetterData extends FailureRecord {
  chainJobId: string;
  kind: string;
  /** For an inference job given up on: the hand-back reason and whether `hand_back_job` went through. */
  handBack?: { reason: HandBackReason; handedBack: boolean; detail?: string };
}

/** Queue job ids from chain job ids. */
export const jobIds = {
  inference: (chainJobId: bigint | string) => `inference-${chainJobId}`,
  aggregation: (chainJobId: bigint | string) => `aggregation-${chainJobId}`,
  claim: (chainJobId: bigint | string) => `claim-${chainJobId}`,
  inferenceResult: (chainJobId: bigint | string) => `result-${chainJobId}`,
  partial: (chainJobId: bigint | string) => `partial-${chainJobId}`,
  handBack: (chainJobId: bigint | string) => `hand-back-${chainJobId}`,
  review: (chainJobId: bigint | string, participant: string) => `review-${chainJobId}-${participant}`,
  report: (chainJobId: bigint | string, participant: string) => `report-${chainJobId}-${participant}`,
  /** A scheduled action, by the block it was due at: rescheduled, it is a new job. */
  scheduled: (action: ScheduledAction, chainJobId: bigint | string, atBlock: number) => `${action}-${chainJobId}-at-${atBlock}`,
  deadLetter: (queue: QueueName, jobId: string) => `${queue}-${jobId}`,
};

/** The queue job id of a transaction to send. */
export function submitJobId(data: SubmitJobData): string {
  switch (data.action) {
    case 'claim':
      return jobIds.claim(data.chainJobId);
    case 'inference-result':
      return jobIds.inferenceResult(data.chainJobId);
    case 'partial':
      return jobIds.partial(data.chainJobId);
    case 'hand-back':
      return jobIds.handBack(data.chainJobId);
    case 'report-contribution':
      return jobIds.report(data.chainJobId, data.participant);
    default:
      return jobIds.scheduled(data.action, data.chainJobId, data.atBlock);
  }
}

export interface QueueSettings {
  /** Attempts per job before it is dead-lettered (default 5). */
  attempts?: number;
  /** First backoff delay in ms, doubled per attempt (default 2000). */
  backoffMs?: number;
}

/** Default job options: retries with exponential backoff; finished jobs are kept a while so their ids keep deduplicating. */
export function defaultJobOptions(settings: QueueSettings = {}): JobsOptions {
  return {
    attempts: settings.attempts ?? 5,
    backoff: { type: 'exponential', delay: settings.backoffMs ?? 2000 },
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: { age: 30 * 24 * 3600 },
  };
}

const DEPTH_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children'] as const;

/** The queues on one Redis connection. */
export class PipelineQueues {
  readonly inference: Queue<InferenceJobData>;
  readonly aggregation: Queue<AggregationJobData>;
  readonly review: Queue<ReviewJobData>;
  readonly submit: Queue<SubmitJobData>;
  readonly deadLetter: Queue<DeadLetterData>;
  readonly prefix: string;

  constructor(connection: Redis, prefix: string, settings: QueueSettings = {}) {
    this.prefix = prefix;
    const opts = { connection, prefix, defaultJobOptions: defaultJobOptions(settings) };
    this.inference = new Queue<InferenceJobData>('inference', opts);
    this.aggregation = new Queue<AggregationJobData>('aggregation', opts);
    this.review = new Queue<ReviewJobData>('review', opts);
    this.submit = new Queue<SubmitJobData>('submit', opts);
    this.deadLetter = new Queue<DeadLetterData>('dead-letter', { connection, prefix, defaultJobOptions: { removeOnComplete: false, removeOnFail: false } });
  }

  all(): Array<[QueueName, Queue]> {
    return [
      ['inference', this.inference as Queue],
      ['aggregation', this.aggregation as Queue],
      ['review', this.review as Queue],
      ['submit', this.submit as Queue],
      ['dead-letter', this.deadLetter as Queue],
    ];
  }

  /** The processor queue of a job kind (named after it). */
  processorQueue(kind: string): Queue<ProcessorJobData> {
    if (kind === 'inference') return this.inference as Queue<ProcessorJobData>;
    if (kind === 'aggregation') return this.aggregation as Queue<ProcessorJobData>;
    throw new Error(`no processor queue for job kind ${kind}`);
  }

  /** Enqueues an inference job (a no-op if that chain job is already queued). */
  async addInference(data: InferenceJobData): Promise<void> {
    await this.inference.add('inference', data, { jobId: jobIds.inference(data.chainJobId) });
  }

  async addAggregation(data: AggregationJobData): Promise<void> {
    await this.aggregation.add('aggregation', data, { jobId: jobIds.aggregation(data.chainJobId) });
  }

  async addReview(data: ReviewJobData): Promise<void> {
    await this.review.add('review', data, { jobId: jobIds.review(data.chainJobId, data.participant) });
  }

  async addSubmit(data: SubmitJobData): Promise<void> {
    await this.submit.add(data.action, data, { jobId: submitJobId(data) });
  }

  /** Records a dead letter (idempotent per queue job). */
  async addDeadLetter(data: DeadLetterData): Promise<void> {
    await this.deadLetter.add('dead-letter', data, { jobId: jobIds.deadLetter(data.queue, data.jobId) });
  }

  /** Refreshes `modelproof_worker_queue_depth{queue,state}`. */
  async updateDepths(metrics: WorkerMetrics): Promise<void> {
    for (const [name, queue] of this.all()) {
      const counts = await queue.getJobCounts(...DEPTH_STATES);
      for (const state of DEPTH_STATES) metrics.queueDepth.set({ queue: name, state }, counts[state] ?? 0);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map(([, q]) => q.close()));
  }
}
