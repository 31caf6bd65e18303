/**
 * The model manifest: the small IPFS object whose CID a published model registers on chain.
 *
 * Why: checking a download chunk by chunk against the on-chain `ciphertext_digest` needs the
 * encrypted object's chunk map (its Merkle leaves, 32 bytes per MiB) *before* the object
 * streams in. The map is only known once encryption has finished, so it cannot lead the object
 * itself; it is published next to it, in this manifest:
 *
 * ```json
 * { "format": "modelproof/model-manifest", "version": 1,
 *   "object": "<CID of the encrypted object (MPEM format)>",
 *   "size": <bytes of the encrypted object>, "chunkSize": 1048576,
 *   "leaves": "<hex of the chunk map>",
 *   "interface": { … } }
 * ```
 *
 * `interface` (optional) is the public description of a compiled model's inputs and outputs
 * ({@link ModelInterface}): what a consumer needs to quantize its input and read the outputs,
 * and nothing of the weights.
 *
 * Nothing in it is trusted: a downloader accepts `leaves` only if they hash to the on-chain
 * `ciphertext_digest`, then checks each MiB of the object against them before decrypting it. A
 * wrong `object` CID or `size` therefore only makes the download fail with a typed error.
 * Size: ~200 bytes + 64 per MiB of model (a 1 GiB model: 64 KiB).
 */
import { CHUNK_SIZE, HASH_LEN } from '../crypto/digest.js';
import { parseCid } from '../ipfs/cid.js';
import { ModelError } from './errors.js';

export const MODEL_MANIFEST_FORMAT = 'modelproof/model-manifest';
export const MODEL_MANIFEST_VERSION = 1;
/** Largest manifest a reader accepts (8 MiB: the chunk map of a 128 GiB model). */
export const MAX_MANIFEST_LEN = 8 * 1024 * 1024;

/**
 * The public input/output description of a model compiled by `modelproof-model` (its
 * `model.json` → `io`, plus the post-processing): how a consumer quantizes an input
 * (`round(x · 2^inputScaleBits)`, halves away from zero, flattened row-major to `inputSize`
 * values, each within the signed `inputRangeBits` range) and reads the outputs
 * (`y / 2^outputScaleBits`). `postprocess` names what runs outside the proof on the outputs
 * (e.g. `Softmax`, `ArgMax`), `labels` the class labels by output index.
 */
export interface ModelInterface {
  /** Input shape without the batch dimension (its product is `inputSize`). */
  inputShape: number[];
  inputSize: number;
  inputScaleBits: number;
  /** Quantized inputs must lie in `[−2^(inputRangeBits−1), 2^(inputRangeBits−1))`. */
  inputRangeBits?: number;
  outputSize: number;
  outputScaleBits: number;
  postprocess?: string[];
  labels?: Array<string | number>;
}

const MAX_INTERFACE_DIM = 1 << 20;

/** Checks a model interface's shape; throws `Model.BadManifest` (or `Model.InvalidParams` with `what = 'params'`). */
export function checkModelInterface(value: unknown, what: 'manifest' | 'params' = 'manifest'): ModelInterface {
  const bad = (why: string): ModelError =>
    what === 'manifest' ? new ModelError('Model.BadManifest', `the model manifest's interface is malformed: ${why}`) : new ModelError('Model.InvalidParams', `modelInterface: ${why}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('not an object');
  const v = value as Record<string, unknown>;
  const count = (key: string): number => {
    const n = v[key];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > MAX_INTERFACE_DIM) throw bad(`${key} must be an integer in 1 … ${MAX_INTERFACE_DIM}`);
    return n;
  };
  const bits = (key: string): number => {
    const n = v[key];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 64) throw bad(`${key} must be an integer in 0 … 64`);
    return n;
  };
  const shape = v['inputShape'];
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 1)) {
    throw bad('inputShape must be a non-empty array of positive integers');
  }
  const inputSize = count('inputSize');
  if ((shape as number[]).reduce((a, b) => a * b, 1) !== inputSize) throw bad('the product of inputShape is not inputSize');
  const out: ModelInterface = {
    inputShape: [...(shape as number[])],
    inputSize,
    inputScaleBits: bits('inputScaleBits'),
    outputSize: count('outputSize'),
    outputScaleBits: bits('outputScaleBits'),
  };
  if (v['inputRangeBits'] !== undefined) {
    const r = v['inputRangeBits'];
    if (typeof r !== 'number' || !Number.isInteger(r) || r < 2 || r > 250) throw bad('inputRangeBits must be an integer in 2 … 250');
    out.inputRangeBits = r;
  }
  if (v['postprocess'] !== undefined) {
    if (!Array.isArray(v['postprocess']) || !v['postprocess'].every((p) => typeof p === 'string')) throw bad('postprocess must be an array of op names');
    out.postprocess = [...(v['postprocess'] as string[])];
  }
  if (v['labels'] !== undefined) {
    const labels = v['labels'];
    if (!Array.isArray(labels) || labels.length !== out.outputSize || !labels.every((l) => typeof l === 'string' || typeof l === 'number')) {
      throw bad('labels must be one string or number per output');
    }
    out.labels = [...(labels as Array<string | number>)];
  }
  return out;
}

export interface ModelManifest {
  /** CID of the encrypted object. */
  object: string;
  /** Length of the encrypted object in bytes. */
  size: number;
  /** The object's chunk map: leaf hashes concatenated, 32 bytes per MiB. */
  leaves: Uint8Array;
  /** A compiled model's public input/output description. */
  interface?: ModelInterface;
}

const HEX = '0123456789abcdef';

function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b >> 4]! + HEX[b & 15]!;
  return out;
}

function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Number of chunks (Merkle leaves) an object of `size` bytes has: at least one. */
export function chunkCount(size: number): number {
  return Math.max(1, Math.ceil(size / CHUNK_SIZE));
}

/** Encodes a manifest (UTF-8 JSON). */
export function encodeManifest(manifest: ModelManifest): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      format: MODEL_MANIFEST_FORMAT,
      version: MODEL_MANIFEST_VERSION,
      object: manifest.object,
      size: manifest.size,
      chunkSize: CHUNK_SIZE,
      leaves: toHex(manifest.leaves),
      ...(manifest.interface === undefined ? {} : { interface: checkModelInterface(manifest.interface, 'params') }),
    }),
  );
}

/** Decodes and checks a manifest's shape (not its truth: that is checked against the chain). Throws `Model.BadManifest`. */
export function decodeManifest(bytes: Uint8Array, modelId?: bigint): ModelManifest {
  const bad = (why: string, cause?: unknown): ModelError =>
    new ModelError('Model.BadManifest', `the model manifest is malformed: ${why}`, { modelId, cause });
  if (bytes.length > MAX_MANIFEST_LEN) throw bad(`longer than ${MAX_MANIFEST_LEN} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw bad('not UTF-8 JSON', cause);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('not a JSON object');
  const d = doc as Record<string, unknown>;
  if (d['format'] !== MODEL_MANIFEST_FORMAT) throw bad(`format is not "${MODEL_MANIFEST_FORMAT}"`);
  if (d['version'] !== MODEL_MANIFEST_VERSION) throw bad(`unsupported version ${JSON.stringify(d['version'])}`);
  if (d['chunkSize'] !== CHUNK_SIZE) throw bad(`chunkSize must be ${CHUNK_SIZE}`);
  const size = d['size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw bad('size is not a non-negative integer');
  let object: string;
  try {
    object = parseCid(d['object']);
  } catch (cause) {
    throw bad('object is not a CID', cause);
  }
  const leaves = typeof d['leaves'] === 'string' ? fromHex(d['leaves']) : undefined;
  if (!leaves || leaves.length === 0 || leaves.length % HASH_LEN !== 0) throw bad('leaves is not lowercase hex of 32-byte hashes');
  if (leaves.length / HASH_LEN !== chunkCount(size)) throw bad(`${leaves.length / HASH_LEN} leaves for an object of ${size} bytes`);
  if (d['interface'] === undefined) return { object, size, leaves };
  return { object, size, leaves, interface: checkModelInterface(d['interface']) };
}
