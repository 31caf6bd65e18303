/**
 * The contract of a job-kind module. Each kind of chain job the worker serves (`inference`,
 * `aggregation`) is one module under `./<kind>/` that owns all of it: which finalized events
 * start what, the kind's half of claim vetting, its sandboxed processor, the transactions that
 * deliver its results, and what giving up on it means. The pipeline (`../pipeline`) knows only
 * this contract and the table in `./index.ts`; a new kind is a new module plus its line there.
 */
import type { Job as QueueJob } from 'bullmq';
import type { Redis } from 'ioredis';

import type { Job, JobLimits, ModelproofClient } from '@modelproof/sdk';
import type { Ipfs } from '@modelproof/sdk/ipfs';

import type { WorkerConfig } from '../config/index.js';
import type { BlockHandler } from '../listener/index.js';
import type { Logger } from '../log/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import type { DeadLetters } from '../pipeline/dead-letters.js';
import type { FailureRecord, PipelineQueues, ProcessorJobData, QueueName } from '../queues/index.js';
import type { BlockScheduler, ScheduledEntry } from '../scheduler/index.js';
import type { SubmitOutcome, Submitter } from '../submitter/index.js';

/** What the pipeline hands a kind module when it starts. */
export interface KindServices {
  /** The chain client (signer = the worker's key). */
  client: ModelproofClient;
  /** The runtime's protocol constants. */
  limits: JobLimits;
  redis: Redis;
  /** The queue prefix (also the prefix of the worker's other Redis keys). */
  prefix: string;
  queues: PipelineQueues;
  scheduler: BlockScheduler;
  submitter: Submitter;
  deadLetters: DeadLetters;
  ipfs: Ipfs;
  /** This worker's account (SS58) and X25519 secret key. */
  address: string;
  x25519SecretKey: Uint8Array;
  config: WorkerConfig;
  metrics: WorkerMetrics;
  logger: Logger;
}

/** Why a job is not claimed: the `reason` label of `modelproof_worker_claims_skipped_total`. */
export type SkipReason =
  /** The worker does not serve the job's kind (`jobs.<kind>` is off): `inference-disabled`, `aggregation-disabled`. */
  | `${string}-disabled`
  | 'bond-too-low'
  | 'job-not-open'
  | 'reward-too-low'
  | 'no-grant'
  | 'deadline-too-close'
  | 'manifest-unavailable'
  | 'model-too-large'
  | 'candidacy-closed';

/** The outcome of vetting a job before a claim. */
export type Verdict = { claim: true } | { claim: false; reason: SkipReason; detail: string };

/**
 * What the shared transactions (claim, hand-back, expire: see `../submitter`) mean for a kind's
 * jobs. Pure reads of chain state; `submitter` gives access to the chain and the protocol
 * constants.
 */
export interface ClaimRules {
  /** `me` already holds a claim on the job (an inference claim, a candidacy or a seat). */
  holdsClaim(me: string, job: Job): boolean;
  /** Why `submitter` may not claim the open job in block `next`; `undefined` when it may. */
  claimBlocker(submitter: Submitter, job: Job, next: number): Promise<string | undefined>;
  /** Why `me` cannot hand the unfinished job back; `undefined` when it can. */
  handBackBlocker(me: string, job: Job): string | undefined;
  /** The runtime's rule for `expire_job` before the deadline: the job can no longer be delivered. */
  undeliverable(submitter: Submitter, job: Job, next: number): Promise<boolean>;
  /** When a job still deliverable in block `next` is worth another `expire` check. */
  nextExpiryCheck(job: Job, next: number): number;
}

/** A submit-queue job of a kind's own (a result, a committee step): `action` is one of the kind's `actions`. */
export interface KindSubmitData {
  action: string;
  chainJobId: string;
  kind: string;
}

/** An in-process queue a kind runs (its jobs are small: no sandbox). */
export interface InProcessQueue {
  queue: QueueName;
  process(job: QueueJob): Promise<unknown>;
  concurrency: number;
}

/** A processor job, or a submission of the kind, that failed. */
export interface KindFailure {
  /** Where: the kind's processor queue or `submit`. */
  queue: QueueName;
  chainJobId: string;
  record: FailureRecord;
  /** BullMQ gave up on it (no attempt left, or a permanent error). */
  final: boolean;
  /** The processor job (for `queue` = the kind's processor queue). */
  processorJob?: QueueJob<ProcessorJobData>;
  /** The submission (for `queue` = `submit`). */
  submission?: KindSubmitData;
}

/** A kind's part of the running pipeline. */
export interface KindRuntime extends BlockHandler {
  /** The kind's half of vetting a job before a claim (the pipeline checks the bond and that the job is open). */
  vet(job: Job, head: number): Promise<Verdict>;
  /** The submit-queue job that posts a processor's result; a malformed result throws `Pipeline.InvalidResult` (permanent). */
  resultSubmission(processorJob: QueueJob<ProcessorJobData>, result: unknown): KindSubmitData;
  /** Runs one of the kind's own submit actions. */
  submit(data: KindSubmitData): Promise<SubmitOutcome>;
  /** A processor job completed, before its result is queued. */
  completed?(processorJob: QueueJob<ProcessorJobData>): Promise<void>;
  /**
   * A processor attempt, or one of the kind's submissions, failed. Returns `true` when the kind
   * took care of it (e.g. queued a hand-back); otherwise a final failure is dead-lettered.
   */
  failed?(failure: KindFailure): Promise<boolean>;
  /** A scheduled action of the kind's `scheduledActions` fell due. */
  scheduled?(entry: ScheduledEntry): Promise<void>;
  /** In-process queues the kind runs besides its processor queue. */
  readonly inProcessQueues?: readonly InProcessQueue[];
}

/** One kind of chain job, as the worker serves it. */
export interface JobKindModule<Name extends string = string> {
  /** Its processor queue, its switch `jobs.<name>` and its metrics label. */
  readonly name: Name;
  /** The chain's name for it (`job.kind.type`). */
  readonly chainType: Job['kind']['type'];
  /** The built-in sandboxed processor: a module file whose default export BullMQ runs. */
  processorFile(): string;
  /** The concurrency of its processor queue in the config. */
  concurrency(config: WorkerConfig): number;
  /** Submit actions this kind owns (the shared ones are `claim`, `hand-back`, `expire`). */
  readonly actions: readonly string[];
  /** Scheduled actions that are not transactions and that this kind runs (see {@link KindRuntime.scheduled}). */
  readonly scheduledActions: readonly string[];
  readonly rules: ClaimRules;
  /** Builds the kind's runtime part when the pipeline starts. */
  create(services: KindServices): KindRuntime;
}
