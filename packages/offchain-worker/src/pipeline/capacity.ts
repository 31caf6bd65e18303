/**
 * How many inference jobs this worker may hold at once: it claims a new one only while the jobs it
 * has claimed and not yet settled are fewer than its inference concurrency. A worker that claimed
 * everything it saw would sit on a backlog that idle workers could have proven. Every claim (an
 * inference claim, a committee candidacy or seat) also counts against the chain's
 * `MaxOpenClaims`, which one bond backs: at that limit claims wait too.
 *
 * The chain is the judge of what is still held (a job `Claimed` by this worker); the Redis set
 * `<prefix>:claimed` only remembers which ids to ask about, so it survives restarts and never
 * drifts: ids of settled, expired or lost jobs are dropped when next counted, and a dead-lettered
 * job is forgotten at once (the worker no longer works on it).
 */
import type { Redis } from 'ioredis';

import { getJob, getWorker, type ModelproofClient } from '@modelproof/sdk';

import { sameAccount } from '../protocol/index.js';

export class ClaimCapacity {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly client: ModelproofClient,
    private readonly address: string,
    /** Inference jobs held at most (the processor's concurrency). */
    readonly limit: number,
    /** The runtime's `ComputeJobs.MaxOpenClaims`. */
    readonly maxOpenClaims: number,
  ) {
    this.key = `${prefix}:claimed`;
  }

  /** Inference jobs claimed by this worker and still open on chain. */
  async held(): Promise<number> {
    let held = 0;
    for (const id of await this.redis.smembers(this.key)) {
      const job = await getJob(this.client, BigInt(id));
      if (job?.status === 'Claimed' && job.kind.type === 'Inference' && sameAccount(job.kind.worker, this.address)) held++;
      else await this.redis.srem(this.key, id);
    }
    return held;
  }

  async available(): Promise<boolean> {
    return (await this.held()) < this.limit;
  }

  /** The chain would refuse another claim (`TooManyOpenClaims`): this worker holds `MaxOpenClaims` already. */
  async openClaimsFull(): Promise<boolean> {
    const worker = await getWorker(this.client, this.address);
    return worker !== null && worker.openJobs >= this.maxOpenClaims;
  }

  /** Records a job this worker claimed. */
  async remember(chainJobId: bigint | string): Promise<void> {
    await this.redis.sadd(this.key, String(chainJobId));
  }

  /** Stops counting a job this worker gave up on (dead-lettered): it stays claimed on chain until it expires. */
  async forget(chainJobId: bigint | string): Promise<void> {
    await this.redis.srem(this.key, String(chainJobId));
  }
}
