/**
 * The job pipeline of DESIGN.md "Off-chain worker", as daemon components:
 *
 *   chain     the SDK client (signer = the worker's key) and the submitter; disconnected last
 *   bond      the worker's on-chain bond (`../bond`): no claims while it is below the minimum
 *   queues    Redis, the BullMQ queues and their workers, the block scheduler, the job kinds
 *   listener  finalized-event listener with its cursor in Redis; stopped first
 *
 * Everything particular to a kind of job lives in its module (`../kinds`: inference,
 * aggregation), which the pipeline runs from the table `JOB_KINDS`: for each kind served, its
 * runtime handles finalized events (vetting for claims, what to queue), its sandboxed processor
 * runs on the queue named after it, its results and own transactions go through `submit`, and
 * it decides what a failure means (an inference job given up on is handed back).
 *
 * Flow: listener → the kinds' event handlers and the claim vetting → processor queues (and a
 * kind's in-process queues, e.g. `review`) → on completion a job on `submit` → the submitter or
 * the kind (chain checks, then post) → chain. Actions due at a block number go through the block
 * scheduler (`../scheduler`), which the listener runs after every finalized block. Failures carry
 * their own classification (`retryable`): transient ones are retried with exponential backoff;
 * permanent failures and exhausted retries are recorded in `dead-letter` with
 * `{ chainJobId, kind, reason, code }` unless the kind takes care of them.
 */
import { type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';

import { type JobLimits, type ModelproofClient, createClient, getJob, getJobLimits } from '@modelproof/sdk';
import { createIpfs } from '@modelproof/sdk/ipfs';

import { BondMonitor } from '../bond/index.js';
import type { Component, DaemonContext } from '../daemon/component.js';
import { JOB_KINDS, type JobKind, type KindRuntime, kindOf } from '../kinds/index.js';
import { type BlockHandler, Listener } from '../listener/index.js';
import { FINISHED_STATUSES } from '../protocol/index.js';
import { type FailureRecord, type ProcessorJobData, PipelineQueues, type QueueName, type QueueSettings, type SubmitJobData, classifyError, codeFromReason } from '../queues/index.js';
import { BlockScheduler, type ScheduledEntry } from '../scheduler/index.js';
import { Submitter, type SubmitOutcome } from '../submitter/index.js';
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
   * Environment of the sandboxed processors (default: the daemon context's `env`, the one the
   * configuration was read from). They rebuild their context from it (`MODELPROOF_WORKER_CONFIG`,
   * `MODELPROOF_WORKER_*`), see `processors/sandbox.ts`.
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

type ServedKind = (typeof JOB_KINDS)[number];

/** A running BullMQ worker of the pipeline. */
interface QueueWorker {
  queue: QueueName;
  worker: Worker;
  /** Runs a sandboxed processor (a kind's), not an in-process one. */
  sandboxed: boolean;
}

const DEFAULT_CLAIM_RETRY_MS = 2_000;
/** Failure codes that mean the job left the chain (pruned): nothing is left to do for it. */
const JOB_GONE = new Set(['Pipeline.JobNotFound', 'Pipeline.UnknownJob']);

/** Builds the pipeline's components from the daemon context. */
export function createPipeline(ctx: DaemonContext, options: PipelineOptions): Pipeline {
  const { config, keys, metrics } = ctx;
  const log = ctx.logger;
  const prefix = config.queue.prefix;
  const served: readonly ServedKind[] = JOB_KINDS.filter((k) => config.jobs[k.name] && options.processors[k.name] !== undefined);
  let client: ModelproofClient | undefined;
  let limits: JobLimits | undefined;
  let submitter: Submitter | undefined;
  let bond: BondMonitor | undefined;
  let redis: Redis | undefined;
  let queues: PipelineQueues | undefined;
  let scheduler: BlockScheduler | undefined;
  let deadLetters: DeadLetters | undefined;
  let claims: ClaimOnSubmission | undefined;
  let listener: Listener | undefined;
  let depthTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  const kinds: Partial<Record<JobKind, KindRuntime>> = {};
  const workers: QueueWorker[] = [];
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`pipeline: ${what} is not started`);
    return value;
  };
  const processorEnv = options.processorEnv ?? ctx.env;
  const runtimeNamed = (name: string): KindRuntime | undefined => kinds[name as JobKind];

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

  /** A queue job failed (an attempt, or for good): the kind it belongs to decides, else a final failure is dead-lettered. */
  const onFailed = (queue: QueueName) => (job: Job | undefined, error: Error) => {
    if (!job) return;
    void (async () => {
      const record = failureOf(queue, job, error.message, codeFromReason(error.message));
      // retried jobs go back to delayed/waiting; only a final failure is given up on
      const final = (await job.getState()) === 'failed';
      // an attempt cut short by the shutdown stays queued for the next start; nothing to decide now
      if (stopping && !final) return;
      const data = job.data as { chainJobId?: string; kind?: string };
      const chainJobId = String(data.chainJobId ?? '');
      if (final && JOB_GONE.has(record.code)) {
        log.info('job no longer on chain; dropped', { queue, jobId: record.jobId, chainJobId });
        return;
      }
      const submit = queue === 'submit' ? (job.data as SubmitJobData) : undefined;
      if (final && submit?.action === 'hand-back') {
        await need(deadLetters, 'queues').handBackSettled(submit.chainJobId, submit.failure, submit.reason, { handedBack: false, detail: error.message });
        return;
      }
      const kind = data.kind === undefined ? undefined : runtimeNamed(data.kind);
      const processorJob = queue === data.kind ? (job as Job<ProcessorJobData>) : undefined;
      const ownSubmission = submit !== undefined && submit.action !== 'claim' && submit.action !== 'expire' ? submit : undefined;
      if (kind?.failed && (processorJob || ownSubmission)) {
        const handled = await kind.failed({ queue, chainJobId, record, final, ...(processorJob && { processorJob }), ...(ownSubmission && { submission: ownSubmission }) });
        if (handled) return;
      }
      if (final) await need(deadLetters, 'queues').record({ ...record, chainJobId, kind: String(data.kind ?? queue) });
    })().catch((e: unknown) => log.error('could not handle a failed job', { queue, jobId: job.id, reason: String(e) }));
  };

  /** A processor's result goes to `submit` as its kind says; a malformed one is given up on. */
  const queueResult = async (module: ServedKind, job: Job<ProcessorJobData>, result: unknown): Promise<void> => {
    const kind = need(runtimeNamed(module.name), 'queues');
    try {
      await need(queues, 'queues').addSubmit(kind.resultSubmission(job, result) as SubmitJobData);
    } catch (error) {
      const c = classifyError(error);
      if (!c.permanent) throw error;
      const failure = { queue: module.name as QueueName, chainJobId: job.data.chainJobId, record: failureOf(module.name as QueueName, job, c.reason, c.code), final: true, processorJob: job };
      if (!(await kind.failed?.(failure))) await need(deadLetters, 'queues').record({ ...failure.record, chainJobId: job.data.chainJobId, kind: module.name });
    }
  };

  const onCompleted = (module: ServedKind) => (job: Job, result: unknown) => {
    void (async () => {
      await runtimeNamed(module.name)?.completed?.(job as Job<ProcessorJobData>);
      await queueResult(module, job as Job<ProcessorJobData>, result);
    })().catch((e: unknown) => log.error('could not queue a result for submission', { jobId: job.id, reason: String(e) }));
  };

  /** Re-queues results of processor jobs that completed while the daemon was going down. */
  const reconcile = async (): Promise<void> => {
    const q = need(queues, 'queues');
    for (const module of served) {
      for (const job of await q.processorQueue(module.name).getCompleted(0, 999)) {
        await queueResult(module, job as Job<ProcessorJobData>, job.returnvalue).catch((e: unknown) => log.error('could not queue a result for submission', { jobId: job.id, reason: String(e) }));
      }
    }
  };

  /** A scheduled action fell due: a kind's own (e.g. starting an aggregation), or a transaction on `submit`. */
  const dispatch = async (entry: ScheduledEntry): Promise<void> => {
    const owner = JOB_KINDS.find((k) => k.scheduledActions.includes(entry.action));
    if (owner) {
      const kind = runtimeNamed(owner.name);
      if (kind?.scheduled) await kind.scheduled(entry);
      else log.warn(`${owner.name} is off: not running a scheduled action`, { ...entry });
      return;
    }
    const job = await getJob(need(client, 'chain'), BigInt(entry.chainJobId));
    if (job === null || FINISHED_STATUSES.has(job.status)) return;
    const data = { action: entry.action, chainJobId: entry.chainJobId, kind: kindOf(job).name, atBlock: entry.atBlock };
    await need(queues, 'queues').addSubmit(data as SubmitJobData);
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
      const ipfs = createIpfs({ url: config.ipfs.apiUrl, timeoutMs: config.ipfs.fetchTimeoutMs, maxBytes: config.ipfs.maxModelBytes });
      const services = {
        client: c,
        limits: l,
        redis,
        prefix,
        queues,
        scheduler,
        submitter: need(submitter, 'chain'),
        deadLetters,
        ipfs,
        address: keys.address,
        x25519SecretKey: keys.x25519.secretKey,
        config,
        metrics,
      };
      for (const module of served) kinds[module.name] = module.create({ ...services, logger: log.child({ component: module.name }) });
      const vetting = new ClaimVetting({ client: c, bond: need(bond, 'chain'), kinds, metrics, logger: log.child({ component: 'vetting' }) });
      if (options.autoClaim ?? true) {
        claims = new ClaimOnSubmission({ client: c, queues, vetting, serves: new Set(served.map((k) => k.name)), logger: log.child({ component: 'vetting' }) });
      }

      for (const module of served) {
        const worker = new Worker(module.name, need(options.processors[module.name], 'processor'), {
          connection: redis,
          prefix,
          concurrency: module.concurrency(config),
          useWorkerThreads: options.useWorkerThreads ?? false,
          workerForkOptions: { env: { ...processorEnv } },
          workerThreadsOptions: { env: { ...processorEnv } },
        });
        worker.on('completed', onCompleted(module));
        workers.push({ queue: module.name as QueueName, worker, sandboxed: true });
        for (const own of need(kinds[module.name], 'kind').inProcessQueues ?? []) {
          workers.push({ queue: own.queue, worker: new Worker(own.queue, (job) => own.process(job), { connection: redis, prefix, concurrency: own.concurrency }), sandboxed: false });
        }
      }
      const runner = new SubmitRunner({
        submitter: need(submitter, 'chain'),
        capacity,
        bond: need(bond, 'chain'),
        scheduler,
        vetting,
        deadLetters,
        kinds,
        metrics,
        logger: log,
        claimRetryMs: options.claimRetryMs ?? DEFAULT_CLAIM_RETRY_MS,
      });
      workers.push({ queue: 'submit', worker: new Worker<SubmitJobData, SubmitOutcome>('submit', runner.process, { connection: redis, prefix, concurrency: 1 }) as unknown as Worker, sandboxed: false });
      for (const { queue, worker } of workers) {
        worker.on('failed', onFailed(queue));
        worker.on('error', (e) => log.warn('queue worker error', { queue, reason: e.message }));
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
      // BullMQ's close() waits for the running jobs. Those still running after half the shutdown
      // budget are cancelled (`cancelAllJobs`: their processors' abort signals fire; ours give the
      // job up at once as a transient failure), so their jobs stay queued for the next start or
      // another worker, and close() goes on to stop the sandboxed children.
      const budget = Math.max(0, Math.floor(config.shutdown.timeoutMs / 2));
      await Promise.all(
        workers.map(async ({ queue, worker, sandboxed }) => {
          let timer: NodeJS.Timeout | undefined;
          const closed = worker.close();
          const inTime = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), budget)))]);
          clearTimeout(timer);
          if (!inTime) {
            log.warn(sandboxed ? 'cancelling processors still running at shutdown; their jobs stay queued' : 'cancelling jobs still running at shutdown', { queue });
            worker.cancelAllJobs('the worker is shutting down');
          }
          await closed;
        }),
      );
      workers.length = 0;
      for (const name of Object.keys(kinds)) delete kinds[name as JobKind];
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
      const handlers: BlockHandler[] = [need(bond, 'chain'), need(scheduler, 'queues'), ...(claims ? [claims] : []), ...Object.values(kinds)];
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
