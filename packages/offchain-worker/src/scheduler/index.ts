/**
 * The block scheduler: protocol actions due at a block number (a committee can be drawn from
 * `candidacyEnd + 2`, contributions close after the contribution deadline, partial sums are
 * accepted after `reviewEnd`, a job expires after its deadline), kept in Redis so they survive
 * restarts.
 *
 * `<prefix>:schedule` is a sorted set: score = the block the action is due at, member = the JSON
 * of `{ action, chainJobId }`. One entry per action and job: scheduling it again from an event
 * keeps the earlier block ({@link schedule}); an action that ran and says when to look again
 * sets the block ({@link reschedule}). Once the listener has processed finalized block N it calls {@link onBlockEnd},
 * which hands every entry due at N or before to `dispatch` and then removes it. `dispatch`
 * enqueues a queue job whose id names the action, the job and the block it was due at, so an
 * entry dispatched twice (a crash between enqueueing and removing) is still one queue job,
 * while an action rescheduled to a later block is a new one.
 */
import type { Redis } from 'ioredis';

import type { DecodedEvent } from '@modelproof/sdk';

import type { BlockHandler } from '../listener/index.js';
import type { Logger } from '../log/index.js';
import { SCHEDULED_ACTIONS, type ScheduledAction } from '../queues/index.js';

export interface ScheduledEntry {
  action: ScheduledAction;
  chainJobId: string;
  /** The block it is due at. */
  atBlock: number;
}

/** Events after which nothing is left to do for a job. */
const FINAL_EVENTS = new Set(['JobCompleted', 'JobFailed', 'JobExpired', 'JobPruned']);

// Removes the entry only if it still has the score it was dispatched with: the action it started
// may already have rescheduled itself to a later block.
const REMOVE_IF_UNCHANGED = `if redis.call('ZSCORE', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('ZREM', KEYS[1], ARGV[1]) end return 0`;

const member = (action: ScheduledAction, chainJobId: string): string => JSON.stringify({ action, chainJobId });

export function scheduleKey(prefix: string): string {
  return `${prefix}:schedule`;
}

export class BlockScheduler implements BlockHandler {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly dispatch: (entry: ScheduledEntry) => Promise<void>,
    private readonly log: Logger,
  ) {
    this.key = scheduleKey(prefix);
  }

  /** Schedules `action` for the job at `atBlock`, unless it is already due earlier. */
  async schedule(action: ScheduledAction, chainJobId: bigint | string, atBlock: number): Promise<void> {
    await this.redis.zadd(this.key, 'LT', atBlock, member(action, String(chainJobId)));
    this.log.debug('action scheduled', { action, chainJobId: String(chainJobId), atBlock });
  }

  /** Schedules `action` for the job at `atBlock`, earlier or later than it was: what an action that ran says about its next turn. */
  async reschedule(action: ScheduledAction, chainJobId: bigint | string, atBlock: number): Promise<void> {
    await this.redis.zadd(this.key, atBlock, member(action, String(chainJobId)));
    this.log.debug('action rescheduled', { action, chainJobId: String(chainJobId), atBlock });
  }

  /** Every scheduled entry, earliest first. */
  async entries(): Promise<ScheduledEntry[]> {
    const flat = await this.redis.zrange(this.key, 0, -1, 'WITHSCORES');
    return this.parse(flat);
  }

  /** Drops every action of a job. */
  async cancel(chainJobId: bigint | string): Promise<void> {
    await this.redis.zrem(this.key, ...SCHEDULED_ACTIONS.map((action) => member(action, String(chainJobId))));
  }

  async onEvent(event: DecodedEvent): Promise<void> {
    if (FINAL_EVENTS.has(event.method)) await this.cancel(String(event.data['jobId']));
  }

  /** Dispatches and removes the entries due at `block` or before, earliest first. */
  async onBlockEnd(block: number): Promise<void> {
    const due = this.parse(await this.redis.zrangebyscore(this.key, '-inf', block, 'WITHSCORES'));
    for (const entry of due) {
      await this.dispatch(entry);
      await this.redis.eval(REMOVE_IF_UNCHANGED, 1, this.key, member(entry.action, entry.chainJobId), String(entry.atBlock));
      this.log.debug('scheduled action dispatched', { ...entry, block });
    }
  }

  private parse(flat: string[]): ScheduledEntry[] {
    const out: ScheduledEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const { action, chainJobId } = JSON.parse(flat[i]!) as { action: ScheduledAction; chainJobId: string };
      out.push({ action, chainJobId, atBlock: Number(flat[i + 1]) });
    }
    return out;
  }
}
