/**
 * Models compiled by `modelproof-model` (ONNX → a per-model Groth16 circuit with the weights as
 * constants). What is published for such a model:
 *
 * - on chain: the circuit's verifying key (`register_circuit`) and the model bound to it
 *   (`register_model(…, circuit)`), in one `batch_all`; the verifying key identifies the model;
 * - on IPFS, encrypted like any model (its `digest` is over the bundle): a **model bundle** with
 *   the quantized model (`model.json`), the witness generator (`model.wasm`) and the proving key
 *   (`model.zkey`) — both contain the weights, so they travel encrypted to granted workers only;
 * - in the manifest, in clear: the model's {@link ModelInterface} (input shape and scales).
 *
 * Model bundle, v1 (all integers big-endian):
 *
 *   0   magic "MPBN"
 *   4   version = 1 (u8)
 *   5   entry count k (u16, 1 … 64)
 *   7   k × (name length (u16, 1 … 255) ‖ name (UTF-8) ‖ size (u64))
 *   …   the k files' bytes, in the same order
 */
import type { ModelproofClient } from '../client/client.js';
import { getCircuit, registerCircuitCall, circuitIdOf } from '../actions/circuits.js';
import { getModel, registerModelCall } from '../actions/models.js';
import { batchCall } from '../actions/utility.js';
import { eventField } from '../actions/params.js';
import { concatBytes, equalBytes } from '../crypto/bytes.js';
import type { Ipfs } from '../ipfs/client.js';
import type { Hex } from '../tx/decode.js';
import { type Receipt, type SubmitOptions, requireSigner, submit } from '../tx/submit.js';
import { ModelError } from './errors.js';
import { MAX_MANIFEST_LEN, checkModelInterface, decodeManifest, type ModelInterface } from './manifest.js';
import { type ModelStore, type PublishModelOptions, type UploadedModel, uploadEncryptedModel } from './models.js';

export const MODEL_BUNDLE_MAGIC = new Uint8Array([0x4d, 0x50, 0x42, 0x4e]); // "MPBN"
export const MODEL_BUNDLE_VERSION = 1;
/** The files a compiled model's bundle carries. */
export const BUNDLE_QUANTIZED_MODEL = 'model.json';
export const BUNDLE_WITNESS_GENERATOR = 'model.wasm';
export const BUNDLE_PROVING_KEY = 'model.zkey';
const MAX_BUNDLE_ENTRIES = 64;

/** Packs named files into a model bundle. */
export function encodeBundle(files: ReadonlyMap<string, Uint8Array> | Record<string, Uint8Array>): Uint8Array {
  const entries = files instanceof Map ? [...files.entries()] : Object.entries(files);
  if (entries.length === 0 || entries.length > MAX_BUNDLE_ENTRIES) throw new ModelError('Model.InvalidParams', `a bundle holds 1 … ${MAX_BUNDLE_ENTRIES} files`);
  const index: Uint8Array[] = [];
  const names = new Set<string>();
  for (const [name, data] of entries) {
    const nameBytes = new TextEncoder().encode(name);
    if (nameBytes.length === 0 || nameBytes.length > 255 || names.has(name)) throw new ModelError('Model.InvalidParams', `bad or duplicate bundle entry name ${JSON.stringify(name)}`);
    if (!(data instanceof Uint8Array)) throw new ModelError('Model.InvalidParams', `bundle entry ${name} must be bytes`);
    names.add(name);
    const head = new Uint8Array(2 + nameBytes.length + 8);
    const view = new DataView(head.buffer);
    view.setUint16(0, nameBytes.length, false);
    head.set(nameBytes, 2);
    view.setBigUint64(2 + nameBytes.length, BigInt(data.length), false);
    index.push(head);
  }
  const count = new Uint8Array(2);
  new DataView(count.buffer).setUint16(0, entries.length, false);
  return concatBytes(MODEL_BUNDLE_MAGIC, Uint8Array.of(MODEL_BUNDLE_VERSION), count, ...index, ...entries.map(([, data]) => data));
}

/** Unpacks a model bundle; throws `Model.BadBundle` on anything malformed. */
export function decodeBundle(bytes: Uint8Array): Map<string, Uint8Array> {
  const bad = (why: string) => new ModelError('Model.BadBundle', `the model bundle is malformed: ${why}`);
  if (!(bytes instanceof Uint8Array) || bytes.length < 7 || !equalBytes(bytes.subarray(0, 4), MODEL_BUNDLE_MAGIC)) throw bad('not a model bundle');
  if (bytes[4] !== MODEL_BUNDLE_VERSION) throw bad(`unsupported version ${bytes[4]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const k = view.getUint16(5, false);
  if (k === 0 || k > MAX_BUNDLE_ENTRIES) throw bad(`${k} entries`);
  let at = 7;
  const index: Array<[string, number]> = [];
  for (let i = 0; i < k; i++) {
    if (at + 2 > bytes.length) throw bad('truncated index');
    const nameLen = view.getUint16(at, false);
    if (nameLen === 0 || at + 2 + nameLen + 8 > bytes.length) throw bad('truncated index');
    let name: string;
    try {
      name = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(at + 2, at + 2 + nameLen));
    } catch {
      throw bad('an entry name is not UTF-8');
    }
    const size = view.getBigUint64(at + 2 + nameLen, false);
    if (size > BigInt(bytes.length)) throw bad(`entry ${name} is larger than the bundle`);
    index.push([name, Number(size)]);
    at += 2 + nameLen + 8;
  }
  const files = new Map<string, Uint8Array>();
  for (const [name, size] of index) {
    if (files.has(name)) throw bad(`duplicate entry ${name}`);
    if (at + size > bytes.length) throw bad(`entry ${name} is truncated`);
    files.set(name, bytes.subarray(at, at + size));
    at += size;
  }
  if (at !== bytes.length) throw bad('trailing bytes after the last entry');
  return files;
}

/** The artifacts `modelproof-model compile` writes that a worker needs to prove. */
export interface CompiledModelArtifacts {
  /** The quantized model (`model.json`). */
  quantizedModel: Uint8Array;
  /** The witness generator (`model.wasm`). */
  witnessGenerator: Uint8Array;
  /** The proving key (`model.zkey`). */
  provingKey: Uint8Array;
  /** The verifying key in the chain's encoding (`vk.bin`). */
  verifyingKey: Uint8Array;
}

/**
 * The artifacts and public interface of a compiled model from the files `modelproof-model
 * compile` wrote (`model.json`, `model.wasm`, `model.zkey`, `vk.bin`). The interface is read from
 * the quantized model's `io` and `postprocess` (format `modelproof/quantized-model` v1); only
 * public fields are taken (no weights). Errors: `Model.InvalidParams`.
 */
export function compiledModelFromFiles(files: Readonly<Record<string, Uint8Array | undefined>>): {
  artifacts: CompiledModelArtifacts;
  modelInterface: ModelInterface;
} {
  const need = (name: string): Uint8Array => {
    const f = files[name];
    if (!(f instanceof Uint8Array) || f.length === 0) throw new ModelError('Model.InvalidParams', `the compiled model lacks ${name}`);
    return f;
  };
  const quantizedModel = need(BUNDLE_QUANTIZED_MODEL);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(quantizedModel)) as Record<string, unknown>;
  } catch (e) {
    throw new ModelError('Model.InvalidParams', `${BUNDLE_QUANTIZED_MODEL} is not JSON`, { cause: e });
  }
  if (doc?.['format'] !== 'modelproof/quantized-model' || doc['version'] !== 1) {
    throw new ModelError('Model.InvalidParams', `${BUNDLE_QUANTIZED_MODEL} is not a modelproof/quantized-model v1 document`);
  }
  const io = (doc['io'] ?? {}) as Record<string, unknown>;
  const post = doc['postprocess'] as { ops?: unknown; labels?: unknown } | null | undefined;
  const modelInterface = checkModelInterface(
    {
      inputShape: io['inputShape'],
      inputSize: io['inputSize'],
      inputScaleBits: io['inputScaleBits'],
      inputRangeBits: io['inputRangeBits'],
      outputSize: io['outputSize'],
      outputScaleBits: io['outputScaleBits'],
      ...(post && Array.isArray(post.ops) ? { postprocess: post.ops } : {}),
      ...(post && Array.isArray(post.labels) ? { labels: post.labels } : {}),
    },
    'params',
  );
  return {
    artifacts: { quantizedModel, witnessGenerator: need(BUNDLE_WITNESS_GENERATOR), provingKey: need(BUNDLE_PROVING_KEY), verifyingKey: need('vk.bin') },
    modelInterface,
  };
}

export interface PublishCompiledModelParams {
  artifacts: CompiledModelArtifacts;
  /** The model's public input/output description (published in clear in the manifest). */
  modelInterface: ModelInterface;
  /** Royalty on job rewards in parts per million (0 … 1 000 000). */
  royalty: number;
  /** The content key (32 bytes); default a new random one. */
  contentKey?: Uint8Array;
}

export interface PublishedCompiledModel extends UploadedModel {
  modelId: bigint;
  /** The model's circuit: `blake2_256` of its verifying key. */
  circuitId: Hex;
  /** Whether this call registered the circuit (`false`: it was already on chain). */
  registeredCircuit: boolean;
  receipt: Receipt<{ modelId: bigint }>;
}

/**
 * Publishes a compiled model: bundles and encrypts its proving artifacts, uploads them and the
 * manifest (with the public interface), then registers the circuit (unless it already is) and
 * the model bound to it in one `batch_all`, so the model never exists without its circuit.
 * Grant workers access with `grantModelAccess` afterwards.
 */
export async function publishCompiledModel(
  client: ModelproofClient,
  ipfs: ModelStore,
  params: PublishCompiledModelParams,
  options: PublishModelOptions = {},
): Promise<PublishedCompiledModel> {
  requireSigner(client);
  const a = params.artifacts;
  for (const key of ['quantizedModel', 'witnessGenerator', 'provingKey', 'verifyingKey'] as const) {
    if (!(a?.[key] instanceof Uint8Array) || a[key].length === 0) throw new ModelError('Model.InvalidParams', `artifacts.${key} must be non-empty bytes`);
  }
  const modelInterface = checkModelInterface(params.modelInterface, 'params');
  const bundle = encodeBundle(new Map([
    [BUNDLE_QUANTIZED_MODEL, a.quantizedModel],
    [BUNDLE_WITNESS_GENERATOR, a.witnessGenerator],
    [BUNDLE_PROVING_KEY, a.provingKey],
  ]));
  const circuitId = circuitIdOf(a.verifyingKey);
  const uploaded = await uploadEncryptedModel(ipfs, bundle, params.contentKey, modelInterface, options);
  const existing = await getCircuit(client, circuitId);
  const calls = [
    ...(existing === null ? [registerCircuitCall(client, { vk: a.verifyingKey })] : []),
    registerModelCall(client, { digest: uploaded.digest, ciphertextDigest: uploaded.ciphertextDigest, cid: uploaded.cid, circuitId, royalty: params.royalty }),
  ];
  const receipt = await submit(client, batchCall(client, calls), options, (events) => ({
    modelId: eventField<bigint>(events, 'ModelRegistry', 'ModelRegistered', 'modelId'),
  }));
  return { ...uploaded, modelId: receipt.modelId, circuitId, registeredCircuit: existing === null, receipt };
}

/**
 * The public input/output description of a compiled model, read from its manifest on IPFS.
 * Errors: `Model.NotFound`, `Model.BadManifest`, `Model.NoInterface` (not a compiled model).
 */
export async function getModelInterface(
  client: ModelproofClient,
  ipfs: Pick<Ipfs, 'cat'>,
  modelId: bigint | number,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<ModelInterface> {
  const model = await getModel(client, modelId, options);
  if (model === null) throw new ModelError('Model.NotFound', `there is no model ${String(modelId)}`);
  const bytes = await ipfs.cat(model.cid, { maxBytes: MAX_MANIFEST_LEN, ...options });
  const manifest = decodeManifest(bytes, model.id);
  if (manifest.interface === undefined) {
    throw new ModelError('Model.NoInterface', `model ${model.id}'s manifest has no interface (not a compiled model)`, { modelId: model.id });
  }
  return manifest.interface;
}
