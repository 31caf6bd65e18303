/**
 * The worker's BullMQ queues, all under the configured prefix (`<prefix>:<queue>:…` in Redis):
 *
 * | queue | jobs | job id |
 * |---|---|---|
 * | `inference` | a claimed inference job to prove (sandboxed processor) | `inference-<jobId>` |
 * | `aggregation` | an aggregation job whose contributions closed (sandboxed processor) | `aggregation-<jobId>` |
 * | `submit` | a transaction to send: claim, inference result, partial | `claim-<jobId>`, `result-<jobId>`, `partial-<jobId>` |
 * | `dead-letter` | permanent failures and exhausted retries, with reason and code | `<queue>-<queue job id>` |
 *
 * Job ids derive from chain job ids, so the same event seen twice is one queue job. (BullMQ
 * refuses custom ids with a `:`, hence the `-`.)
 */
import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';

import type { WorkerMetrics } from '../metrics/index.js';

export * from './errors.js';

export const QUEUE_NAMES = ['inference', 'aggregation', 'submit', 'dead-letter'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** A 0x-prefixed hex string. */
export type Hex = `0x${string}`;

/** What a processor gets for an inference job (ids as decimal strings: job data is JSON). */
export interface InferenceJobData {
  chainJobId: string;
  kind: 'inference';
  modelId: string;
  circuitId: Hex;
  inputHash: Hex;
  inputCid: string;
  /** Block number by which the result must be included. */
  deadline: number;
  /** Finalized block where the claim was seen. */
  block: number;
}

/** What a processor gets for an aggregation job. */
export interface AggregationJobData {
  chainJobId: string;
  kind: 'aggregation';
  /** The committee in order (SS58); this worker is `committee[memberIndex]`. */
  committee: string[];
  memberIndex: number;
  /** Number of contributors fixed by `ContributionsClosed`. */
  contributors: number;
  deadline: number;
  block: number;
}

export type ProcessorJobData = InferenceJobData | AggregationJobData;

/** Result of an inference processor: outputs as 32-byte 0x-hex field elements, Groth16 proof (A ‖ B ‖ C) as 0x-hex of 256 bytes. */
export interface InferenceResult {
  output: Hex[];
  proof: Hex;
}

/** Result of an aggregation processor: where the (encrypted) partial sum is and its digest. */
export interface AggregationResult {
  partialCid: string;
  partialDigest: Hex;
}

export type SubmitJobData =
  | { action: 'claim'; chainJobId: string; kind: 'inference' | 'aggregation' }
  | { action: 'inference-result'; chainJobId: string; kind: 'inference'; result: InferenceResult; startedAt: number }
  | { action: 'partial'; chainJobId: string; kind: 'aggregation'; result: AggregationResult; startedAt: number };

/** An entry of the dead-letter queue. */
export interface DeadLetterData {
  chainJobId: string;
  kind: string;
  /** Queue and job id the failure happened in. */
  queue: QueueName;
  jobId: string;
  reason: string;
  code: string;
  attempts: number;
  failedAt: number;
}

/** Queue job ids from chain job ids. */
export const jobIds = {
  inference: (chainJobId: bigint | string) => `inference-${chainJobId}`,
  aggregation: (chainJobId: bigint | string) => `aggregation-${chainJobId}`,
  claim: (chainJobId: bigint | string) => `claim-${chainJobId}`,
  inferenceResult: (chainJobId: bigint | string) => `result-${chainJobId}`,
  partial: (chainJobId: bigint | string) => `partial-${chainJobId}`,
  deadLetter: (queue: QueueName, jobId: string) => `${queue}-${jobId}`,
};

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

/** The four queues on one Redis connection. */
export class PipelineQueues {
  readonly inference: Queue<InferenceJobData>;
  readonly aggregation: Queue<AggregationJobData>;
  readonly submit: Queue<SubmitJobData>;
  readonly deadLetter: Queue<DeadLetterData>;
  readonly prefix: string;

  constructor(connection: Redis, prefix: string, settings: QueueSettings = {}) {
    this.prefix = prefix;
    const opts = { connection, prefix, defaultJobOptions: defaultJobOptions(settings) };
    this.inference = new Queue<InferenceJobData>('inference', opts);
    this.aggregation = new Queue<AggregationJobData>('aggregation', opts);
    this.submit = new Queue<SubmitJobData>('submit', opts);
    this.deadLetter = new Queue<DeadLetterData>('dead-letter', { connection, prefix, defaultJobOptions: { removeOnComplete: false, removeOnFail: false } });
  }

  all(): Array<[QueueName, Queue]> {
    return [
      ['inference', this.inference as Queue],
      ['aggregation', this.aggregation as Queue],
      ['submit', this.submit as Queue],
      ['dead-letter', this.deadLetter as Queue],
    ];
  }

  /** Enqueues an inference job (a no-op if that chain job is already queued). */
  async addInference(data: InferenceJobData): Promise<void> {
    await this.inference.add('inference', data, { jobId: jobIds.inference(data.chainJobId) });
  }

  async addAggregation(data: AggregationJobData): Promise<void> {
    await this.aggregation.add('aggregation', data, { jobId: jobIds.aggregation(data.chainJobId) });
  }

  async addSubmit(data: SubmitJobData): Promise<void> {
    const jobId =
      data.action === 'claim' ? jobIds.claim(data.chainJobId) : data.action === 'inference-result' ? jobIds.inferenceResult(data.chainJobId) : jobIds.partial(data.chainJobId);
    await this.submit.add(data.action, data, { jobId });
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
