/**
 * The job pipeline of DESIGN.md "Off-chain worker", as daemon components:
 *
 *   chain     the SDK client (signer = the worker's key); disconnected last
 *   queues    Redis, the BullMQ queues, the sandboxed processor workers and the submit worker
 *   listener  finalized-event listener with its cursor in Redis; stopped first
 *
 * Flow: listener → `inference` / `aggregation` (sandboxed processors) → on completion a
 * `result-<id>` / `partial-<id>` job on `submit` → the submitter (chain checks, then post) →
 * chain. Claims (`autoClaim`) go listener → `submit` (`claim-<id>`) → submitter. Failures are
 * classified: transient ones are retried with exponential backoff, permanent ones and exhausted
 * retries are recorded in `dead-letter` with `{ chainJobId, kind, reason, code }`.
 */
import { DelayedError, type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';

import { type ModelproofClient, createClient } from '@modelproof/sdk';

import type { Component, DaemonContext } from '../daemon/component.js';
import { Listener } from '../listener/index.js';
import {
  type DeadLetterData,
  type ProcessorJobData,
  PipelineQueues,
  type QueueName,
  type QueueSettings,
  type SubmitJobData,
  classifyError,
  codeFromReason,
  toQueueError,
} from '../queues/index.js';
import { Submitter, type SubmitOutcome, checkAggregationResult, checkInferenceResult } from '../submitter/index.js';
import { ClaimCapacity } from './capacity.js';
import type { ProcessorFiles } from './processors.js';

export * from './processors.js';

export interface PipelineOptions {
  /** Sandboxed processor files by kind; a kind without one is not processed by this worker. */
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
  /** How soon a claim deferred at capacity is tried again (default 2000 ms). */
  claimRetryMs?: number;
  /** How often the queue depth gauges are refreshed (default 5000 ms). */
  depthIntervalMs?: number;
}

export interface Pipeline {
  /** In start order: `chain`, `queues`, `listener`. */
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
}

const DEFAULT_CLAIM_RETRY_MS = 2_000;

function processorQueue(kind: 'inference' | 'aggregation'): QueueName {
  return kind;
}

/** Builds the pipeline's components from the daemon context. */
export function createPipeline(ctx: DaemonContext, options: PipelineOptions): Pipeline {
  const { config, keys, metrics } = ctx;
  const log = ctx.logger;
  const prefix = config.queue.prefix;
  let client: ModelproofClient | undefined;
  let redis: Redis | undefined;
  let queues: PipelineQueues | undefined;
  let capacity: ClaimCapacity | undefined;
  let listener: Listener | undefined;
  let submitter: Submitter | undefined;
  let depthTimer: NodeJS.Timeout | undefined;
  const workers: Array<{ kind: string; worker: Worker; sandboxed: boolean }> = [];
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
      submitter = new Submitter({ client, metrics, logger: log.child({ component: 'submitter' }), wait: options.submitWait });
    },
    async stop() {
      if (client && !options.client) await client.disconnect();
    },
    health() {
      return client?.isConnected ? { ok: true, detail: 'connected' } : { ok: false, detail: 'disconnected' };
    },
  };

  const deadLetter = async (queue: QueueName, job: Job, reason: string, code: string): Promise<void> => {
    const data = job.data as { chainJobId?: string; kind?: string };
    const entry: DeadLetterData = {
      chainJobId: String(data.chainJobId ?? ''),
      kind: String(data.kind ?? queue),
      queue,
      jobId: String(job.id),
      reason,
      code,
      attempts: job.attemptsMade,
      failedAt: Date.now(),
    };
    await need(queues, 'queues').addDeadLetter(entry);
    if (entry.kind === 'inference' && entry.chainJobId !== '') await capacity?.forget(entry.chainJobId);
    metrics.failures.inc({ kind: entry.kind, reason: code });
    log.warn('job dead-lettered', { queue, jobId: entry.jobId, chainJobId: entry.chainJobId, code, reason });
  };

  const onFailed = (queue: QueueName) => (job: Job | undefined, error: Error) => {
    if (!job) return;
    void (async () => {
      // retried jobs go back to delayed/waiting; only a final failure is dead-lettered
      if ((await job.getState()) !== 'failed') return;
      await deadLetter(queue, job, error.message, codeFromReason(error.message));
    })().catch((e: unknown) => log.error('could not record a dead letter', { queue, jobId: job.id, reason: String(e) }));
  };

  /** A processor finished: hand its result to the submitter through the `submit` queue. */
  const onCompleted = (kind: 'inference' | 'aggregation') => (job: Job, result: unknown) => {
    void (async () => {
      const data = job.data as ProcessorJobData;
      try {
        if (kind === 'inference') {
          await need(queues, 'queues').addSubmit({ action: 'inference-result', chainJobId: data.chainJobId, kind, result: checkInferenceResult(result), startedAt: job.timestamp });
        } else {
          await need(queues, 'queues').addSubmit({ action: 'partial', chainJobId: data.chainJobId, kind, result: checkAggregationResult(result), startedAt: job.timestamp });
        }
      } catch (error) {
        const c = classifyError(error);
        if (c.permanent) await deadLetter(processorQueue(kind), job, c.reason, c.code);
        else throw error;
      }
    })().catch((e: unknown) => log.error('could not queue a result for submission', { jobId: job.id, reason: String(e) }));
  };

  /** An inference claim waits while this worker holds as many jobs as it proves at once. */
  const claimInference = async (job: Job<SubmitJobData>, token: string | undefined, chainJobId: string): Promise<SubmitOutcome> => {
    const s = need(submitter, 'submitter');
    const holding = need(capacity, 'queues');
    if (!(await holding.available()) && token !== undefined && (await s.stillClaimable(chainJobId))) {
      log.debug('at capacity; claim deferred', { chainJobId, held: holding.limit });
      await job.moveToDelayed(Date.now() + (options.claimRetryMs ?? DEFAULT_CLAIM_RETRY_MS), token);
      throw new DelayedError();
    }
    const outcome = await s.claim(chainJobId);
    if (outcome.status === 'submitted' || outcome.status === 'already-submitted') await holding.remember(chainJobId);
    return outcome;
  };

  const runSubmit = async (job: Job<SubmitJobData>, token?: string): Promise<SubmitOutcome> => {
    const s = need(submitter, 'submitter');
    const data = job.data;
    try {
      if (data.action === 'claim') return data.kind === 'inference' ? await claimInference(job, token, data.chainJobId) : await s.claim(data.chainJobId);
      const outcome =
        data.action === 'inference-result' ? await s.submitInferenceResult(data.chainJobId, data.result) : await s.submitPartial(data.chainJobId, data.result);
      metrics.jobDuration.observe({ kind: data.kind, outcome: outcome.status }, (Date.now() - data.startedAt) / 1000);
      return outcome;
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      throw toQueueError(error);
    }
  };

  /** Re-queues results of processor jobs that completed while the daemon was going down. */
  const reconcile = async (): Promise<void> => {
    const q = need(queues, 'queues');
    for (const kind of ['inference', 'aggregation'] as const) {
      if (!options.processors[kind]) continue;
      const queue = kind === 'inference' ? q.inference : q.aggregation;
      for (const job of await queue.getCompleted(0, 999)) onCompleted(kind)(job as Job, job.returnvalue);
    }
  };

  const queueComponent: Component = {
    name: 'queues',
    async start() {
      redis = new Redis(config.redis.url, { maxRetriesPerRequest: null, lazyConnect: false });
      queues = new PipelineQueues(redis, prefix, options.queue);
      capacity = new ClaimCapacity(redis, prefix, need(client, 'chain'), keys.address, config.queue.concurrency.inference);
      for (const kind of ['inference', 'aggregation'] as const) {
        const file = options.processors[kind];
        if (!file) continue;
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
        worker.on('failed', onFailed(kind));
        worker.on('error', (e) => log.warn('queue worker error', { queue: kind, reason: e.message }));
        workers.push({ kind, worker, sandboxed: true });
      }
      const submitWorker = new Worker<SubmitJobData, SubmitOutcome>('submit', runSubmit, { connection: redis, prefix, concurrency: 1 });
      submitWorker.on('failed', onFailed('submit'));
      submitWorker.on('error', (e) => log.warn('queue worker error', { queue: 'submit', reason: e.message }));
      workers.push({ kind: 'submit', worker: submitWorker as unknown as Worker, sandboxed: false });
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
      listener = new Listener({
        client: need(client, 'chain'),
        redis: need(redis, 'queues'),
        queues: need(queues, 'queues'),
        prefix,
        address: keys.address,
        logger: log.child({ component: 'listener' }),
        metrics,
        autoClaim: options.autoClaim,
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

  const components = [chain, queueComponent, listenerComponent];
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
  };
}
