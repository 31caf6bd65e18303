/**
 * `@modelproof/model-compiler/io` — the I/O rule of a compiled model, small and dependency-free so
 * a client (the SDK) can encode inputs and decode outputs exactly as the prover does.
 *
 * ## The rule
 * - An input is a flat or nested array of numbers whose shape is `io.inputShape` (the ONNX
 *   input's shape without its batch dimension); it is read row-major into `io.inputSize` numbers.
 * - Each number `v` is quantized to the signed integer `q = sign(v) · round(|v| · 2^inputScaleBits)`
 *   with halves rounded away from zero (`quantizeNumber`), and must satisfy
 *   `−2^(inputRangeBits−1) ≤ q < 2^(inputRangeBits−1)` (the calibrated input range;
 *   otherwise `Model.InputOutOfRange`).
 * - In the circuit (and in `input_hash`) a signed integer is the BN254 scalar `q` when `q ≥ 0`
 *   and `r − |q|` when negative (`toField`).
 * - Outputs are signed integers at scale `2^outputScaleBits`: the real output is
 *   `y / 2^outputScaleBits` (`decodeOutputs`); public signals are decoded with `fromField` first.
 * - `input_hash = H(toField(q[0]), …, toField(q[n−1]), in_salt)` and
 *   `out_commitment = H(toField(y[0]), …, toField(y[m−1]), out_salt)`, with `H` the SDK's
 *   Poseidon vector hash (`poseidonVector`).
 */
import { ModelCompilerError } from './errors.js';

/** BN254 scalar-field modulus r. */
export const BN254_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const HALF_R = (BN254_R - 1n) / 2n;

/** The rounding rule of `quantizeNumber` (recorded in model.json). */
export const ROUNDING = 'half-away-from-zero' as const;

/** The I/O description of a quantized model (`model.json` → `io`). */
export interface ModelIo {
  /** Input shape without the batch dimension, e.g. `[4]` or `[1, 28, 28]`. */
  inputShape: number[];
  /** Product of `inputShape`. */
  inputSize: number;
  /** Inputs are quantized at scale `2^inputScaleBits`. */
  inputScaleBits: number;
  /** Quantized inputs must lie in the signed range `[−2^(inputRangeBits−1), 2^(inputRangeBits−1))`. */
  inputRangeBits: number;
  /** Number of outputs (the circuit's `y`). */
  outputSize: number;
  /** Outputs are integers at scale `2^outputScaleBits`. */
  outputScaleBits: number;
  /** Always `half-away-from-zero`. */
  rounding: typeof ROUNDING;
}

function assertScaleBits(scaleBits: number): void {
  if (!Number.isInteger(scaleBits) || scaleBits < 0 || scaleBits > 64) {
    throw new ModelCompilerError('Model.InvalidInput', `scale bits must be an integer in [0, 64], got ${String(scaleBits)}`);
  }
}

/** `sign(v) · round(|v| · 2^scaleBits)`, halves away from zero; exact for every finite double. */
export function quantizeNumber(value: number, scaleBits: number): bigint {
  assertScaleBits(scaleBits);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ModelCompilerError('Model.InvalidInput', `expected a finite number, got ${String(value)}`);
  }
  // Multiplying by a power of two is exact in binary floating point (it only moves the exponent).
  const scaled = Math.abs(value) * 2 ** scaleBits;
  if (!Number.isFinite(scaled)) throw new ModelCompilerError('Model.InvalidInput', `a value times 2^${scaleBits} overflows`);
  const q = BigInt(Math.round(scaled)); // Math.round of a non-negative number rounds halves up
  return value < 0 ? -q : q;
}

/** A signed integer at scale 2^scaleBits back to a number. */
export function dequantizeNumber(q: bigint, scaleBits: number): number {
  assertScaleBits(scaleBits);
  return Number(q) / 2 ** scaleBits;
}

/** A signed integer as a field element (`r − |v|` for negatives). */
export function toField(v: bigint): bigint {
  if (v > HALF_R || v < -HALF_R) throw new ModelCompilerError('Model.InvalidInput', 'signed value out of the field range');
  return v < 0n ? BN254_R + v : v;
}

/** A field element (decimal string or bigint in [0, r)) as a signed integer. */
export function fromField(x: bigint | string): bigint {
  const v = typeof x === 'string' ? (/^[0-9]+$/.test(x) ? BigInt(x) : -1n) : x;
  if (v < 0n || v >= BN254_R) throw new ModelCompilerError('Model.InvalidInput', `not a canonical field element: ${String(x)}`);
  return v > HALF_R ? v - BN254_R : v;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * An input (flat array of `inputSize` numbers, or nested arrays of exactly `shape`) as a flat
 * row-major array. Throws `Model.ShapeMismatch` naming the first mismatch.
 */
export function flattenInput(input: unknown, shape: readonly number[]): number[] {
  const size = shape.reduce((a, b) => a * b, 1);
  if (!Array.isArray(input)) throw new ModelCompilerError('Model.ShapeMismatch', `input must be an array of shape ${shapeText(shape)} or a flat array of ${size} numbers`);
  const flatOk = input.length === size && input.every((v) => typeof v === 'number');
  if (flatOk) return checkFinite(input as number[]);
  const out: number[] = [];
  const walk = (v: unknown, depth: number, where: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') throw new ModelCompilerError('Model.ShapeMismatch', `input${where} must be a number, got ${Array.isArray(v) ? 'an array' : typeof v}`);
      out.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new ModelCompilerError('Model.ShapeMismatch', `input${where} must be an array of length ${shape[depth]} (input shape ${shapeText(shape)}, or a flat array of ${size}), got ${Array.isArray(v) ? `length ${v.length}` : typeof v}`, { details: { expectedShape: [...shape] } });
    }
    v.forEach((item, i) => walk(item, depth + 1, `${where}[${i}]`));
  };
  walk(input, 0, '');
  return checkFinite(out);
}

function checkFinite(values: number[]): number[] {
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new ModelCompilerError('Model.InvalidInput', `input value ${i} is not a finite number (${String(v)})`);
  });
  return values;
}

/** Quantizes an input by the rule above; throws `Model.InputOutOfRange` outside the calibrated range. */
export function encodeInputs(io: ModelIo, input: unknown): bigint[] {
  const flat = flattenInput(input, io.inputShape);
  const limit = 1n << BigInt(io.inputRangeBits - 1);
  return flat.map((v, i) => {
    const q = quantizeNumber(v, io.inputScaleBits);
    if (q < -limit || q >= limit) {
      // The value itself is not in the message: inputs may be private.
      throw new ModelCompilerError('Model.InputOutOfRange', `input value ${i} is outside the calibrated input range ±${dequantizeNumber(limit, io.inputScaleBits)}`, { details: { index: i } });
    }
    return q;
  });
}

/** Output integers (signed, or field elements as decimal strings) as numbers at the output scale. */
export function decodeOutputs(io: Pick<ModelIo, 'outputScaleBits'>, y: readonly (bigint | string)[]): number[] {
  return y.map((v) => dequantizeNumber(typeof v === 'string' ? fromField(v) : v, io.outputScaleBits));
}
