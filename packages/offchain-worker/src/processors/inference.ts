/**
 * The inference processor: a claimed ZK inference job in, `{ output, proof }` out.
 *
 * `processInference(deps, job)` is a plain function (testable without BullMQ or Redis);
 * `inference-sandbox.ts` is the module BullMQ runs as a sandboxed processor and builds the deps
 * from the worker's config and keystore.
 *
 * Steps: read the job, its model and its circuit from chain → pick the local circuit artifacts
 * whose vk.bin equals the on-chain key → fetch, verify (on-chain digests) and decrypt the model
 * with the worker's grant → parse it and check it hashes to the model's `zk_commitment` → fetch
 * the inference input by `input_cid` and check its `input_hash` → run the reference
 * implementation → prove → verify locally with the chain's algorithm → check the proven outputs
 * equal the reference outputs.
 *
 * Errors are typed (`ModelproofError` codes): chain / IPFS timeouts stay as the SDK throws them
 * (transient); a malformed model, a mismatch or a failed proof are `Zk.*` / `Pipeline.*`
 * (permanent). A failed download of the input is `Input.Unavailable` (not found or timed out:
 * transient) or `Input.Invalid` (an invalid CID, too large: permanent), so that a worker giving the
 * job up can tell the input's fault from the model's. The caller (the sandbox wrapper) turns them
 * into queue errors with `toQueueError`.
 */
import { ModelproofError, type ModelproofClient, getCircuit, getJob, getModel, isModelproofError } from '@modelproof/sdk';
import type { Ipfs } from '@modelproof/sdk/ipfs';
import { parseInferenceInput } from '@modelproof/sdk/jobs';
import { fetchModel } from '@modelproof/sdk/models';

import type { InferenceResult } from '../queues/index.js';
import { type CircuitArtifacts, findCircuitByVk } from '../zk/circuits.js';
import { ZkJobError } from '../zk/errors.js';
import { circuitInput, modelCommitment, parseModel, runMlp } from '../zk/model.js';
import { prove } from '../zk/prove.js';
import { fieldToHex, toField } from '@modelproof/sdk/zk';

/** Default size limit of an inference input document. */
export const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024;

export interface InferenceDeps {
  /** SDK client on the chain (queries only; the submitter posts the result). */
  client: ModelproofClient;
  /** IPFS store (Kubo RPC) for the model object and the input document. */
  ipfs: Pick<Ipfs, 'catStream' | 'cat'>;
  /** The worker's X25519 secret key (the model grant is wrapped to its public key). */
  x25519SecretKey: Uint8Array;
  /** The worker's account (whose grant is read); default the client's signer. */
  account?: string;
  /** Directory of circuit artifacts (default: the repository's circuits/build). */
  circuitsDir?: string;
  limits?: {
    /** Largest encrypted model in bytes (default the SDK's, 1 GiB). */
    maxModelBytes?: number;
    /** Largest inference input document in bytes (default 1 MiB). */
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

/** Extra detail for tests and logs (no secrets, no weights). */
export interface InferenceOutcome extends InferenceResult {
  circuit: string;
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

  const model = await getModel(deps.client, kind.modelId, query);
  if (model === null) throw pipeline('ModelNotFound', `model ${kind.modelId} of job ${jobId} does not exist`);
  if (model.zkCommitment === null) throw pipeline('NoZkCommitment', `model ${kind.modelId} has no zk_commitment`);
  const onChainCircuit = await getCircuit(deps.client, kind.circuitId, query);
  if (onChainCircuit === null) throw pipeline('CircuitNotFound', `circuit ${kind.circuitId} of job ${jobId} is not registered`);
  const circuit: CircuitArtifacts = await findCircuitByVk(new Uint8Array(onChainCircuit.vk), deps.circuitsDir);
  await progress(10);

  const modelBytes = await fetchModel(
    deps.client,
    deps.ipfs,
    { modelId: kind.modelId, secretKey: deps.x25519SecretKey, ...(deps.account === undefined ? {} : { account: deps.account }) },
    { ...(deps.limits?.maxModelBytes === undefined ? {} : { maxBytes: deps.limits.maxModelBytes }), ...query },
  );
  const mlp = parseModel(modelBytes);
  if (circuit.shape === null || circuit.shape.join(',') !== mlp.shape.join(',')) {
    throw new ZkJobError('Zk.ShapeMismatch', `model ${kind.modelId} has shape [${mlp.shape.join(', ')}], circuit ${circuit.name} does not take it`);
  }
  if (modelCommitment(mlp) !== model.zkCommitment.toLowerCase()) {
    throw new ZkJobError('Zk.CommitmentMismatch', `model ${kind.modelId} does not hash to its on-chain zk_commitment`);
  }
  await progress(30);

  let inputBytes: Uint8Array;
  try {
    inputBytes = await deps.ipfs.cat(kind.inputCid, { maxBytes: deps.limits?.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES, ...query });
  } catch (e) {
    throw inputDownloadError(e, kind.inputCid);
  }
  let inputs: bigint[];
  try {
    inputs = parseInferenceInput(inputBytes, { inputHash: kind.inputHash });
  } catch (e) {
    // A malformed document or one that does not hash to the job's input_hash never gets better:
    // a permanent Zk.* code (the queue layer retries unknown areas such as Job.*).
    if (isModelproofError(e, 'Job.BadInput')) throw new ZkJobError('Zk.BadInput', `job ${jobId}: ${e.message}`, { cause: e });
    throw e;
  }
  const expected = runMlp(mlp, inputs);
  await progress(40);

  const result = await prove({
    circuit,
    input: circuitInput(mlp, inputs, jobId, { zkCommitment: model.zkCommitment, inputHash: kind.inputHash }),
  });
  const expectedHex = expected.map((v) => fieldToHex(toField(v)));
  if (result.output.length !== expectedHex.length || result.output.some((o, i) => o !== expectedHex[i])) {
    throw new ZkJobError('Zk.OutputMismatch', `circuit ${circuit.name} outputs differ from the reference implementation's`);
  }
  await progress(100);
  return { output: result.output, proof: result.proof, circuit: circuit.name, proveMs: result.proveMs };
}

/** A failed download of the job's input, told apart from the model's; our own node's trouble (`Ipfs.Unavailable`) stays as it is. */
function inputDownloadError(error: unknown, cid: string): unknown {
  if (!isModelproofError(error)) return error;
  if (error.code === 'Ipfs.NotFound' || error.code === 'Ipfs.Timeout') return new ModelproofError('Input.Unavailable', `input ${cid}: ${error.message}`, { cause: error });
  if (error.code === 'Ipfs.TooLarge' || error.code === 'Ipfs.InvalidCid') return new ModelproofError('Input.Invalid', `input ${cid}: ${error.message}`, { cause: error });
  return error;
}
