/**
 * Fixed-point quantization of a {@link DenseGraph}, calibrated on sample inputs, and the
 * bit-exact integer evaluator of the result ({@link runQuantized}: the circuit computes exactly
 * this).
 *
 * ## The fixed-point rule (see the package README, "Fixed point")
 * Every tensor has a power-of-two scale: a real `v` is the integer `round(v · 2^s)`.
 * - Inputs: scale `s_in`; weights of layer l: `s_w(l)`; the layer's outputs: `s_y(l)`, which is
 *   the next layer's input scale. Scales are per tensor, chosen so that the calibrated maximum
 *   magnitude of the tensor has `bits` significant bits: `s = bits − ceil(log2 max|v|)`,
 *   clamped to [0, 40].
 * - A dense neuron accumulates exactly at scale `s_x + s_w`:
 *   `acc = Σ_j W_q[i][j]·x_q[j] + b_q[i]` with `b_q = round(b · 2^(s_x+s_w))`; then rescales by
 *   `k = s_x + s_w − s_y ≥ 1` bits with round half up: `y = floor((acc + 2^(k−1)) / 2^k)`.
 * - Range check: `−2^(B−1) ≤ y < 2^(B−1)` where `B` (per layer) covers the calibrated maximum
 *   `|y|` times a safety margin (×4 by default, i.e. 2 extra bits) plus a sign bit. A hidden
 *   layer's ReLU takes the sign from the top bit of that range check.
 * - Quantized inputs must lie in `±2^(B_in−1)` (calibrated the same way).
 */
import { ModelCompilerError } from './errors.js';
import { encodeInputs, flattenInput, quantizeNumber, ROUNDING, type ModelIo } from './io.js';
import { argmax, runFloat, type DenseGraph, type Postprocess } from './onnx.js';

export const QUANTIZED_MODEL_FORMAT = 'modelproof/quantized-model';
export const QUANTIZED_MODEL_VERSION = 1;

export interface QuantizeOptions {
  /** Significant bits of the calibrated maximum of each activation (default 16). */
  activationBits?: number;
  /** Significant bits of each layer's largest weight (default 16). */
  weightBits?: number;
  /** Significant bits of the calibrated maximum input (default 16). */
  inputBits?: number;
  /** Safety margin of the range checks over the calibrated maxima (default 4: 2 extra bits). */
  margin?: number;
}

export interface QuantizedLayer {
  name: string;
  ops: string[];
  inputs: number;
  outputs: number;
  relu: boolean;
  inputScaleBits: number;
  weightScaleBits: number;
  outputScaleBits: number;
  /** `k = inputScaleBits + weightScaleBits − outputScaleBits`: the rescale's shift. */
  shiftBits: number;
  /** Signed range-check width B of the pre-activation outputs. */
  rangeBits: number;
  /** `weights[i][j]` at scale 2^weightScaleBits. */
  weights: bigint[][];
  /** Biases at the accumulator scale 2^(inputScaleBits + weightScaleBits). */
  biases: bigint[];
  /** Calibrated maximum |pre-activation| (real) and its quantized value. */
  calibratedMaxAbs: number;
  calibratedMaxAbsQuantized: bigint;
}

export interface ExpectedError {
  /** Calibration samples evaluated. */
  samples: number;
  /** Per output: max |float − quantized| over the calibration set (real units). */
  maxAbsError: number[];
  /** Per output: a worst-case bound of |float − quantized| for ANY input the model accepts (inside the range checks). */
  worstCaseBound: number[];
  /** Fraction of calibration samples whose argmax agrees. */
  argmaxAgreement: number;
}

export interface QuantizedModel {
  format: typeof QUANTIZED_MODEL_FORMAT;
  version: typeof QUANTIZED_MODEL_VERSION;
  source: { producer: string; producerVersion: string; opset: number; inputName: string; outputName: string; sha256?: string };
  io: ModelIo;
  options: Required<QuantizeOptions>;
  calibration: { samples: number; inputMaxAbs: number };
  layers: QuantizedLayer[];
  postprocess: Postprocess | null;
  expectedError: ExpectedError;
}

const MAX_SCALE = 40;
const FIELD_BITS_LIMIT = 250; // r ≈ 2^253.6: keep every intermediate below 2^250

/** max |v| over values (a loop: spreading a large array into Math.max overflows the stack). */
function maxAbs(values: readonly number[]): number {
  let m = 0;
  for (const v of values) {
    const a = Math.abs(v);
    if (a > m) m = a;
  }
  return m;
}

function ceilLog2(maxAbs: number): number {
  return maxAbs > 0 ? Math.ceil(Math.log2(maxAbs)) : 0;
}

function chooseScale(bits: number, maxAbs: number): number {
  return Math.min(MAX_SCALE, Math.max(0, bits - ceilLog2(maxAbs)));
}

function bitLength(v: bigint): number {
  return v <= 0n ? 0 : v.toString(2).length;
}

function floorDiv(a: bigint, d: bigint): bigint {
  const r = ((a % d) + d) % d;
  return (a - r) / d;
}

/** Range bits for a calibrated maximum quantized magnitude and a margin. */
function rangeBitsFor(maxQ: bigint, margin: number): number {
  const scaled = BigInt(Math.ceil(Number(maxQ) * margin));
  return Math.max(2, bitLength(scaled) + 1);
}

/**
 * Validates a calibration set (JSON value) against the graph's input shape: a non-empty array
 * of inputs, each flat or nested. Returns the flat inputs.
 */
export function readCalibration(graph: Pick<DenseGraph, 'inputShape'>, calibration: unknown): number[][] {
  if (!Array.isArray(calibration) || calibration.length === 0) {
    throw new ModelCompilerError('Model.InvalidCalibration', 'the calibration set must be a non-empty JSON array of inputs');
  }
  return calibration.map((input, i) => {
    try {
      return flattenInput(input, graph.inputShape);
    } catch (e) {
      if (e instanceof ModelCompilerError) throw new ModelCompilerError(e.code === 'Model.InvalidInput' ? 'Model.InvalidCalibration' : e.code, `calibration input ${i}: ${e.message}`, { details: { ...e.details, sample: i } });
      throw e;
    }
  });
}

/** Quantizes a dense graph, calibrating scales and range checks on `calibration` (array of inputs). */
export function quantize(graph: DenseGraph, calibration: unknown, options: QuantizeOptions = {}): QuantizedModel {
  const opts: Required<QuantizeOptions> = {
    activationBits: options.activationBits ?? 16,
    weightBits: options.weightBits ?? 16,
    inputBits: options.inputBits ?? 16,
    margin: options.margin ?? 4,
  };
  for (const [k, v] of Object.entries(opts)) {
    if (!Number.isFinite(v) || v <= 0 || (k !== 'margin' && (!Number.isInteger(v) || v > 32)) || (k === 'margin' && v < 1)) {
      throw new ModelCompilerError('Model.Usage', `quantization option ${k} = ${v} is out of range`);
    }
  }
  const samples = readCalibration(graph, calibration);

  // Float pass: the calibrated maxima of the input and of every layer's pre-activation.
  const inputMaxAbs = maxAbs(samples.map(maxAbs));
  const preMax = graph.layers.map(() => 0);
  for (const x of samples) {
    let a = x;
    graph.layers.forEach((layer, l) => {
      const pre = layer.weights.map((row, i) => row.reduce((acc, w, j) => acc + w * a[j]!, layer.biases[i]!));
      preMax[l] = Math.max(preMax[l]!, maxAbs(pre));
      a = layer.relu ? pre.map((v) => (v < 0 ? 0 : v)) : pre;
    });
  }

  const inputScaleBits = chooseScale(opts.inputBits, inputMaxAbs);
  let sx = inputScaleBits;
  const layers: QuantizedLayer[] = graph.layers.map((layer, l) => {
    const maxW = maxAbs(layer.weights.map(maxAbs));
    let sw = chooseScale(opts.weightBits, maxW);
    if (sx + sw === 0) sw = 1;
    const sy = Math.min(chooseScale(opts.activationBits, preMax[l]!), sx + sw - 1);
    const q: QuantizedLayer = {
      name: layer.name,
      ops: layer.ops.slice(),
      inputs: layer.inputs,
      outputs: layer.outputs,
      relu: layer.relu,
      inputScaleBits: sx,
      weightScaleBits: sw,
      outputScaleBits: sy,
      shiftBits: sx + sw - sy,
      rangeBits: 0,
      weights: layer.weights.map((row) => row.map((w) => quantizeNumber(w, sw))),
      biases: layer.biases.map((b) => quantizeNumber(b, sx + sw)),
      calibratedMaxAbs: preMax[l]!,
      calibratedMaxAbsQuantized: 0n,
    };
    sx = sy;
    return q;
  });

  const io: ModelIo = {
    inputShape: graph.inputShape.slice(),
    inputSize: graph.inputShape.reduce((a, b) => a * b, 1),
    inputScaleBits,
    inputRangeBits: 0,
    outputSize: graph.layers[graph.layers.length - 1]!.outputs,
    outputScaleBits: layers[layers.length - 1]!.outputScaleBits,
    rounding: ROUNDING,
  };

  // Quantized pass without range checks: the calibrated quantized maxima → range bits.
  let inMaxQ = 0n;
  for (const x of samples) {
    const xq = x.map((v) => quantizeNumber(v, inputScaleBits));
    for (const v of xq) if ((v < 0n ? -v : v) > inMaxQ) inMaxQ = v < 0n ? -v : v;
    evaluate(layers, xq, (l, pre) => {
      for (const v of pre) {
        const a = v < 0n ? -v : v;
        if (a > layers[l]!.calibratedMaxAbsQuantized) layers[l]!.calibratedMaxAbsQuantized = a;
      }
    });
  }
  io.inputRangeBits = rangeBitsFor(inMaxQ, opts.margin);
  for (const layer of layers) layer.rangeBits = rangeBitsFor(layer.calibratedMaxAbsQuantized, opts.margin);
  checkFieldHeadroom(io, layers);

  const model: QuantizedModel = {
    format: QUANTIZED_MODEL_FORMAT,
    version: QUANTIZED_MODEL_VERSION,
    source: { producer: graph.producer.name, producerVersion: graph.producer.version, opset: graph.opset, inputName: graph.inputName, outputName: graph.outputName },
    io,
    options: opts,
    calibration: { samples: samples.length, inputMaxAbs },
    layers,
    postprocess: graph.postprocess,
    expectedError: { samples: 0, maxAbsError: [], worstCaseBound: [], argmaxAgreement: 0 },
  };
  model.expectedError = expectedError(graph, model, samples);
  return model;
}

/** Asserts that no accumulator or range-check decomposition can reach the field size. */
function checkFieldHeadroom(io: ModelIo, layers: QuantizedLayer[]): void {
  let inBits = io.inputRangeBits;
  for (const layer of layers) {
    const xMax = 1n << BigInt(inBits - 1);
    let worst = 0n;
    layer.weights.forEach((row, i) => {
      let s = layer.biases[i]! < 0n ? -layer.biases[i]! : layer.biases[i]!;
      for (const w of row) s += (w < 0n ? -w : w) * xMax;
      if (s > worst) worst = s;
    });
    const accBits = bitLength(worst) + 1;
    if (accBits > FIELD_BITS_LIMIT || layer.rangeBits + layer.shiftBits > FIELD_BITS_LIMIT) {
      throw new ModelCompilerError('Model.QuantizationFailed', `layer ${layer.name}: the accumulator needs ${accBits} bits, over the field's ${FIELD_BITS_LIMIT}-bit budget (lower --weight-bits / --activation-bits)`);
    }
    inBits = layer.rangeBits;
  }
}

/** Integer evaluation; `onPre(l, pre)` sees each layer's pre-activation outputs. */
function evaluate(layers: readonly QuantizedLayer[], x: readonly bigint[], onPre: (l: number, pre: bigint[]) => void): bigint[] {
  let a = x.slice();
  layers.forEach((layer, l) => {
    const k = BigInt(layer.shiftBits);
    const half = 1n << (k - 1n);
    const div = 1n << k;
    const pre = layer.weights.map((row, i) => {
      let acc = layer.biases[i]!;
      for (let j = 0; j < row.length; j++) acc += row[j]! * a[j]!;
      return floorDiv(acc + half, div);
    });
    onPre(l, pre);
    a = layer.relu ? pre.map((v) => (v < 0n ? 0n : v)) : pre;
  });
  return a;
}

export interface QuantizedRun {
  /** The quantized inputs (signed integers at scale 2^inputScaleBits). */
  inputs: bigint[];
  /** The outputs (signed integers at scale 2^outputScaleBits): the circuit's `y`. */
  outputs: bigint[];
  /** The outputs as real numbers. */
  decoded: number[];
}

/**
 * Runs the quantized model bit-exactly as the circuit does. `input` is an input in the model's
 * shape (numbers, quantized by the io rule) or already-quantized signed integers (bigint[]).
 * Throws `Model.InputOutOfRange` / `Model.ActivationOutOfRange` where the circuit would have no
 * witness.
 */
export function runQuantized(model: QuantizedModel, input: unknown): QuantizedRun {
  let xq: bigint[];
  if (Array.isArray(input) && input.length > 0 && input.every((v) => typeof v === 'bigint')) {
    xq = input as bigint[];
    if (xq.length !== model.io.inputSize) throw new ModelCompilerError('Model.ShapeMismatch', `expected ${model.io.inputSize} quantized inputs, got ${xq.length}`);
    const limit = 1n << BigInt(model.io.inputRangeBits - 1);
    xq.forEach((v, i) => {
      if (v < -limit || v >= limit) throw new ModelCompilerError('Model.InputOutOfRange', `quantized input ${i} is outside the calibrated input range`, { details: { index: i } });
    });
  } else {
    xq = encodeInputs(model.io, input);
  }
  const outputs = evaluate(model.layers, xq, (l, pre) => {
    const layer = model.layers[l]!;
    const limit = 1n << BigInt(layer.rangeBits - 1);
    pre.forEach((v, i) => {
      if (v < -limit || v >= limit) {
        // The activation itself is not in the message: it derives from a possibly private input.
        throw new ModelCompilerError('Model.ActivationOutOfRange', `layer ${l} (${layer.name}) output ${i} is outside its calibrated range ±${Number(limit) / 2 ** layer.outputScaleBits}: the circuit has no witness for this input`, { details: { layer: l, index: i } });
      }
    });
  });
  return { inputs: xq, outputs, decoded: outputs.map((v) => Number(v) / 2 ** model.io.outputScaleBits) };
}

/**
 * The expected error of the quantized model against the float network: the maximum observed on
 * the calibration set, and a worst-case bound valid for every input that passes the range
 * checks, propagated layer by layer:
 *   e_y[i] ≤ Σ_j |W[i][j]|·e_x[j] + Σ_j |W[i][j] − W_q[i][j]/2^s_w|·M_x + |b[i] − b_q[i]/2^(s_x+s_w)| + 2^−(s_y+1)
 * with M_x = 2^(B_x−1−s_x) the largest accepted |x| and ReLU 1-Lipschitz; the inputs start at
 * e = 2^−(s_in+1).
 */
function expectedError(graph: DenseGraph, model: QuantizedModel, samples: number[][]): ExpectedError {
  let e = new Array<number>(model.io.inputSize).fill(2 ** -(model.io.inputScaleBits + 1));
  let mx = 2 ** (model.io.inputRangeBits - 1 - model.io.inputScaleBits);
  graph.layers.forEach((layer, l) => {
    const q = model.layers[l]!;
    e = layer.weights.map((row, i) => {
      let s = Math.abs(layer.biases[i]! - Number(q.biases[i]!) / 2 ** (q.inputScaleBits + q.weightScaleBits)) + 2 ** -(q.outputScaleBits + 1);
      row.forEach((w, j) => {
        s += Math.abs(w) * e[j]! + Math.abs(w - Number(q.weights[i]![j]!) / 2 ** q.weightScaleBits) * mx;
      });
      return s;
    });
    mx = 2 ** (q.rangeBits - 1 - q.outputScaleBits);
  });
  const maxAbsError = new Array<number>(model.io.outputSize).fill(0);
  let agree = 0;
  for (const x of samples) {
    const f = runFloat(graph, x);
    const qy = runQuantized(model, x).decoded;
    f.forEach((v, i) => {
      maxAbsError[i] = Math.max(maxAbsError[i]!, Math.abs(v - qy[i]!));
    });
    if (argmax(f) === argmax(qy)) agree++;
  }
  // Rounding the bound up a little covers the float evaluation's own rounding.
  return { samples: samples.length, maxAbsError, worstCaseBound: e.map((v) => v * (1 + 1e-9)), argmaxAgreement: agree / samples.length };
}

// ---------------------------------------------------------------------------------------------
// model.json (de)serialisation: integers as decimal strings.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The model as the JSON object written to `model.json`. */
export function modelToJson(model: QuantizedModel): Json {
  return JSON.parse(JSON.stringify(model, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Json;
}

const INT = /^-?[0-9]+$/;

function bad(message: string): never {
  throw new ModelCompilerError('Model.InvalidModelDir', `model.json: ${message}`);
}

function int(v: unknown, where: string): bigint {
  if (typeof v !== 'string' || !INT.test(v)) bad(`${where} must be a decimal integer string`);
  return BigInt(v);
}

function smallInt(v: unknown, where: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(`${where} must be an integer in [${min}, ${max}]`);
  return v;
}

/** Parses and validates `model.json` contents. */
export function modelFromJson(json: unknown): QuantizedModel {
  const m = json as Record<string, unknown>;
  if (!m || typeof m !== 'object') bad('not an object');
  if (m.format !== QUANTIZED_MODEL_FORMAT) bad(`format must be "${QUANTIZED_MODEL_FORMAT}"`);
  if (m.version !== QUANTIZED_MODEL_VERSION) bad(`unsupported version ${String(m.version)}`);
  const io = m.io as Record<string, unknown>;
  if (!io || !Array.isArray(io.inputShape)) bad('io.inputShape missing');
  const inputShape = (io.inputShape as unknown[]).map((d, i) => smallInt(d, `io.inputShape[${i}]`, 1, 1 << 24));
  const inputSize = smallInt(io.inputSize, 'io.inputSize', 1, 1 << 24);
  if (inputShape.reduce((a, b) => a * b, 1) !== inputSize) bad('io.inputSize is not the product of io.inputShape');
  if (!Array.isArray(m.layers) || m.layers.length === 0) bad('layers missing');
  let prevOut = inputSize;
  let prevScale = smallInt(io.inputScaleBits, 'io.inputScaleBits', 0, 64);
  const layers = (m.layers as Record<string, unknown>[]).map((l, n) => {
    const where = `layers[${n}]`;
    const inputs = smallInt(l.inputs, `${where}.inputs`, 1, 1 << 24);
    const outputs = smallInt(l.outputs, `${where}.outputs`, 1, 1 << 24);
    if (inputs !== prevOut) bad(`${where}.inputs = ${inputs}, the previous layer has ${prevOut} outputs`);
    const inputScaleBits = smallInt(l.inputScaleBits, `${where}.inputScaleBits`, 0, 64);
    if (inputScaleBits !== prevScale) bad(`${where}.inputScaleBits differs from the previous output scale`);
    const weightScaleBits = smallInt(l.weightScaleBits, `${where}.weightScaleBits`, 0, 64);
    const outputScaleBits = smallInt(l.outputScaleBits, `${where}.outputScaleBits`, 0, 64);
    const shiftBits = smallInt(l.shiftBits, `${where}.shiftBits`, 1, 128);
    if (shiftBits !== inputScaleBits + weightScaleBits - outputScaleBits) bad(`${where}.shiftBits is inconsistent with the scales`);
    const rangeBits = smallInt(l.rangeBits, `${where}.rangeBits`, 2, 200);
    if (!Array.isArray(l.weights) || l.weights.length !== outputs) bad(`${where}.weights must have ${outputs} rows`);
    const weights = (l.weights as unknown[]).map((row, i) => {
      if (!Array.isArray(row) || row.length !== inputs) bad(`${where}.weights[${i}] must have ${inputs} entries`);
      return row.map((v, j) => int(v, `${where}.weights[${i}][${j}]`));
    });
    if (!Array.isArray(l.biases) || l.biases.length !== outputs) bad(`${where}.biases must have ${outputs} entries`);
    const biases = (l.biases as unknown[]).map((v, i) => int(v, `${where}.biases[${i}]`));
    prevOut = outputs;
    prevScale = outputScaleBits;
    return {
      name: String(l.name ?? `layer${n}`),
      ops: Array.isArray(l.ops) ? l.ops.map(String) : [],
      inputs, outputs,
      relu: l.relu === true,
      inputScaleBits, weightScaleBits, outputScaleBits, shiftBits, rangeBits, weights, biases,
      calibratedMaxAbs: Number(l.calibratedMaxAbs ?? 0),
      calibratedMaxAbsQuantized: typeof l.calibratedMaxAbsQuantized === 'string' ? int(l.calibratedMaxAbsQuantized, `${where}.calibratedMaxAbsQuantized`) : 0n,
    } satisfies QuantizedLayer;
  });
  const outputSize = smallInt(io.outputSize, 'io.outputSize', 1, 1 << 24);
  if (outputSize !== prevOut) bad('io.outputSize differs from the last layer');
  const outputScaleBits = smallInt(io.outputScaleBits, 'io.outputScaleBits', 0, 64);
  if (outputScaleBits !== prevScale) bad('io.outputScaleBits differs from the last layer');
  if (io.rounding !== ROUNDING) bad(`io.rounding must be "${ROUNDING}"`);
  return {
    ...(m as unknown as QuantizedModel),
    io: { inputShape, inputSize, inputScaleBits: smallInt(io.inputScaleBits, 'io.inputScaleBits', 0, 64), inputRangeBits: smallInt(io.inputRangeBits, 'io.inputRangeBits', 2, 200), outputSize, outputScaleBits, rounding: ROUNDING },
    layers,
    postprocess: (m.postprocess ?? null) as Postprocess | null,
  };
}
