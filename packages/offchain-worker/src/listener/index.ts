/**
 * The finalized-event listener. It follows FINALIZED heads only and processes every finalized
 * block exactly once, in order, from a cursor kept in Redis:
 *
 * - `<prefix>:cursor` (a hash: `number`, `hash`) is the last block whose work is fully enqueued;
 *   it advances only after the block's queue jobs are added (job ids from chain ids, so a block
 *   processed twice after a crash yields the same jobs, not new ones);
 * - on start it catches up from cursor + 1 to the finalized head, then follows new finalized
 *   heads; after a dropped connection (the SDK client reconnects by itself) it catches up again
 *   from the cursor, so no block is skipped;
 * - without a cursor (first start) it begins at the current finalized head (or `startBlock`).
 *
 * Events (ComputeJobs):
 * - `JobSubmitted` (with `autoClaim`): an Open inference job on a model this worker holds a
 *   grant for, or an aggregation job → a `claim-<jobId>` job on the `submit` queue;
 * - `JobClaimed` by this worker of an inference job → `inference-<jobId>` on `inference`;
 * - `CommitteeFormed` containing this worker → logged (nothing to do until contributions close);
 * - `ContributionsClosed` of a job whose committee includes this worker → `aggregation-<jobId>`.
 */
import type { Redis } from 'ioredis';

import { type DecodedEvent, type ModelproofClient, decodeEvent, getGrant, getJob } from '@modelproof/sdk';

import type { Logger } from '../log/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import type { Hex, PipelineQueues } from '../queues/index.js';
import { sameAccount } from '../submitter/index.js';

export interface ListenerOptions {
  client: ModelproofClient;
  /** Redis connection for the cursor. */
  redis: Redis;
  queues: PipelineQueues;
  /** Key prefix (the queue prefix): the cursor is `<prefix>:cursor`. */
  prefix: string;
  /** This worker's account (SS58). */
  address: string;
  logger: Logger;
  metrics: WorkerMetrics;
  /** Claim open jobs this worker can serve (default true). */
  autoClaim?: boolean;
  /** First block to process when there is no cursor yet (default: the finalized head at start). */
  startBlock?: number;
  /** Delay before retrying after a failed block (default 1000 ms). */
  retryDelayMs?: number;
}

export interface Cursor {
  number: number;
  hash: Hex;
}

export function cursorKey(prefix: string): string {
  return `${prefix}:cursor`;
}

/** Reads the cursor (`null` if none). */
export async function readCursor(redis: Redis, prefix: string): Promise<Cursor | null> {
  const value = await redis.hgetall(cursorKey(prefix));
  if (value['number'] === undefined || value['hash'] === undefined) return null;
  return { number: Number(value['number']), hash: value['hash'] as Hex };
}

const toId = (value: unknown): string => (typeof value === 'bigint' || typeof value === 'number' ? String(value) : String(value as string));

export class Listener {
  private readonly o: ListenerOptions;
  private readonly log: Logger;
  private cursor: Cursor | null = null;
  private target = -1;
  private running = false;
  private stopped = true;
  private unsubscribe: (() => void) | undefined;
  private offConnected: (() => void) | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> = Promise.resolve();
  private lastError: string | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(options: ListenerOptions) {
    this.o = options;
    this.log = options.logger;
  }

  /** The last fully processed block. */
  get position(): Cursor | null {
    return this.cursor;
  }

  health(): { ok: boolean; detail: string } {
    if (this.stopped) return { ok: false, detail: 'stopped' };
    if (this.lastError) return { ok: false, detail: `retrying: ${this.lastError}` };
    return { ok: true, detail: this.cursor ? `at block ${this.cursor.number}` : 'starting' };
  }

  async start(): Promise<void> {
    this.stopped = false;
    const { api } = this.o.client;
    this.cursor = await readCursor(this.o.redis, this.o.prefix);
    if (this.cursor) {
      const hash = (await api.rpc.chain.getBlockHash(this.cursor.number)).toHex();
      if (hash !== this.cursor.hash) {
        throw Object.assign(new Error(`the cursor in Redis (block ${this.cursor.number} ${this.cursor.hash}) is not on this chain (${hash}); another chain shares this Redis prefix`), {
          code: 'Pipeline.CursorMismatch',
        });
      }
    }
    const finalized = await this.finalizedNumber();
    if (!this.cursor) {
      const first = this.o.startBlock ?? finalized;
      if (first > 0) this.cursor = { number: first - 1, hash: (await api.rpc.chain.getBlockHash(first - 1)).toHex() as Hex };
      else this.cursor = null; // start at genesis (block 0 has no events of interest, but is processed for completeness)
    }
    this.log.info('listener starting', { from: (this.cursor?.number ?? -1) + 1, finalized });
    this.target = finalized;
    this.unsubscribe = await api.rpc.chain.subscribeFinalizedHeads((header) => {
      this.target = Math.max(this.target, header.number.toNumber());
      this.kick();
    });
    // The provider re-subscribes after a reconnect; ask for the head too, in case finality moved while down.
    const onConnected = (): void => {
      this.finalizedNumber().then(
        (n) => {
          this.target = Math.max(this.target, n);
          this.kick();
        },
        () => undefined,
      );
    };
    api.on('connected', onConnected);
    this.offConnected = () => api.off('connected', onConnected);
    this.kick();
  }

  /** Resolves once every finalized block known so far is processed (tests, shutdown). */
  idle(): Promise<void> {
    if (!this.running && (this.cursor?.number ?? -1) >= this.target) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops following heads; the block in progress finishes (its cursor is written) first. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.offConnected?.();
    try {
      this.unsubscribe?.();
    } catch {
      // the connection may already be gone
    }
    await this.loop;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private async finalizedNumber(): Promise<number> {
    const { api } = this.o.client;
    const hash = await api.rpc.chain.getFinalizedHead();
    return (await api.rpc.chain.getHeader(hash)).number.toNumber();
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.loop = this.catchUp().finally(() => {
      this.running = false;
      if ((this.cursor?.number ?? -1) >= this.target || this.stopped) for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  private async catchUp(): Promise<void> {
    const { api } = this.o.client;
    try {
      while (!this.stopped && (this.cursor?.number ?? -1) < this.target) {
        const number = (this.cursor?.number ?? -1) + 1;
        const hash = (await api.rpc.chain.getBlockHash(number)).toHex() as Hex;
        if (this.cursor && number > 0) {
          const header = await api.rpc.chain.getHeader(hash);
          if (header.parentHash.toHex() !== this.cursor.hash) {
            throw new Error(`block ${number} does not extend the cursor (${this.cursor.hash})`);
          }
        }
        await this.processBlock(number, hash);
        await this.o.redis.hset(cursorKey(this.o.prefix), { number: String(number), hash });
        this.cursor = { number, hash };
        this.lastError = undefined;
        this.log.debug('block processed', { number, hash });
        const best = (await api.rpc.chain.getHeader()).number.toNumber();
        this.o.metrics.headLag.set(Math.max(0, best - number));
      }
    } catch (error) {
      if (this.stopped) return;
      this.lastError = error instanceof Error ? error.message : String(error);
      this.log.warn('listener: block processing failed; retrying from the cursor', { cursor: this.cursor?.number ?? null, reason: this.lastError });
      this.retryTimer = setTimeout(() => this.kick(), this.o.retryDelayMs ?? 1000);
      this.retryTimer.unref();
    }
  }

  private async processBlock(number: number, hash: Hex): Promise<void> {
    const { api } = this.o.client;
    const records = (await api.query['system']!['events']!.at(hash)) as unknown as Iterable<Parameters<typeof decodeEvent>[1]>;
    for (const record of records) {
      const event = decodeEvent(api, record);
      if (event.section !== 'ComputeJobs') continue;
      await this.handle(event, number);
    }
  }

  private async handle(event: DecodedEvent, block: number): Promise<void> {
    const { client, queues, address } = this.o;
    const jobId = toId(event.data['jobId']);
    switch (event.method) {
      case 'JobSubmitted': {
        if (this.o.autoClaim === false) return;
        const kind = event.data['kind'];
        const isInference = kind === 'Inference' || (typeof kind === 'object' && kind !== null && 'Inference' in kind);
        if (isInference) {
          const job = await getJob(client, BigInt(jobId));
          if (!job || job.kind.type !== 'Inference') return;
          if ((await getGrant(client, job.kind.modelId, address)) === null) return;
        }
        await queues.addSubmit({ action: 'claim', chainJobId: jobId, kind: isInference ? 'inference' : 'aggregation' });
        this.log.info('claim queued', { chainJobId: jobId, block });
        return;
      }
      case 'JobClaimed': {
        if (!sameAccount(event.data['worker'] as string, address)) return;
        const job = await getJob(client, BigInt(jobId));
        if (!job || job.kind.type !== 'Inference') return; // aggregation: waits for ContributionsClosed
        await queues.addInference({
          chainJobId: jobId,
          kind: 'inference',
          modelId: String(job.kind.modelId),
          circuitId: job.kind.circuitId,
          inputHash: job.kind.inputHash,
          inputCid: job.kind.inputCid,
          deadline: job.deadline,
          block,
        });
        this.log.info('inference job queued', { chainJobId: jobId, block });
        return;
      }
      case 'CommitteeFormed': {
        const committee = (event.data['committee'] as string[] | undefined) ?? [];
        if (committee.some((m) => sameAccount(m, address))) this.log.info('in the committee of an aggregation job', { chainJobId: jobId, block });
        return;
      }
      case 'ContributionsClosed': {
        const job = await getJob(client, BigInt(jobId));
        if (!job || job.kind.type !== 'Aggregation') return;
        const memberIndex = job.kind.committee.findIndex((m) => sameAccount(m, address));
        if (memberIndex < 0) return;
        await queues.addAggregation({
          chainJobId: jobId,
          kind: 'aggregation',
          committee: job.kind.committee,
          memberIndex,
          contributors: Number(event.data['contributors'] ?? 0),
          deadline: job.deadline,
          block,
        });
        this.log.info('aggregation job queued', { chainJobId: jobId, block });
        return;
      }
      default:
        return;
    }
  }
}
