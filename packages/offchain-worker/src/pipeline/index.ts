/**
 * The job pipeline of DESIGN.md "Off-chain worker", as daemon components:
 *
 *   chain     the SDK client (signer = the worker's key) and the submitter; disconnected last
 *   bond      the worker's on-chain bond (`../bond`): no claims while it is below the minimum
 *   queues    Redis, the BullMQ queues and their workers, the block scheduler, the job-kind modules
 *   listener  finalized-event listener with its cursor in Redis; stopped first
 *
 * Flow: listener → the job-kind modules (`../inference`, `../aggregation`: vetting, claims,
 * committee steps) → `inference` / `aggregation` (sandboxed processors) and `review` (in-process)
 * → on completion a job on `submit` → the submitter (chain checks, then post) → chain. Actions
 * due at a block number go through the block scheduler (`../scheduler`), which the listener runs
 * after every finalized block. Failures are classified: transient ones are retried with
 * exponential backoff; an inference job given up on is handed back (`hand_back_job`, no slash);
 * permanent failures and exhausted retries are recorded in `dead-letter` with
 * `{ chainJobId, kind, reason, code }` (and, for a hand-back, its outcome).
 */
import { type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';

import { type JobLimits, type ModelproofClient, createClient, getJob, getJobLimits } from '@modelproof/sdk';
import { createIpfs } from '@modelproof/sdk/ipfs';

import { AggregationFlow } from '../aggregation/index.js';
import { BondMonitor } from '../bond/index.js';
import type { Component, DaemonContext } from '../daemon/component.js';
import { InferenceFlow, ProvingEstimate } from '../inference/index.js';
import { type BlockHandler, Listener } from '../listener/index.js';
import type { JobKind } from '../metrics/index.js';
import { FINISHED_STATUSES } from '../protocol/index.js';
import {
  type FailureRecord,
  type InferenceJobData,
  type ProcessorJobData,
  PipelineQueues,
  type QueueName,
  type QueueSettings,
  type SubmitJobData,
  classifyError,
  codeFromReason,
} from '../queues/index.js';
import { BlockScheduler, type ScheduledEntry } from '../scheduler/index.js';
import { Submitter, type SubmitOutcome, checkAggregationResult, checkInferenceResult } from '../submitter/index.js';
import { ClaimOnSubmission, ClaimVetting } from '../vetting/index.js';
import { ClaimCapacity } from './capacity.js';
import { DeadLetters } from './dead-letters.js';
import type { ProcessorFiles } from './processors.js';
import { SubmitRunner } from './submit.js';

export * from './processors.js';

export interface PipelineOptions {
  /** Sandboxed processor files by kind; a kind without one (or disabled in `jobs`) is not served by this worker. */
  processors: ProcessorFiles;
  /** A client to use instead of connecting to `config.chain.endpoint` (it is not disconnected by the pipeline). */
  client?: ModelproofClient;
  /** Claim open jobs this worker can serve (default true). */
  autoClaim?: boolean;
  /** First block without a cursor (default: the finalized head). */
  startBlock?: number;
  /** Retry settings of the queues. */
  queue?: QueueSettings;
  /** Wait for inclusion (default) or finality of submitted transactions. */
  submitWait?: 'inBlock' | 'finalized';
  /** Run sandboxed processors in worker threads instead of child processes (default false). */
  useWorkerThreads?: boolean;
  /**
   * Environment of the sandboxed processors (default: this process's). They rebuild their
   * context from it (`MODELPROOF_WORKER_CONFIG`, `MODELPROOF_WORKER_*`), see `processors/sandbox.ts`.
   */
  processorEnv?: Readonly<Record<string, string | undefined>>;
  /** How soon a deferred claim (at capacity, too many open claims) is tried again (default 2000 ms). */
  claimRetryMs?: number;
  /** How often the queue depth gauges are refreshed (default 5000 ms). */
  depthIntervalMs?: number;
}

export interface Pipeline {
  /** In start order: `chain`, `bond`, `queues`, `listener`. */
  readonly components: Component[];
  /** Starts the components in order (what the daemon does). */
  start(): Promise<void>;
  /** Stops them in reverse order (what the daemon does). */
  stop(): Promise<void>;
  /** Available once started. */
  readonly queues: PipelineQueues;
  readonly listener: Listener;
  readonly submitter: Submitter;
  readonly client: ModelproofClient;
  readonly scheduler: BlockScheduler;
  readonly bond: BondMonitor;
}

const DEFAULT_CLAIM_RETRY_MS = 2_000;
/** Failure codes that mean the job left the chain (pruned): nothing is left to do for it. */
const JOB_GONE = new Set(['Pipeline.JobNotFound', 'Pipeline.UnknownJob']);

/** Builds the pipeline's components from the daemon context. */
export function createPipeline(ctx: DaemonContext, options: PipelineOptions): Pipeline {
  const { config, keys, metrics } = ctx;
  const log = ctx.logger;
  const prefix = config.queue.prefix;
  const serves: Record<JobKind, boolean> = {
    inference: config.jobs.inference && options.processors.inference !== undefined,
    aggregation: config.jobs.aggregation && options.processors.aggregation !== undefined,
  };
  let client: ModelproofClient | undefined;
  let limits: JobLimits | undefined;
  let submitter: Submitter | undefined;
  let bond: BondMonitor | undefined;
  let redis: Redis | undefined;
  let queues: PipelineQueues | undefined;
  let scheduler: BlockScheduler | undefined;
  let deadLetters: DeadLetters | undefined;
  let claims: ClaimOnSubmission | undefined;
  let inference: InferenceFlow | undefined;
  let aggregation: AggregationFlow | undefined;
  let listener: Listener | undefined;
  let depthTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  const workers: Array<{ kind: QueueName; worker: Worker; sandboxed: boolean }> = [];
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`pipeline: ${what} is not started`);
    return value;
  };

  const chain: Component = {
    name: 'chain',
    async start() {
      client =
        options.client ??
        (await createClient({ endpoint: config.chain.endpoint, signer: keys.signer, autoConnectRetries: config.chain.connectRetries }));
      limits = getJobLimits(client);
      submitter = new Submitter({ client, metrics, logger: log.child({ component: 'submitter' }), wait: options.submitWait, limits });
      bond = new BondMonitor({ client, address: keys.address, minimum: limits.workerBond, metrics, logger: log.child({ component: 'bond' }) });
    },
    async stop() {
      if (client && !options.client) await client.disconnect();
    },
    health() {
      return client?.isConnected ? { ok: true, detail: 'connected' } : { ok: false, detail: 'disconnected' };
    },
  };

  const bondComponent: Component = {
    name: 'bond',
    start: () => need(bond, 'chain').start(),
    stop: async () => undefined,
    health: () => bond?.health() ?? { ok: false, detail: 'not started' },
  };

  const failureOf = (queue: QueueName, job: Job, reason: string, code: string): FailureRecord => ({
    queue,
    jobId: String(job.id),
    reason,
    code,
    attempts: job.attemptsMade,
    failedAt: Date.now(),
  });

  /** A processor job failed (an attempt, or for good), or a transaction for good. */
  const onFailed = (queue: QueueName) => (job: Job | undefined, error: Error) => {
    if (!job) return;
    void (async () => {
      const failure = failureOf(queue, job, error.message, codeFromReason(error.message));
      // retried jobs go back to delayed/waiting; only a final failure is given up on
      const final = (await job.getState()) === 'failed';
      // an attempt cut short by the shutdown stays queued for the next start; nothing to decide now
      if (stopping && !final) return;
      if (final && JOB_GONE.has(failure.code)) {
        log.info('job no longer on chain; dropped', { queue, jobId: failure.jobId, chainJobId: (job.data as { chainJobId?: string }).chainJobId });
        return;
      }
      if (queue === 'inference' && inference) {
        const data = (job as Job<InferenceJobData>).data;
        if (final) await inference.giveUp(data.chainJobId, failure);
        else await inference.retrying(job as Job<InferenceJobData>, failure);
        return;
      }
      if (!final) return;
      const data = job.data as { chainJobId?: string; kind?: string };
      const submit = queue === 'submit' ? (job.data as SubmitJobData) : undefined;
      if (submit?.action === 'inference-result' && inference) await inference.giveUp(submit.chainJobId, failure);
      else if (submit?.action === 'hand-back') await need(deadLetters, 'queues').handBackSettled(submit.chainJobId, submit.failure, submit.reason, { handedBack: false, detail: error.message });
      else await need(deadLetters, 'queues').record({ ...failure, chainJobId: String(data.chainJobId ?? ''), kind: String(data.kind ?? queue) });
    })().catch((e: unknown) => log.error('could not handle a failed job', { queue, jobId: job.id, reason: String(e) }));
  };

  /** A processor's result goes to the submitter through the `submit` queue; a malformed one is given up on. */
  const queueResult = async (kind: JobKind, job: Job, result: unknown): Promise<void> => {
    const data = job.data as ProcessorJobData;
    const q = need(queues, 'queues');
    try {
      if (kind === 'inference') {
        await q.addSubmit({ action: 'inference-result', chainJobId: data.chainJobId, kind, result: checkInferenceResult(result), startedAt: job.timestamp });
      } else {
        await q.addSubmit({ action: 'partial', chainJobId: data.chainJobId, kind, result: checkAggregationResult(result), startedAt: job.timestamp });
      }
    } catch (error) {
      const c = classifyError(error);
      if (!c.permanent) throw error;
      const failure = failureOf(kind, job, c.reason, c.code);
      if (kind === 'inference' && inference) await inference.giveUp(data.chainJobId, failure);
      else await need(deadLetters, 'queues').record({ ...failure, chainJobId: data.chainJobId, kind });
    }
  };

  const onCompleted = (kind: JobKind) => (job: Job, result: unknown) => {
    void (async () => {
      if (kind === 'inference') await inference?.completed(job as Job<InferenceJobData>);
      await queueResult(kind, job, result);
    })().catch((e: unknown) => log.error('could not queue a result for submission', { jobId: job.id, reason: String(e) }));
  };

  /** Re-queues results of processor jobs that completed while the daemon was going down. */
  const reconcile = async (): Promise<void> => {
    const q = need(queues, 'queues');
    for (const kind of ['inference', 'aggregation'] as const) {
      if (!serves[kind]) continue;
      const queue = kind === 'inference' ? q.inference : q.aggregation;
      for (const job of await queue.getCompleted(0, 999)) {
        await queueResult(kind, job as Job, job.returnvalue).catch((e: unknown) => log.error('could not queue a result for submission', { jobId: job.id, reason: String(e) }));
      }
    }
  };

  /** A scheduled action fell due: a transaction on `submit`, or the start of an aggregation. */
  const dispatch = async (entry: ScheduledEntry): Promise<void> => {
    if (entry.action === 'aggregate') {
      if (aggregation) await aggregation.startAggregation(entry);
      else log.warn('aggregation is off: not computing a scheduled partial sum', { ...entry });
      return;
    }
    const job = await getJob(need(client, 'chain'), BigInt(entry.chainJobId));
    if (job === null || FINISHED_STATUSES.has(job.status)) return;
    const kind: JobKind = job.kind.type === 'Inference' ? 'inference' : 'aggregation';
    await need(queues, 'queues').addSubmit({ action: entry.action, chainJobId: entry.chainJobId, kind, atBlock: entry.atBlock });
  };

  const queueComponent: Component = {
    name: 'queues',
    async start() {
      stopping = false;
      const c = need(client, 'chain');
      const l = need(limits, 'chain');
      redis = new Redis(config.redis.url, { maxRetriesPerRequest: null, lazyConnect: false });
      queues = new PipelineQueues(redis, prefix, options.queue);
      const capacity = new ClaimCapacity(redis, prefix, c, keys.address, config.queue.concurrency.inference, l.maxOpenClaims);
      deadLetters = new DeadLetters(queues, capacity, metrics, log);
      scheduler = new BlockScheduler(redis, prefix, dispatch, log.child({ component: 'scheduler' }));
      const estimate = new ProvingEstimate(redis, prefix, config.jobs.provingTimeEstimateMs);
      const ipfs = createIpfs({ url: config.ipfs.apiUrl, timeoutMs: config.ipfs.fetchTimeoutMs, maxBytes: config.ipfs.maxModelBytes });
      const vetting = new ClaimVetting({
        client: c,
        ipfs,
        address: keys.address,
        bond: need(bond, 'chain'),
        estimate,
        minReward: BigInt(config.jobs.minReward),
        blockTimeMs: config.chain.blockTimeMs,
        deadlineSafetyFactor: config.jobs.deadlineSafetyFactor,
        maxModelBytes: config.ipfs.maxModelBytes,
        manifestTimeoutMs: config.ipfs.manifestTimeoutMs,
        metrics,
        logger: log.child({ component: 'vetting' }),
      });
      if (options.autoClaim ?? true) claims = new ClaimOnSubmission({ client: c, queues, vetting, serves, logger: log.child({ component: 'vetting' }) });
      const flow = { client: c, queues, scheduler, address: keys.address };
      if (serves.inference) inference = new InferenceFlow({ ...flow, estimate, blockTimeMs: config.chain.blockTimeMs, logger: log.child({ component: 'inference' }) });
      if (serves.aggregation) {
        aggregation = new AggregationFlow({
          ...flow,
          minContributors: l.minContributors,
          ipfs,
          x25519SecretKey: keys.x25519.secretKey,
          limits: { fetchTimeoutMs: config.ipfs.fetchTimeoutMs, maxBytes: config.ipfs.maxModelBytes },
          logger: log.child({ component: 'aggregation' }),
        });
      }

      for (const kind of ['inference', 'aggregation'] as const) {
        const file = options.processors[kind];
        if (!serves[kind] || !file) continue;
        const worker = new Worker(kind, file, {
          connection: redis,
          prefix,
          concurrency: config.queue.concurrency[kind],
          useWorkerThreads: options.useWorkerThreads ?? false,
          ...(options.processorEnv && {
            workerForkOptions: { env: { ...options.processorEnv } },
            workerThreadsOptions: { env: { ...options.processorEnv } },
          }),
        });
        worker.on('completed', onCompleted(kind));
        workers.push({ kind, worker, sandboxed: true });
      }
      if (aggregation) {
        const review = new Worker('review', aggregation.review.bind(aggregation), { connection: redis, prefix, concurrency: config.queue.concurrency.aggregation });
        workers.push({ kind: 'review', worker: review as unknown as Worker, sandboxed: false });
      }
      const runner = new SubmitRunner({
        submitter: need(submitter, 'chain'),
        capacity,
        bond: need(bond, 'chain'),
        scheduler,
        vetting,
        deadLetters,
        metrics,
        logger: log,
        claimRetryMs: options.claimRetryMs ?? DEFAULT_CLAIM_RETRY_MS,
      });
      const submitWorker = new Worker<SubmitJobData, SubmitOutcome>('submit', runner.process, { connection: redis, prefix, concurrency: 1 });
      workers.push({ kind: 'submit', worker: submitWorker as unknown as Worker, sandboxed: false });
      for (const { kind, worker } of workers) {
        worker.on('failed', onFailed(kind));
        worker.on('error', (e) => log.warn('queue worker error', { queue: kind, reason: e.message }));
      }
      await Promise.all(workers.map((w) => w.worker.waitUntilReady()));
      await reconcile();
      const refresh = (): void => {
        queues?.updateDepths(metrics).catch(() => undefined);
      };
      refresh();
      depthTimer = setInterval(refresh, options.depthIntervalMs ?? 5000);
      depthTimer.unref();
    },
    async stop() {
      stopping = true;
      clearInterval(depthTimer);
      // BullMQ waits for running jobs; sandboxed children still running after half the shutdown
      // budget are killed, and their jobs stay in Redis for another worker (retried, or stalled →
      // picked up again once their lock lapses).
      const budget = Math.max(0, Math.floor(config.shutdown.timeoutMs / 2));
      await Promise.all(
        workers.map(async ({ kind, worker, sandboxed }) => {
          let timer: NodeJS.Timeout | undefined;
          const closed = worker.close();
          const inTime = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), budget)))]);
          clearTimeout(timer);
          if (!inTime && sandboxed) {
            log.warn('terminating sandboxed processors still running at shutdown; their jobs stay queued', { queue: kind });
            // BullMQ's public close() cannot be forced once started, and its children answer SIGTERM by
            // finishing their job: SIGKILL the busy ones through the child pool (BullMQ internals).
            const pool = (worker as unknown as { childPool?: { retained?: Record<string, unknown>; kill(child: unknown, signal: string): Promise<void> } }).childPool;
            await Promise.all(Object.values(pool?.retained ?? {}).map((child) => pool?.kill(child, 'SIGKILL')));
          }
          await closed;
        }),
      );
      workers.length = 0;
      await queues?.close();
      if (redis) await redis.quit().catch(() => redis?.disconnect());
    },
    async health() {
      if (!redis || redis.status !== 'ready') return { ok: false, detail: `redis ${redis?.status ?? 'not started'}` };
      await queues?.updateDepths(metrics).catch(() => undefined);
      return { ok: true, detail: `${workers.length} workers` };
    },
  };

  const listenerComponent: Component = {
    name: 'listener',
    async start() {
      const handlers: BlockHandler[] = [need(bond, 'chain'), need(scheduler, 'queues'), ...[claims, inference, aggregation].filter((h) => h !== undefined)];
      listener = new Listener({
        client: need(client, 'chain'),
        redis: need(redis, 'queues'),
        prefix,
        handlers,
        logger: log.child({ component: 'listener' }),
        metrics,
        startBlock: options.startBlock,
      });
      await listener.start();
    },
    async stop() {
      await listener?.stop();
    },
    health() {
      return listener?.health() ?? { ok: false, detail: 'not started' };
    },
  };

  const components = [chain, bondComponent, queueComponent, listenerComponent];
  const started: Component[] = [];
  return {
    components,
    async start() {
      for (const c of components) {
        await c.start();
        started.push(c);
      }
    },
    async stop() {
      for (const c of started.reverse()) await c.stop();
      started.length = 0;
    },
    get queues() {
      return need(queues, 'queues');
    },
    get listener() {
      return need(listener, 'listener');
    },
    get submitter() {
      return need(submitter, 'submitter');
    },
    get client() {
      return need(client, 'chain');
    },
    get scheduler() {
      return need(scheduler, 'queues');
    },
    get bond() {
      return need(bond, 'chain');
    },
  };
}
