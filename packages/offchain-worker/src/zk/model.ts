/**
 * Reference implementation of Modelproof's fixed-point MLP model family, bit-exact with the
 * circom circuits in `circuits/` (template `Mlp2` of `circuits/lib/mlp.circom`).
 *
 * Model file (UTF-8 JSON):
 * ```json
 * { "format": "modelproof/mlp", "version": 1, "shape": [16, 8, 2], "scaleBits": 16,
 *   "layers": [ { "weights": [["-65536", …], …], "biases": ["12", …] }, … ] }
 * ```
 * - `shape` = [inputs, hidden…, outputs]; layer `l` has `weights[shape[l+1]][shape[l]]` (row-major:
 *   one row per output neuron) and `biases[shape[l+1]]`.
 * - Every number is a signed fixed-point integer `round(real · 2^scaleBits)` written in decimal,
 *   in the range `[−2^(B−1), 2^(B−1))` with `B = ACTIVATION_BITS` (40).
 * - Arithmetic per neuron: `acc = Σ W·x + b·2^K`, `y = floor((acc + 2^(K−1)) / 2^K)` (round half
 *   up), `y` must stay in the B-bit signed range; ReLU on every layer but the last.
 * - `zk_commitment` = the SDK's `modelCommitment` over layer by layer, W row-major then b.
 */
import {
  BN254_R,
  fromField,
  inputHash as sdkInputHash,
  modelCommitment as sdkModelCommitment,
  toField,
  type FieldLike,
} from '@modelproof/sdk/zk';
import { ZkJobError } from './errors.js';

export const MODEL_FORMAT = 'modelproof/mlp';
export const MODEL_VERSION = 1;
/** Fixed-point scale exponent K of the reference circuits. */
export const SCALE_BITS = 16;
/** Signed bit width B of every weight, bias, input and activation. */
export const ACTIVATION_BITS = 40;
/** Largest layer width accepted by {@link parseModel} (keeps a hostile file from allocating much). */
export const MAX_LAYER_WIDTH = 4096;

const LIMIT = 1n << BigInt(ACTIVATION_BITS - 1);

export interface MlpLayer {
  /** `weights[out][in]`, signed fixed-point. */
  weights: bigint[][];
  biases: bigint[];
}

export interface MlpModel {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  shape: number[];
  scaleBits: number;
  layers: MlpLayer[];
}

/** Deterministic pseudo-random numbers in [0, 1) (a linear congruential generator): the same seed, the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** `count` fixed-point values uniform in ±`scale` (scale 2^`SCALE_BITS`), from `random`. */
export function seededValues(random: () => number, count: number, scale: number): bigint[] {
  return Array.from({ length: count }, () => BigInt(Math.round((random() * 2 - 1) * scale * 2 ** SCALE_BITS)));
}

/**
 * A deterministic pseudo-random model of the reference family — for demos, tests and benchmarks,
 * not a trained model: weights uniform in ±`weightScale`, biases in ±`biasScale`. The same `seed`
 * gives the same model (and so the same digest: publish another seed for another model).
 */
export function seededModel(shape: readonly number[], seed: number, { weightScale = 1, biasScale = 0.5 } = {}): MlpModel {
  const random = seededRandom(seed);
  return parseModel(
    encodeModel({
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      shape: [...shape],
      scaleBits: SCALE_BITS,
      layers: shape.slice(1).map((nOut, l) => ({
        weights: Array.from({ length: nOut }, () => seededValues(random, shape[l]!, weightScale)),
        biases: seededValues(random, nOut, biasScale),
      })),
    }),
  );
}

/** True when `v` is in the signed B-bit range the circuits check. */
export function inRange(v: bigint): boolean {
  return v >= -LIMIT && v < LIMIT;
}

const DECIMAL = /^-?(0|[1-9][0-9]{0,77})$/;

function bad(message: string): ZkJobError {
  return new ZkJobError('Zk.BadModel', `model file: ${message}`);
}

function parseValue(v: unknown, where: string): bigint {
  if (typeof v !== 'string' || !DECIMAL.test(v) || v === '-0') throw bad(`${where} must be a decimal integer string`);
  const n = BigInt(v);
  if (!inRange(n)) throw bad(`${where} is outside the signed ${ACTIVATION_BITS}-bit range`);
  return n;
}

/**
 * Parses and validates a model file (bytes of UTF-8 JSON or an already parsed object).
 * Throws `Zk.BadModel` naming the first problem (never the values).
 */
export function parseModel(source: Uint8Array | unknown): MlpModel {
  let doc: unknown = source;
  if (source instanceof Uint8Array) {
    try {
      doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(source));
    } catch {
      throw bad('not UTF-8 JSON');
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('not a JSON object');
  const o = doc as Record<string, unknown>;
  if (o.format !== MODEL_FORMAT) throw bad(`format must be "${MODEL_FORMAT}"`);
  if (o.version !== MODEL_VERSION) throw bad(`unsupported version (supported: ${MODEL_VERSION})`);
  if (o.scaleBits !== SCALE_BITS) throw bad(`scaleBits must be ${SCALE_BITS} (the reference circuits' scale)`);
  const shape = o.shape;
  if (!Array.isArray(shape) || shape.length < 2 || !shape.every((n) => Number.isInteger(n) && n >= 1 && n <= MAX_LAYER_WIDTH)) {
    throw bad(`shape must be an array of at least two layer widths in 1..${MAX_LAYER_WIDTH}`);
  }
  if (!Array.isArray(o.layers) || o.layers.length !== shape.length - 1) throw bad(`layers must be an array of ${shape.length - 1} layers`);
  const layers = (o.layers as unknown[]).map((layer, l): MlpLayer => {
    const nIn = shape[l] as number;
    const nOut = shape[l + 1] as number;
    if (typeof layer !== 'object' || layer === null) throw bad(`layers[${l}] must be an object`);
    const { weights, biases } = layer as Record<string, unknown>;
    if (!Array.isArray(weights) || weights.length !== nOut) throw bad(`layers[${l}].weights must have ${nOut} rows`);
    const W = weights.map((row, i) => {
      if (!Array.isArray(row) || row.length !== nIn) throw bad(`layers[${l}].weights[${i}] must have ${nIn} entries`);
      return row.map((v, j) => parseValue(v, `layers[${l}].weights[${i}][${j}]`));
    });
    if (!Array.isArray(biases) || biases.length !== nOut) throw bad(`layers[${l}].biases must have ${nOut} entries`);
    const b = biases.map((v, i) => parseValue(v, `layers[${l}].biases[${i}]`));
    return { weights: W, biases: b };
  });
  return { format: MODEL_FORMAT, version: MODEL_VERSION, shape: [...shape] as number[], scaleBits: SCALE_BITS, layers };
}

/** The model file bytes of a model (canonical JSON; `parseModel(encodeModel(m))` equals `m`). */
export function encodeModel(model: MlpModel): Uint8Array {
  const doc = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    shape: model.shape,
    scaleBits: model.scaleBits,
    layers: model.layers.map((l) => ({ weights: l.weights.map((row) => row.map(String)), biases: l.biases.map(String) })),
  };
  return new TextEncoder().encode(JSON.stringify(doc));
}

/** The committed parameters in the reference order: layer by layer, W row-major, then b. */
export function modelParameters(model: MlpModel): bigint[] {
  const out: bigint[] = [];
  for (const layer of model.layers) {
    for (const row of layer.weights) out.push(...row);
    out.push(...layer.biases);
  }
  return out;
}

/** The model's `zk_commitment` (`0x` hex), the SDK's Poseidon vector hash of {@link modelParameters}. */
export function modelCommitment(model: MlpModel): `0x${string}` {
  return sdkModelCommitment(modelParameters(model));
}

/**
 * Signed fixed-point inputs from field elements (as `parseInferenceInput` returns them) or signed
 * integers. Throws `Zk.BadInput` when the count is not the model's input width or a value is out of range.
 */
export function signedInputs(model: MlpModel, inputs: readonly (bigint | FieldLike)[]): bigint[] {
  const nIn = model.shape[0] as number;
  if (!Array.isArray(inputs) || inputs.length !== nIn) {
    throw new ZkJobError('Zk.BadInput', `the model takes ${nIn} inputs, got ${Array.isArray(inputs) ? inputs.length : 'none'}`);
  }
  return inputs.map((v, i) => {
    let n: bigint;
    if (typeof v === 'bigint') n = v >= 0n && v < BN254_R ? fromField(v) : v;
    else if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) n = BigInt(v) >= 0n ? fromField(BigInt(v) % BN254_R) : BigInt(v);
    else throw new ZkJobError('Zk.BadInput', `inputs[${i}] must be an integer`);
    if (!inRange(n)) throw new ZkJobError('Zk.BadInput', `inputs[${i}] is outside the signed ${ACTIVATION_BITS}-bit range`);
    return n;
  });
}

/** round(acc / 2^K), half up — the circuit's `Rescale` (BigInt `>>` floors negatives too). */
export function rescale(acc: bigint, scaleBits: number = SCALE_BITS): bigint {
  const k = BigInt(scaleBits);
  return (acc + (1n << (k - 1n))) >> k;
}

/**
 * Runs the model on signed fixed-point inputs exactly as the circuit does; returns the signed
 * fixed-point outputs. Throws `Zk.BadInput` / `Zk.ActivationOutOfRange` where the circuit has no witness.
 */
export function runMlp(model: MlpModel, inputs: readonly (bigint | FieldLike)[]): bigint[] {
  let x = signedInputs(model, inputs);
  const k = BigInt(model.scaleBits);
  model.layers.forEach((layer, l) => {
    const last = l === model.layers.length - 1;
    x = layer.weights.map((row, i) => {
      let acc = (layer.biases[i] as bigint) << k;
      row.forEach((w, j) => {
        acc += w * (x[j] as bigint);
      });
      const y = rescale(acc, model.scaleBits);
      if (!inRange(y)) {
        throw new ZkJobError('Zk.ActivationOutOfRange', `layer ${l} neuron ${i} leaves the signed ${ACTIVATION_BITS}-bit range`);
      }
      return last || y >= 0n ? y : 0n;
    });
  });
  return x;
}

/** Witness input of the `Mlp2` circuits (all values decimal field elements). */
export interface MlpCircuitInput {
  x: string[];
  W0: string[][];
  b0: string[];
  W1: string[][];
  b1: string[];
  job_id: string;
  zk_commitment: string;
  input_hash: string;
  [signal: string]: string | string[] | string[][];
}

const fe = (v: bigint) => toField(v).toString();

/**
 * The witness input object for the model's circuit: private weights and inputs, and the public
 * `job_id`, `zk_commitment` (of this model) and `input_hash` (of these inputs) — or the given
 * overrides (the on-chain values), which the circuit checks.
 */
export function circuitInput(
  model: MlpModel,
  inputs: readonly (bigint | FieldLike)[],
  jobId: bigint | number | string,
  overrides: { zkCommitment?: string; inputHash?: string } = {},
): MlpCircuitInput {
  if (model.layers.length !== 2) throw new ZkJobError('Zk.ShapeMismatch', `the reference circuits have two layers, the model has ${model.layers.length}`);
  const x = signedInputs(model, inputs);
  const id = BigInt(jobId);
  if (id < 0n || id >= 1n << 64n) throw new ZkJobError('Zk.BadInput', 'job id must be a u64');
  const [l0, l1] = model.layers as [MlpLayer, MlpLayer];
  return {
    x: x.map(fe),
    W0: l0.weights.map((row) => row.map(fe)),
    b0: l0.biases.map(fe),
    W1: l1.weights.map((row) => row.map(fe)),
    b1: l1.biases.map(fe),
    job_id: id.toString(),
    zk_commitment: BigInt(overrides.zkCommitment ?? modelCommitment(model)).toString(),
    input_hash: BigInt(overrides.inputHash ?? sdkInputHash(x)).toString(),
  };
}
