/**
 * The `inference` kind: verifiable inference on a compiled model (a Groth16 proof of the model's
 * circuit, checked by the runtime before it pays).
 *
 * - Vetting (before a claim): the reward is at least `jobs.minReward`; this worker holds a grant
 *   on the model; the blocks left before the deadline, at `chain.blockTimeMs` each, cover
 *   `jobs.deadlineSafetyFactor` × the circuit's proving estimate (`./estimate.ts`); the model's
 *   manifest (its proving artifacts travel in the model's encrypted bundle) comes from IPFS
 *   within `ipfs.manifestTimeoutMs` and its `size` is at most `ipfs.maxModelBytes` (a model
 *   registered as a bare encrypted object has no manifest: its size is checked while
 *   downloading, and a too large one is handed back).
 * - `JobClaimed` by this worker (the job still `Claimed` by it): `inference-<jobId>` on the
 *   `inference` queue (sandboxed processor: `./processor.ts`), and an `expire` check after the
 *   deadline, which releases the claim should the job never settle.
 * - A processor job that completed: its wall time is a measurement for the circuit's proving
 *   estimate; its result goes to `submit` as `inference-result`, posted once the job is still
 *   `Claimed` by this worker, before its deadline, with no outputs yet.
 * - Giving up — a permanent failure, retries exhausted, a result the chain refused, or retries
 *   that could no longer finish before the deadline — queues `hand-back-<jobId>` with the reason
 *   that matches the failure ({@link handBackReasonFor}): the job fails without a slash and the
 *   consumer is refunded, instead of the claim sitting there until the deadline slashes the
 *   worker. The dead letter is written once the hand-back settled, saying whether it went through.
 */
import { fileURLToPath } from 'node:url';

import type { Job as QueueJob } from 'bullmq';

import {
  type DecodedEvent,
  type HandBackReason,
  type InferenceJobKind,
  type Job,
  getGrant,
  getInferenceOutputs,
  getJob,
  getModel,
  isModelproofError,
  submitInferenceResult,
} from '@modelproof/sdk';
import { MODEL_MAGIC } from '@modelproof/sdk/crypto';
import type { Ipfs } from '@modelproof/sdk/ipfs';
import { MAX_MANIFEST_LEN, decodeManifest } from '@modelproof/sdk/models';
import { hexToU8a } from '@polkadot/util';

import { sameAccount } from '../../protocol/index.js';
import { type FailureRecord, type InferenceJobData, type InferenceResult, PermanentError } from '../../queues/index.js';
import type { SubmitOutcome, Submitter } from '../../submitter/index.js';
import type { ClaimRules, JobKindModule, KindFailure, KindRuntime, KindServices, KindSubmitData, Verdict } from '../types.js';
import { ProvingEstimate } from './estimate.js';

export { ProvingEstimate } from './estimate.js';

/** The submit-queue job posting a proven result. */
export interface InferenceResultSubmission extends KindSubmitData {
  action: 'inference-result';
  kind: 'inference';
  result: InferenceResult;
  /** When the processor job was queued (ms): the job's duration is measured from it. */
  startedAt: number;
}

/** Blocks a result needs beyond proving: its inclusion, and a hand-back's should it fail. */
const DELIVERY_MARGIN_BLOCKS = 2;
const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const HEX256B = /^0x[0-9a-fA-F]{512}$/;

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

/** Checks a processor's inference result; a malformed one is a permanent `Pipeline.InvalidResult`. */
export function checkInferenceResult(value: unknown): InferenceResult {
  const r = value as Partial<InferenceResult> | null;
  if (!r || !Array.isArray(r.output) || !r.output.every((v) => typeof v === 'string' && HEX32.test(v))) {
    throw new PermanentError('Pipeline.InvalidResult', 'inference result: output must be an array of 0x-hex 32-byte values');
  }
  if (typeof r.outputCommitment !== 'string' || !HEX32.test(r.outputCommitment)) {
    throw new PermanentError('Pipeline.InvalidResult', 'inference result: outputCommitment must be 0x-hex of 32 bytes');
  }
  const sealed = r.sealedOutputCid;
  if (sealed !== undefined && (typeof sealed !== 'string' || sealed.length === 0)) throw new PermanentError('Pipeline.InvalidResult', 'inference result: sealedOutputCid must be a CID');
  if ((r.output.length === 0) !== (sealed !== undefined)) {
    throw new PermanentError('Pipeline.InvalidResult', 'inference result: either outputs (public) or a sealedOutputCid (committed), not both or neither');
  }
  if (typeof r.proof !== 'string' || !HEX256B.test(r.proof)) throw new PermanentError('Pipeline.InvalidResult', 'inference result: proof must be 0x-hex of 256 bytes');
  return { output: r.output, outputCommitment: r.outputCommitment, ...(sealed === undefined ? {} : { sealedOutputCid: sealed }), proof: r.proof };
}

/** Posts an inference result unless the chain already has one; refuses if the job is not ours or too late. */
export function postInferenceResult(submitter: Submitter, chainJobId: bigint | string, result: InferenceResult): Promise<SubmitOutcome> {
  return submitter.once('result', chainJobId, async (id) => {
    const checked = checkInferenceResult(result);
    if ((await getInferenceOutputs(submitter.client, id)) !== null) return { status: 'already-submitted', chainJobId: String(id) };
    const job = await getJob(submitter.client, id);
    if (!job) throw new PermanentError('Pipeline.UnknownJob', `job ${id} does not exist`);
    if (job.kind.type !== 'Inference') throw new PermanentError('Pipeline.WrongKind', `job ${id} is not an inference job`);
    if (job.status !== 'Claimed') throw new PermanentError('ComputeJobs.JobNotClaimed', `job ${id} is ${job.status}, not Claimed`);
    if (!sameAccount(job.kind.worker, submitter.address)) throw new PermanentError('ComputeJobs.NotClaimant', `job ${id} was claimed by another worker`);
    if (await submitter.deadlinePassed(job)) throw new PermanentError('ComputeJobs.DeadlinePassed', `job ${id} is past its deadline (block ${job.deadline})`);
    return submitter.post('result', id, () =>
      submitInferenceResult(
        submitter.client,
        {
          jobId: id,
          output: checked.output,
          outputCommitment: checked.outputCommitment,
          ...(checked.sealedOutputCid === undefined ? {} : { sealedOutputCid: checked.sealedOutputCid }),
          proof: hexToU8a(checked.proof),
        },
        submitter.txOptions(),
      ),
    );
  });
}

const rules: ClaimRules = {
  holdsClaim: (me, job) => job.kind.type === 'Inference' && sameAccount(job.kind.worker, me),
  async claimBlocker(submitter, job) {
    if (job.kind.type !== 'Inference') return 'not an inference job';
    return (await getGrant(submitter.client, job.kind.modelId, submitter.address)) === null ? 'no grant on the model' : undefined;
  },
  handBackBlocker: (me, job) => (job.status === 'Claimed' && rules.holdsClaim(me, job) ? undefined : 'not claimed by this worker'),
  undeliverable: async () => false,
  nextExpiryCheck: (job) => job.deadline + 1,
};

class InferenceRuntime implements KindRuntime {
  private readonly estimate: ProvingEstimate;
  private readonly log: KindServices['logger'];

  constructor(private readonly s: KindServices) {
    this.estimate = new ProvingEstimate(s.redis, s.prefix, s.config.jobs.provingTimeEstimateMs);
    this.log = s.logger;
  }

  async onEvent(event: DecodedEvent, block: number): Promise<void> {
    if (event.method !== 'JobClaimed' || !sameAccount(event.data['worker'] as string, this.s.address)) return;
    const chainJobId = String(event.data['jobId']);
    const job = await this.claimedJob(chainJobId);
    if (job === null) return;
    await this.s.queues.addInference({ chainJobId, kind: 'inference', block });
    await this.s.scheduler.schedule('expire', chainJobId, job.deadline + 1);
    this.log.info('inference job queued', { chainJobId, block });
  }

  async vet(job: Job, head: number): Promise<Verdict> {
    const kind = job.kind as InferenceJobKind;
    const { config } = this.s;
    const minReward = BigInt(config.jobs.minReward);
    if (job.reward < minReward) return skip('reward-too-low', `reward ${job.reward} is below jobs.minReward ${minReward}`);
    if ((await getGrant(this.s.client, kind.modelId, this.s.address)) === null) return skip('no-grant', `no grant on model ${kind.modelId}`);
    const availableMs = (job.deadline - head) * config.chain.blockTimeMs;
    const neededMs = (await this.estimate.get(kind.circuitId)) * config.jobs.deadlineSafetyFactor;
    if (availableMs < neededMs) {
      return skip('deadline-too-close', `${job.deadline - head} blocks (~${availableMs} ms) left, ${neededMs} ms needed (proving estimate × jobs.deadlineSafetyFactor)`);
    }
    // The proving artifacts travel with the model (its encrypted bundle): the model's size and
    // availability below are theirs. (The job's circuit is on chain: models bind only registered
    // circuits, which are never removed.)
    return this.modelSize(kind.modelId);
  }

  resultSubmission(processorJob: QueueJob<InferenceJobData>, result: unknown): InferenceResultSubmission {
    return { action: 'inference-result', chainJobId: processorJob.data.chainJobId, kind: 'inference', result: checkInferenceResult(result), startedAt: processorJob.timestamp };
  }

  submit(data: KindSubmitData): Promise<SubmitOutcome> {
    const submission = data as InferenceResultSubmission;
    return postInferenceResult(this.s.submitter, submission.chainJobId, submission.result);
  }

  /** A processor job completed: its wall time is a measurement of its circuit. */
  async completed(processorJob: QueueJob<InferenceJobData>): Promise<void> {
    if (processorJob.processedOn === undefined || processorJob.finishedOn === undefined) return;
    const job = await getJob(this.s.client, BigInt(processorJob.data.chainJobId));
    if (job === null || job.kind.type !== 'Inference') return;
    await this.estimate.record(job.kind.circuitId, processorJob.finishedOn - processorJob.processedOn);
  }

  /** Every failure of an inference job that is given up on becomes a hand-back (its dead letter follows once it settled). */
  async failed(failure: KindFailure): Promise<boolean> {
    if (failure.final) {
      await this.giveUp(failure.chainJobId, failure.record);
      return true;
    }
    if (failure.processorJob) await this.retrying(failure.processorJob as QueueJob<InferenceJobData>, failure.record);
    return true;
  }

  /** Gives the job up: queues its hand-back, with the reason that matches the failure unless one is given. */
  private async giveUp(chainJobId: string, failure: FailureRecord, reason: HandBackReason = handBackReasonFor(failure.code)): Promise<void> {
    await this.s.queues.addSubmit({ action: 'hand-back', chainJobId, kind: 'inference', reason, failure });
    this.log.info('handing the job back', { chainJobId, reason, code: failure.code });
  }

  /**
   * An attempt failed and will be retried after `job.delay` (BullMQ's backoff). When the blocks
   * left before the deadline no longer cover that wait plus the proving estimate, retrying risks
   * the slash: stop and withdraw instead.
   */
  private async retrying(processorJob: QueueJob<InferenceJobData>, failure: FailureRecord): Promise<void> {
    const job = await this.claimedJob(processorJob.data.chainJobId);
    if (job === null) return; // settled or gone: the retry finds out and stops
    const head = (await this.s.client.api.rpc.chain.getHeader()).number.toNumber();
    const left = job.deadline - head;
    const nextAttemptMs = processorJob.delay + (await this.estimate.get(job.kind.circuitId));
    const needed = Math.ceil(nextAttemptMs / this.s.config.chain.blockTimeMs) + DELIVERY_MARGIN_BLOCKS;
    if (left >= needed) return;
    try {
      await processorJob.remove();
    } catch {
      return; // already running again: its own outcome decides
    }
    const why = `stopped retrying: ${left} blocks left before the deadline, about ${needed} needed`;
    this.log.warn('deadline near; withdrawing instead of retrying', { chainJobId: processorJob.data.chainJobId, code: failure.code, left, needed });
    await this.giveUp(processorJob.data.chainJobId, { ...failure, reason: `${failure.reason} (${why})` }, 'Withdrawn');
  }

  /** The inference job if it is still `Claimed` by this worker, else `null`. */
  private async claimedJob(chainJobId: string): Promise<(Job & { kind: InferenceJobKind }) | null> {
    const job = await getJob(this.s.client, BigInt(chainJobId));
    if (job === null || job.kind.type !== 'Inference' || job.status !== 'Claimed' || !sameAccount(job.kind.worker, this.s.address)) return null;
    return job as Job & { kind: InferenceJobKind };
  }

  private async modelSize(modelId: bigint): Promise<Verdict> {
    const { ipfs } = this.s.config;
    const model = await getModel(this.s.client, modelId);
    if (model === null) return skip('manifest-unavailable', `model ${modelId} does not exist`);
    let size: number | undefined;
    try {
      size = await encryptedModelSize(this.s.ipfs, model.cid, ipfs.manifestTimeoutMs);
    } catch (error) {
      if (isModelproofError(error) && (error.code.startsWith('Ipfs.') || error.code === 'Model.BadManifest')) {
        return skip('manifest-unavailable', `model ${modelId}: ${error.code}: ${error.message}`);
      }
      throw error;
    }
    if (size !== undefined && size > ipfs.maxModelBytes) {
      return skip('model-too-large', `model ${modelId} is ${size} bytes encrypted, more than ipfs.maxModelBytes (${ipfs.maxModelBytes})`);
    }
    return { claim: true };
  }
}

const skip = (reason: Extract<Verdict, { claim: false }>['reason'], detail: string): Verdict => ({ claim: false, reason, detail });

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

export const inferenceKind: JobKindModule<'inference'> = {
  name: 'inference',
  chainType: 'Inference',
  processorFile: () => fileURLToPath(new URL('./sandbox-entry.js', import.meta.url)),
  concurrency: (config) => config.queue.concurrency.inference,
  actions: ['inference-result'],
  scheduledActions: [],
  rules,
  create: (services) => new InferenceRuntime(services),
};
