/**
 * Vetting before a claim. A claim the worker cannot honour costs it: an inference job it cannot
 * deliver by the deadline is slashed unless handed back, and every claim holds one of the
 * `MaxOpenClaims` its bond backs. So a job seen in `JobSubmitted` is claimed only when this
 * worker serves the kind (`jobs.<kind>`), its bond is whole, the job is open, and the kind's own
 * vetting agrees (`../kinds/<kind>`: reward, grant, deadline, model size, candidacy rule).
 *
 * Every skip is an info line `claim skipped` with the reason and the counter
 * `modelproof_worker_claims_skipped_total{reason}`. {@link ClaimOnSubmission} is the listener's
 * handler that vets every `JobSubmitted` and queues `claim-<jobId>` for the fit ones.
 */
import { type DecodedEvent, type Job, type ModelproofClient, getJob } from '@modelproof/sdk';

import { type JobKind, JOB_KINDS, type KindRuntime, type SkipReason, type Verdict, kindOf } from '../kinds/index.js';
import type { BlockHandler } from '../listener/index.js';
import type { Logger } from '../log/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import { submittedChainKind } from '../protocol/index.js';
import type { PipelineQueues } from '../queues/index.js';

export type { SkipReason, Verdict } from '../kinds/index.js';

export interface VettingOptions {
  client: ModelproofClient;
  /** Whether the bond is whole (see `../bond`). */
  bond: { readonly canClaim: boolean };
  /** The running kinds this worker serves, by name. */
  kinds: Partial<Record<JobKind, Pick<KindRuntime, 'vet'>>>;
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
    const name = kindOf(job).name;
    const kind = this.o.kinds[name];
    if (!kind) return { claim: false, reason: `${name}-disabled`, detail: `jobs.${name} is off` };
    if (!this.o.bond.canClaim) return { claim: false, reason: 'bond-too-low', detail: 'the worker bond is below ComputeJobs.WorkerBond' };
    if (job.status !== 'Open') return { claim: false, reason: 'job-not-open', detail: `job is ${job.status}` };
    const head = (await this.o.client.api.rpc.chain.getHeader()).number.toNumber();
    return kind.vet(job, head);
  }
}

/** The listener's handler of `JobSubmitted` (with `autoClaim`): every job vetted, a claim queued for the fit ones. */
export class ClaimOnSubmission implements BlockHandler {
  constructor(
    private readonly o: {
      client: ModelproofClient;
      queues: PipelineQueues;
      vetting: ClaimVetting;
      /** The job kinds this worker serves; a job of another kind is a skipped claim. */
      serves: ReadonlySet<JobKind>;
      logger: Logger;
    },
  ) {}

  async onEvent(event: DecodedEvent, block: number): Promise<void> {
    if (event.method !== 'JobSubmitted') return;
    const chainJobId = String(event.data['jobId']);
    const kind = JOB_KINDS.find((k) => k.chainType === submittedChainKind(event));
    if (kind === undefined) return;
    if (!this.o.serves.has(kind.name)) {
      this.o.vetting.skipped(chainJobId, `${kind.name}-disabled`, `jobs.${kind.name} is off`);
      return;
    }
    const job = await getJob(this.o.client, BigInt(chainJobId));
    if (job === null || !(await this.o.vetting.vet(job)).claim) return;
    await this.o.queues.addSubmit({ action: 'claim', chainJobId, kind: kind.name });
    this.o.logger.info('claim queued', { chainJobId, block });
  }
}
