/**
 * The inference processor: a claimed ZK inference job in, what `submit_inference_result` posts out.
 *
 * `processInference(deps, job)` is a plain function (testable without BullMQ or Redis);
 * `sandbox-entry.ts` is the module BullMQ runs as a sandboxed processor and builds the deps
 * from the worker's config and keystore.
 *
 * Steps: read the job and its circuit (the model's, recorded in the job) from chain → get the
 * model's proving artifacts from the cache or IPFS (decrypted with the worker's grant, checked
 * against the on-chain digests and verifying key: `../zk/artifacts.ts`) → fetch the sealed input
 * by `input_cid`, open it with the worker's X25519 key and check `H(input ‖ salt) = input_hash`
 * → prove (`reveal` = 1 for public outputs, 0 for committed ones) → verify locally with the
 * chain's algorithm → for committed outputs, compute the outputs, seal them with the output
 * salt to the job's result key and upload them.
 *
 * Errors are typed (`ModelproofError` codes): chain / IPFS timeouts stay as the SDK throws them
 * (transient); a bad bundle, a mismatch or a failed proof are `Zk.*` / `Model.*` / `Pipeline.*`
 * (permanent). A failed download of the input is `Input.Unavailable` (not found or timed out:
 * transient) or `Input.Invalid` (an invalid CID, too large: permanent), so that a worker giving the
 * job up can tell the input's fault from the model's. The caller (the sandbox wrapper) turns them
 * into queue errors with `toQueueError`.
 */
import { ModelproofError, type ModelproofClient, getCircuit, getJob, isModelproofError } from '@modelproof/sdk';
import { encryptionPublicKey } from '@modelproof/sdk/crypto';
import type { Ipfs } from '@modelproof/sdk/ipfs';
import { openInferenceInput, sealInferenceOutput } from '@modelproof/sdk/jobs';
import { randomSalt } from '@modelproof/sdk/zk';
import { hexToU8a } from '@polkadot/util';

import type { InferenceResult } from '../../queues/index.js';
import type { ArtifactCache } from '../../zk/artifacts.js';
import { ZkJobError } from '../../zk/errors.js';
import { computeOutputs, prove } from '../../zk/prove.js';

/** Default size limit of a sealed inference input. */
export const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024;

export interface InferenceDeps {
  /** SDK client on the chain (queries only; the submitter posts the result). */
  client: ModelproofClient;
  /** IPFS store (Kubo RPC): the model bundle, the sealed input, and sealed outputs uploaded. */
  ipfs: Pick<Ipfs, 'catStream' | 'cat' | 'add'>;
  /** The worker's X25519 secret key (grants and inputs are sealed to its public key). */
  x25519SecretKey: Uint8Array;
  /** The worker's account (whose grant is read); default the client's signer. */
  account?: string;
  /** The cache of proving artifacts. */
  artifacts: ArtifactCache;
  limits?: {
    /** Largest encrypted model bundle in bytes (default the SDK's, 1 GiB). */
    maxModelBytes?: number;
    /** Largest sealed input in bytes (default 1 MiB). */
    maxInputBytes?: number;
    /** Deadline of each chain query and each IPFS download, ms. */
    fetchTimeoutMs?: number;
  };
  /** Progress callback (BullMQ's `job.updateProgress`), 0–100. */
  progress?: (percent: number) => Promise<void> | void;
}

export interface InferenceJobRef {
  /** The chain's job id (decimal string or bigint). */
  chainJobId: string | bigint | number;
}

/** Extra detail for tests and logs (no secrets, no weights, no inputs). */
export interface InferenceOutcome extends InferenceResult {
  circuitId: string;
  proveMs: number;
}

const pipeline = (code: string, message: string) => new ModelproofError(`Pipeline.${code}`, message);

/** Runs one inference job end to end and returns what the submitter posts. */
export async function processInference(deps: InferenceDeps, ref: InferenceJobRef): Promise<InferenceOutcome> {
  const jobId = BigInt(ref.chainJobId);
  const timeoutMs = deps.limits?.fetchTimeoutMs;
  const query = timeoutMs === undefined ? {} : { timeoutMs };
  const progress = async (p: number) => {
    await deps.progress?.(p);
  };

  const job = await getJob(deps.client, jobId, query);
  if (job === null) throw pipeline('JobNotFound', `job ${jobId} does not exist on chain`);
  if (job.kind.type !== 'Inference') throw pipeline('NotInference', `job ${jobId} is not an inference job`);
  if (job.status !== 'Claimed') throw pipeline('JobClosed', `job ${jobId} is ${job.status}`);
  const kind = job.kind;

  const circuit = await getCircuit(deps.client, kind.circuitId, query);
  if (circuit === null) throw pipeline('CircuitNotFound', `circuit ${kind.circuitId} of job ${jobId} is not registered`);
  const artifacts = await deps.artifacts.get({
    client: deps.client,
    ipfs: deps.ipfs,
    modelId: kind.modelId,
    circuitId: kind.circuitId.toLowerCase(),
    vk: new Uint8Array(circuit.vk),
    x25519SecretKey: deps.x25519SecretKey,
    ...(deps.account === undefined ? {} : { account: deps.account }),
    limits: { ...(deps.limits?.maxModelBytes === undefined ? {} : { maxModelBytes: deps.limits.maxModelBytes }), ...query },
  });
  await progress(30);

  let sealedInput: Uint8Array;
  try {
    sealedInput = await deps.ipfs.cat(kind.inputCid, { maxBytes: deps.limits?.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES, ...query });
  } catch (e) {
    throw inputDownloadError(e, kind.inputCid);
  }
  let input: { values: bigint[]; salt: bigint };
  try {
    input = await openInferenceInput(
      sealedInput,
      { secretKey: deps.x25519SecretKey, publicKey: encryptionPublicKey(deps.x25519SecretKey) },
      { modelId: kind.modelId, inputHash: kind.inputHash },
    );
  } catch (e) {
    // Unreadable, not addressed to us, or not hashing to the job's input_hash: it never gets
    // better; named as a failure of this job's proving step.
    if (isModelproofError(e, 'Job.BadInput') || isModelproofError(e, 'Job.NotARecipient')) {
      throw new ZkJobError('Zk.BadInput', `job ${jobId}: ${e.message}`, { cause: e });
    }
    throw e;
  }
  await progress(40);

  const reveal = kind.outputs.type === 'Public';
  const outSalt = randomSalt();
  const witness = {
    x: input.values.map(String),
    in_salt: input.salt.toString(),
    out_salt: outSalt.toString(),
    job_id: jobId.toString(),
    input_hash: BigInt(kind.inputHash).toString(),
    reveal: reveal ? '1' : '0',
  };
  const result = await prove({ circuit: artifacts, input: witness });
  if (kind.outputs.type === 'Public') {
    await progress(100);
    return { output: result.output, outputCommitment: result.outputCommitment, proof: result.proof, circuitId: artifacts.circuitId, proveMs: result.proveMs };
  }
  const outputs = await computeOutputs(artifacts, witness);
  const sealed = await sealInferenceOutput({ values: outputs, salt: outSalt }, hexToU8a(kind.outputs.resultKey), jobId);
  const sealedOutputCid = await deps.ipfs.add(sealed, query);
  await progress(100);
  return { output: [], outputCommitment: result.outputCommitment, sealedOutputCid, proof: result.proof, circuitId: artifacts.circuitId, proveMs: result.proveMs };
}

/** A failed download of the job's input, told apart from the model's; our own node's trouble (`Ipfs.Unavailable`) stays as it is. */
function inputDownloadError(error: unknown, cid: string): unknown {
  if (!isModelproofError(error)) return error;
  if (error.code === 'Ipfs.NotFound' || error.code === 'Ipfs.Timeout') return new ModelproofError('Input.Unavailable', `input ${cid}: ${error.message}`, { cause: error, retryable: true });
  if (error.code === 'Ipfs.TooLarge' || error.code === 'Ipfs.InvalidCid') return new ModelproofError('Input.Invalid', `input ${cid}: ${error.message}`, { cause: error });
  return error;
}
