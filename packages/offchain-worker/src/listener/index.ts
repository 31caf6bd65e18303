/**
 * The finalized-event listener. It follows FINALIZED heads only and processes every finalized
 * block exactly once, in order, from a cursor kept in Redis:
 *
 * - `<prefix>:cursor` (a hash: `number`, `hash`) is the last block whose work is fully enqueued;
 *   it advances only after the block's queue jobs are added (job ids from chain ids, so a block
 *   processed twice after a crash yields the same jobs, not new ones);
 * - on start it catches up from cursor + 1 to the finalized head, then follows new finalized
 *   heads through the SDK's `watchBlocks(…, { finalized: true })`, which rides out dropped
 *   connections (the SDK client reconnects by itself and the watch resumes); every head it
 *   reports moves the target, and the listener walks from its cursor to it, so no block is
 *   skipped however far the chain moved meanwhile;
 * - without a cursor (first start) it begins at the current finalized head (or `startBlock`).
 *
 * What happens with a block is the handlers' business: each {@link BlockHandler} gets every
 * `ComputeJobs` event of the block in order, then `onBlockEnd` (the scheduler dispatches the
 * actions due at that block), and only then does the cursor move past it. A handler that throws
 * makes the block be processed again (after `retryDelayMs`): handlers are idempotent.
 */
import type { Redis } from 'ioredis';

import { type DecodedEvent, type ModelproofClient, type Unwatch, getBlockEvents, watchBlocks } from '@modelproof/sdk';

import type { Logger } from '../log/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import type { Hex } from '../queues/index.js';

/** What a part of the pipeline does with finalized blocks. */
export interface BlockHandler {
  /** A `ComputeJobs` event of finalized block `block`. */
  onEvent?(event: DecodedEvent, block: number): Promise<void>;
  /** Every event of the block was handled; the cursor moves past it once all handlers return. */
  onBlockEnd?(block: number): Promise<void>;
}

export interface ListenerOptions {
  client: ModelproofClient;
  /** Redis connection for the cursor. */
  redis: Redis;
  /** Key prefix (the queue prefix): the cursor is `<prefix>:cursor`. */
  prefix: string;
  /** Called in this order for every block. */
  handlers: BlockHandler[];
  logger: Logger;
  metrics: WorkerMetrics;
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

export class Listener {
  private readonly o: ListenerOptions;
  private readonly log: Logger;
  private cursor: Cursor | null = null;
  private target = -1;
  private running = false;
  private stopped = true;
  private unwatch: Unwatch | undefined;
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
    // Only the newest head matters (the walk from the cursor covers every block below it), so the
    // watch's own catch-up after a reconnect is limited to that head.
    this.unwatch = watchBlocks(
      this.o.client,
      ({ blockNumber }) => {
        this.target = Math.max(this.target, blockNumber);
        this.kick();
      },
      { finalized: true, maxCatchUp: 0, onError: (error) => this.log.warn('finalized-head watch failed', { reason: error instanceof Error ? error.message : String(error) }) },
    );
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
    this.unwatch?.();
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
    for (const event of await getBlockEvents(this.o.client, { blockNumber: number, blockHash: hash })) {
      if (event.section !== 'ComputeJobs') continue;
      for (const handler of this.o.handlers) await handler.onEvent?.(event, number);
    }
    for (const handler of this.o.handlers) await handler.onBlockEnd?.(number);
  }
}
