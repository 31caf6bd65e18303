/**
 * The compiled demo model (packages/stack/demo-model: the blobs classifier compiled from ONNX by
 * `modelproof-model`) for the worker's tests: publish it as a model owner does, and submit jobs on
 * it as a consumer does (input quantized with the model's interface, sealed to the workers).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { type Hex, type ModelproofClient, claimJob, submitInferenceJob } from '@modelproof/sdk';
import type { Ipfs } from '@modelproof/sdk/ipfs';
import { quantizeInput, sealInferenceInput } from '@modelproof/sdk/jobs';
import { type CompiledModelArtifacts, type ModelInterface, compiledModelFromFiles, grantModelAccess, publishCompiledModel } from '@modelproof/sdk/models';
import { inputHash, randomSalt } from '@modelproof/sdk/zk';

export const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
export const DEMO_MODEL_DIR = join(ROOT, 'packages', 'stack', 'demo-model');
export const DEMO_MODEL_SOURCE = join(ROOT, 'packages', 'model-compiler', 'examples', 'blobs-classifier');

export interface DemoModel {
  artifacts: CompiledModelArtifacts;
  modelInterface: ModelInterface;
  heldOut: number[][];
  /** Per-output bound on |quantized − float| from the compiler's report. */
  worstCaseBound: number[];
}

export async function loadDemoModel(): Promise<DemoModel> {
  const read = async (f: string) => new Uint8Array(await readFile(join(DEMO_MODEL_DIR, f)));
  const files = { 'model.json': await read('model.json'), 'model.wasm': await read('model.wasm'), 'model.zkey': await read('model.zkey'), 'vk.bin': await read('vk.bin') };
  const report = JSON.parse(await readFile(join(DEMO_MODEL_DIR, 'report.json'), 'utf8')) as { expectedError: { worstCaseBound: number[] } };
  const test = JSON.parse(await readFile(join(DEMO_MODEL_SOURCE, 'test.json'), 'utf8')) as { inputs: number[][] };
  return { ...compiledModelFromFiles(files), heldOut: test.inputs, worstCaseBound: report.expectedError.worstCaseBound };
}

/** Publishes `artifacts` as `owner` and grants `grantees` access; resolves with the model and circuit ids. */
export async function publishFor(
  owner: ModelproofClient,
  ipfs: Ipfs,
  model: Pick<DemoModel, 'artifacts' | 'modelInterface'>,
  grantees: string[],
): Promise<{ modelId: bigint; circuitId: Hex }> {
  const published = await publishCompiledModel(owner, ipfs, { artifacts: model.artifacts, modelInterface: model.modelInterface, royalty: 100_000 });
  for (const grantee of grantees) await grantModelAccess(owner, { modelId: published.modelId, grantee, contentKey: published.contentKey });
  return { modelId: published.modelId, circuitId: published.circuitId };
}

export interface SealedJobOptions {
  /** The X25519 public keys the input is sealed to. */
  recipients: Uint8Array[];
  /** Committed outputs, sealed to this public key; default public outputs. */
  resultKey?: Uint8Array;
  /** A wrong input hash for the job (what a broken consumer would submit). */
  inputHash?: Hex;
  /** Fixed-point values instead of quantizing `input` (e.g. outside the calibrated range). */
  rawValues?: bigint[];
  reward?: bigint;
  blocks?: number;
  /** Who claims the job once submitted. */
  claimant?: ModelproofClient;
}

/** Submits a job on `modelId` as `consumer` with `input` sealed to `recipients`; claims it if asked. */
export async function sealedJob(
  consumer: ModelproofClient,
  ipfs: Ipfs,
  modelId: bigint,
  modelInterface: ModelInterface,
  input: number[],
  o: SealedJobOptions,
): Promise<{ jobId: bigint; values: bigint[]; salt: bigint }> {
  const values = o.rawValues ?? quantizeInput(input, modelInterface);
  const salt = randomSalt();
  const sealed = await sealInferenceInput({ values, salt }, o.recipients, modelId);
  const inputCid = await ipfs.add(sealed);
  const head = (await consumer.api.rpc.chain.getHeader()).number.toNumber();
  const { jobId } = await submitInferenceJob(consumer, {
    modelId,
    inputHash: o.inputHash ?? (inputHash(values, salt) as Hex),
    inputCid,
    outputs: o.resultKey === undefined ? 'public' : { resultKey: o.resultKey },
    reward: o.reward ?? 2_000_000_000n,
    deadline: head + (o.blocks ?? 200),
  });
  if (o.claimant) await claimJob(o.claimant, { jobId });
  return { jobId, values, salt };
}
