/**
 * Recording what the worker gave up on: an entry in `dead-letter` (one per failed queue job), the
 * counter `modelproof_worker_failures_total{kind,reason}` and a warning. An inference job given
 * up on stops counting against the claim capacity at once.
 */
import type { HandBackReason } from '@modelproof/sdk';

import type { Logger } from '../log/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import type { DeadLetterData, FailureRecord, PipelineQueues } from '../queues/index.js';
import type { ClaimCapacity } from './capacity.js';

export class DeadLetters {
  constructor(
    private readonly queues: PipelineQueues,
    private readonly capacity: ClaimCapacity,
    private readonly metrics: WorkerMetrics,
    private readonly log: Logger,
  ) {}

  async record(entry: DeadLetterData): Promise<void> {
    await this.queues.addDeadLetter(entry);
    if (entry.kind === 'inference' && entry.chainJobId !== '') await this.capacity.forget(entry.chainJobId);
    this.metrics.failures.inc({ kind: entry.kind, reason: entry.code });
    const { queue, jobId, chainJobId, code, reason, handBack } = entry;
    this.log.warn('job dead-lettered', { queue, jobId, chainJobId, code, reason, ...(handBack && { handBack }) });
  }

  /** The hand-back of an inference job given up on settled: its dead letter says whether it went through. */
  async handBackSettled(chainJobId: string, failure: FailureRecord, reason: HandBackReason, settled: { handedBack: boolean; detail?: string }): Promise<void> {
    if (settled.handedBack) this.metrics.handBacks.inc({ reason });
    await this.record({ ...failure, chainJobId, kind: 'inference', handBack: { reason, ...settled } });
  }
}
