/**
 * Inference jobs in the pipeline: which finalized events start what, and how the worker gives a
 * job up without being slashed for it.
 *
 * (A submitted job is vetted and claimed by `../vetting`.)
 *
 * - `JobClaimed` by this worker (the job still `Claimed` by it): `inference-<jobId>` on
 *   `inference`, and an `expire` check after the deadline, which releases the claim should the
 *   job never settle;
 * - a processor job that completed: its wall time is a measurement for the circuit's proving
 *   estimate (`./estimate.ts`);
 * - giving up — a permanent failure, retries exhausted, a result the chain refused, or retries
 *   that could no longer finish before the deadline — queues `hand-back-<jobId>` with the reason
 *   that matches the failure (`handBackReasonFor`): the job fails without a slash and the
 *   consumer is refunded, instead of the claim sitting there until the deadline slashes the
 *   worker. The dead letter is written once the hand-back settled, saying whether it went through.
 */
import type { Job as QueueJob } from 'bullmq';

import { type DecodedEvent, type HandBackReason, type ModelproofClient, getJob } from '@modelproof/sdk';

import type { BlockHandler } from '../listener/index.js';
import type { Logger } from '../log/index.js';
import { sameAccount } from '../protocol/index.js';
import type { FailureRecord, InferenceJobData, PipelineQueues } from '../queues/index.js';
import type { BlockScheduler } from '../scheduler/index.js';
import type { ProvingEstimate } from './estimate.js';

export { ProvingEstimate } from './estimate.js';

/** Blocks a result needs beyond proving: its inclusion, and a hand-back's should it fail. */
const DELIVERY_MARGIN_BLOCKS = 2;

const MODEL_UNAVAILABLE = new Set([
  'Model.DigestMismatch',
  'Model.BadManifest',
  'Model.NotFound',
  'Ipfs.TooLarge',
  'Ipfs.NotFound',
  'Ipfs.Timeout',
  'Ipfs.InvalidCid',
  'Model.BadBundle',
  'Zk.ArtifactMismatch',
  'Pipeline.CircuitNotFound',
]);
/** The input's fault: unreadable, not sealed to us, not hashing to `input_hash`, or outside the model's calibrated range (no witness). */
const INVALID_INPUT = new Set(['Input.Invalid', 'Job.BadInput', 'Job.NotARecipient', 'Zk.BadInput', 'Zk.WitnessFailed']);

/**
 * The hand-back reason for the code a job's processing failed with. The inference processor
 * tags failures of the input download `Input.*`, so an `Ipfs.*` code left is the model's
 * download; our own trouble (an unreachable IPFS node or chain, a prover fault) is `Withdrawn`.
 */
export function handBackReasonFor(code: string): HandBackReason {
  if (code === 'Input.Unavailable') return 'InputUnavailable';
  if (INVALID_INPUT.has(code)) return 'InvalidInput';
  if (code === 'Model.NoGrant') return 'GrantRevoked';
  if (MODEL_UNAVAILABLE.has(code) || code.startsWith('Crypto.')) return 'ModelUnavailable';
  return 'Withdrawn';
}

export interface InferenceFlowOptions {
  client: ModelproofClient;
  queues: PipelineQueues;
  scheduler: BlockScheduler;
  estimate: ProvingEstimate;
  /** This worker's account (SS58). */
  address: string;
  blockTimeMs: number;
  logger: Logger;
}

export class InferenceFlow implements BlockHandler {
  private readonly log: Logger;

  constructor(private readonly o: InferenceFlowOptions) {
    this.log = o.logger;
  }

  async onEvent(event: DecodedEvent, block: number): Promise<void> {
    if (event.method !== 'JobClaimed' || !sameAccount(event.data['worker'] as string, this.o.address)) return;
    const chainJobId = String(event.data['jobId']);
    const job = await getJob(this.o.client, BigInt(chainJobId));
    if (job === null || job.kind.type !== 'Inference' || job.status !== 'Claimed' || !sameAccount(job.kind.worker, this.o.address)) return;
    await this.o.queues.addInference({
      chainJobId,
      kind: 'inference',
      modelId: String(job.kind.modelId),
      circuitId: job.kind.circuitId,
      inputHash: job.kind.inputHash,
      inputCid: job.kind.inputCid,
      deadline: job.deadline,
      block,
    });
    await this.o.scheduler.schedule('expire', chainJobId, job.deadline + 1);
    this.log.info('inference job queued', { chainJobId, block });
  }

  /** A processor job completed: its wall time is a measurement of its circuit. */
  async completed(job: QueueJob<InferenceJobData>): Promise<void> {
    if (job.processedOn === undefined || job.finishedOn === undefined) return;
    await this.o.estimate.record(job.data.circuitId, job.finishedOn - job.processedOn);
  }

  /** Gives the job up: queues its hand-back, with the reason that matches the failure unless one is given. */
  async giveUp(chainJobId: string, failure: FailureRecord, reason: HandBackReason = handBackReasonFor(failure.code)): Promise<void> {
    await this.o.queues.addSubmit({ action: 'hand-back', chainJobId, kind: 'inference', reason, failure });
    this.log.info('handing the job back', { chainJobId, reason, code: failure.code });
  }

  /**
   * An attempt failed and will be retried after `job.delay` (BullMQ's backoff). When the blocks
   * left before the deadline no longer cover that wait plus the proving estimate, retrying risks
   * the slash: stop and withdraw instead.
   */
  async retrying(job: QueueJob<InferenceJobData>, failure: FailureRecord): Promise<void> {
    const head = (await this.o.client.api.rpc.chain.getHeader()).number.toNumber();
    const left = job.data.deadline - head;
    const nextAttemptMs = job.delay + (await this.o.estimate.get(job.data.circuitId));
    const needed = Math.ceil(nextAttemptMs / this.o.blockTimeMs) + DELIVERY_MARGIN_BLOCKS;
    if (left >= needed) return;
    try {
      await job.remove();
    } catch {
      return; // already running again: its own outcome decides
    }
    const why = `stopped retrying: ${left} blocks left before the deadline, about ${needed} needed`;
    this.log.warn('deadline near; withdrawing instead of retrying', { chainJobId: job.data.chainJobId, code: failure.code, left, needed });
    await this.giveUp(job.data.chainJobId, { ...failure, reason: `${failure.reason} (${why})` }, 'Withdrawn');
  }
}
