/**
 * How long this worker takes to deliver an inference job of a circuit: the wall time of its
 * processor jobs (fetch, decrypt, prove, verify), measured on every success and kept as a moving
 * estimate per circuit id in the Redis hash `<prefix>:proving-ms` (shared by the workers of one
 * prefix, kept across restarts). Before a circuit's first measurement it is the configured
 * `jobs.provingTimeEstimateMs`.
 *
 * The estimate guards deadlines (a job is claimed only with enough time to prove it, and handed
 * back when retries eat that time up), so it errs on the slow side: a slower run raises it at
 * once, faster runs lower it gradually.
 */
import type { Redis } from 'ioredis';

import type { Hex } from '../../queues/index.js';

/** Share of a faster measurement that moves the estimate down. */
const FALL_RATE = 0.2;

export class ProvingEstimate {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    /** Used for a circuit not measured yet (`jobs.provingTimeEstimateMs`). */
    private readonly defaultMs: number,
  ) {
    this.key = `${prefix}:proving-ms`;
  }

  /** The expected time to deliver a job of `circuitId`, in ms. */
  async get(circuitId: Hex): Promise<number> {
    const stored = await this.redis.hget(this.key, circuitId.toLowerCase());
    return stored === null ? this.defaultMs : Number(stored);
  }

  /** Adds a measurement. */
  async record(circuitId: Hex, ms: number): Promise<void> {
    const field = circuitId.toLowerCase();
    const stored = await this.redis.hget(this.key, field);
    const previous = stored === null ? undefined : Number(stored);
    const next = previous === undefined || ms >= previous ? ms : previous + (ms - previous) * FALL_RATE;
    await this.redis.hset(this.key, field, String(Math.round(next)));
  }
}
