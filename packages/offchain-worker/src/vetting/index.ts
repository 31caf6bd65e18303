/**
 * Vetting before a claim. A claim the worker cannot honour costs it: an inference job it cannot
 * deliver by the deadline is slashed unless handed back, and every claim holds one of the
 * `MaxOpenClaims` its bond backs. So a job seen in `JobSubmitted` is claimed only when:
 *
 * - this worker serves the kind (`jobs.inference` / `jobs.aggregation`) and its bond is whole;
 * - the reward is at least `jobs.minReward` (aggregation: per committee seat);
 * - inference: it holds a grant on the model; the blocks left before the deadline, at
 *   `chain.blockTimeMs` each, cover `jobs.deadlineSafetyFactor` × the circuit's proving estimate;
 *   the job's circuit is on chain; the model's manifest (its proving artifacts travel in the
 *   model's encrypted bundle) comes from IPFS within `ipfs.manifestTimeoutMs` and its `size` is
 *   at most `ipfs.maxModelBytes`
 *   (a model registered as a bare encrypted object has no manifest: its size is checked while
 *   downloading, and a too large one is handed back);
 * - aggregation: the candidacy rule lets it apply (during the candidacy period, or later while
 *   there are fewer candidates than seats, before the contribution deadline).
 *
 * Every skip is an info line `claim skipped` with the reason and the counter
 * `modelproof_worker_claims_skipped_total{reason}`. {@link ClaimOnSubmission} is the listener's
 * handler that vets every `JobSubmitted` and queues `claim-<jobId>` for the fit ones.
 */
import {
  type AggregationJobKind,
  type DecodedEvent,
  type InferenceJobKind,
  type Job,
  type ModelproofClient,
  getGrant,
  getJob,
  getModel,
  isModelproofError,
} from '@modelproof/sdk';
import { MODEL_MAGIC } from '@modelproof/sdk/crypto';
import type { Ipfs } from '@modelproof/sdk/ipfs';
import { MAX_MANIFEST_LEN, decodeManifest } from '@modelproof/sdk/models';

import type { ProvingEstimate } from '../inference/estimate.js';
import type { BlockHandler } from '../listener/index.js';
import type { Logger } from '../log/index.js';
import type { JobKind, WorkerMetrics } from '../metrics/index.js';
import { type AggregationJob, candidacyClosed, submittedKind } from '../protocol/index.js';
import type { PipelineQueues } from '../queues/index.js';

/** Why a job was not claimed (the `reason` label of `modelproof_worker_claims_skipped_total`). */
export type SkipReason =
  | 'inference-disabled'
  | 'aggregation-disabled'
  | 'bond-too-low'
  | 'job-not-open'
  | 'reward-too-low'
  | 'no-grant'
  | 'deadline-too-close'
  | 'manifest-unavailable'
  | 'model-too-large'
  | 'candidacy-closed';

export type Verdict = { claim: true } | { claim: false; reason: SkipReason; detail: string };

const CLAIM: Verdict = { claim: true };
const skip = (reason: SkipReason, detail: string): Verdict => ({ claim: false, reason, detail });

export interface VettingOptions {
  client: ModelproofClient;
  ipfs: Pick<Ipfs, 'catStream'>;
  /** This worker's account (SS58). */
  address: string;
  /** Whether the bond is whole (see `../bond`). */
  bond: { readonly canClaim: boolean };
  estimate: ProvingEstimate;
  /** Planck. */
  minReward: bigint;
  blockTimeMs: number;
  deadlineSafetyFactor: number;
  maxModelBytes: number;
  manifestTimeoutMs: number;
  metrics: WorkerMetrics;
  logger: Logger;
}

export class ClaimVetting {
  constructor(private readonly o: VettingOptions) {}

  /** Whether to claim `job`; a skip is logged and counted. */
  async vet(job: Job): Promise<Verdict> {
    const verdict = await this.judge(job);
    if (!verdict.claim) this.skipped(job.id, verdict.reason, verdict.detail);
    return verdict;
  }

  /** Records a claim not made, for whatever part of the pipeline decided it. */
  skipped(chainJobId: bigint | string, reason: SkipReason, detail: string): void {
    this.o.metrics.claimsSkipped.inc({ reason });
    this.o.logger.info('claim skipped', { chainJobId: String(chainJobId), reason, detail });
  }

  private async judge(job: Job): Promise<Verdict> {
    if (!this.o.bond.canClaim) return skip('bond-too-low', 'the worker bond is below ComputeJobs.WorkerBond');
    if (job.status !== 'Open') return skip('job-not-open', `job is ${job.status}`);
    const head = (await this.o.client.api.rpc.chain.getHeader()).number.toNumber();
    return job.kind.type === 'Inference' ? this.inference(job, job.kind, head) : this.aggregation(job, job.kind, head);
  }

  private async inference(job: Job, kind: InferenceJobKind, head: number): Promise<Verdict> {
    if (job.reward < this.o.minReward) return skip('reward-too-low', `reward ${job.reward} is below jobs.minReward ${this.o.minReward}`);
    if ((await getGrant(this.o.client, kind.modelId, this.o.address)) === null) return skip('no-grant', `no grant on model ${kind.modelId}`);
    const availableMs = (job.deadline - head) * this.o.blockTimeMs;
    const neededMs = (await this.o.estimate.get(kind.circuitId)) * this.o.deadlineSafetyFactor;
    if (availableMs < neededMs) {
      return skip('deadline-too-close', `${job.deadline - head} blocks (~${availableMs} ms) left, ${neededMs} ms needed (proving estimate × jobs.deadlineSafetyFactor)`);
    }
    // The proving artifacts travel with the model (its encrypted bundle): the model's size and
    // availability below are theirs. (The job's circuit is on chain: models bind only registered
    // circuits, which are never removed.)
    return this.modelSize(kind.modelId);
  }

  private async modelSize(modelId: bigint): Promise<Verdict> {
    const model = await getModel(this.o.client, modelId);
    if (model === null) return skip('manifest-unavailable', `model ${modelId} does not exist`);
    let size: number | undefined;
    try {
      size = await encryptedModelSize(this.o.ipfs, model.cid, this.o.manifestTimeoutMs);
    } catch (error) {
      if (isModelproofError(error) && (error.code.startsWith('Ipfs.') || error.code === 'Model.BadManifest')) {
        return skip('manifest-unavailable', `model ${modelId}: ${error.code}: ${error.message}`);
      }
      throw error;
    }
    if (size !== undefined && size > this.o.maxModelBytes) {
      return skip('model-too-large', `model ${modelId} is ${size} bytes encrypted, more than ipfs.maxModelBytes (${this.o.maxModelBytes})`);
    }
    return CLAIM;
  }

  private aggregation(job: Job, kind: AggregationJobKind, head: number): Verdict {
    const seats = BigInt(Math.max(1, kind.committeeSize));
    if (job.reward / seats < this.o.minReward) {
      return skip('reward-too-low', `reward ${job.reward} over ${seats} seats is below jobs.minReward ${this.o.minReward} per seat`);
    }
    const closed = candidacyClosed(job as AggregationJob, head + 1);
    return closed === undefined ? CLAIM : skip('candidacy-closed', closed);
  }
}

/**
 * The size of the encrypted model registered under `cid`, from its manifest; `undefined` for a
 * bare encrypted object (its size is known only by downloading it). Errors: `Ipfs.*`,
 * `Model.BadManifest`.
 */
async function encryptedModelSize(ipfs: Pick<Ipfs, 'catStream'>, cid: string, timeoutMs: number): Promise<number | undefined> {
  const pieces: Uint8Array[] = [];
  let length = 0;
  let headChecked = false;
  for await (const piece of ipfs.catStream(cid, { maxBytes: MAX_MANIFEST_LEN, timeoutMs })) {
    pieces.push(piece);
    length += piece.length;
    if (!headChecked && length >= MODEL_MAGIC.length) {
      headChecked = true;
      const head = Buffer.concat(pieces);
      if (MODEL_MAGIC.every((byte, i) => head[i] === byte)) return undefined;
    }
  }
  return decodeManifest(Buffer.concat(pieces)).size;
}

/** The listener's handler of `JobSubmitted` (with `autoClaim`): every job vetted, a claim queued for the fit ones. */
export class ClaimOnSubmission implements BlockHandler {
  constructor(
    private readonly o: {
      client: ModelproofClient;
      queues: PipelineQueues;
      vetting: ClaimVetting;
      /** The job kinds this worker serves; a job of another kind is a skipped claim. */
      serves: Readonly<Record<JobKind, boolean>>;
      logger: Logger;
    },
  ) {}

  async onEvent(event: DecodedEvent, block: number): Promise<void> {
    if (event.method !== 'JobSubmitted') return;
    const chainJobId = String(event.data['jobId']);
    const kind = submittedKind(event);
    if (!this.o.serves[kind]) {
      this.o.vetting.skipped(chainJobId, kind === 'inference' ? 'inference-disabled' : 'aggregation-disabled', `jobs.${kind} is off`);
      return;
    }
    const job = await getJob(this.o.client, BigInt(chainJobId));
    if (job === null || !(await this.o.vetting.vet(job)).claim) return;
    await this.o.queues.addSubmit({ action: 'claim', chainJobId, kind });
    this.o.logger.info('claim queued', { chainJobId, block });
  }
}
