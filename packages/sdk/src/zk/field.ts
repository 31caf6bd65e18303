/**
 * BN254 scalar-field helpers: the canonical encodings the chain uses for public signals, and
 * signed fixed-point numbers as field elements.
 *
 * - A field element is a bigint in `[0, r)`. On the wire (public inputs, `H256` outputs,
 *   `output_commitment`, `input_hash`) it is 32 bytes big-endian; a value ≥ r is rejected, never
 *   reduced (exactly as the runtime decodes it).
 * - A signed integer `v` with `|v| ≤ (r − 1) / 2` is the field element `v` when `v ≥ 0` and
 *   `r − |v|` when negative ({@link toField}); {@link fromField} inverts it (elements above
 *   `(r − 1) / 2` read as negative).
 * - Fixed point with `scaleBits = k`: a real `x` is the integer `round(x · 2^k)` (halves away
 *   from zero). A product of two scale-`k` values has scale `2k`: the reference circuits
 *   document which scale each output has.
 */
import { ZkError } from './errors.js';

/** BN254 scalar-field modulus r (the circuits' field; public inputs must be below it). */
export const BN254_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** BN254 base-field modulus q (curve coordinates must be below it). */
export const BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
/** Largest magnitude a signed value may have: `(r − 1) / 2`. */
export const MAX_SIGNED = (BN254_R - 1n) / 2n;
/** Largest `scaleBits` the fixed-point helpers accept. */
export const MAX_SCALE_BITS = 200;

const HEX64 = /^0x[0-9a-fA-F]{64}$/;
const DECIMAL = /^[0-9]+$/;

/** A signed integer as a field element: `v` if `v ≥ 0`, else `r − |v|`. Requires `|v| ≤ (r − 1) / 2`. */
export function toField(v: bigint): bigint {
  if (typeof v !== 'bigint') throw new ZkError('Zk.InvalidInput', `toField expects a bigint, got ${typeof v}`);
  if (v > MAX_SIGNED || v < -MAX_SIGNED) {
    throw new ZkError('Zk.OutOfRange', 'signed value out of range: |v| must be at most (r - 1) / 2');
  }
  return v < 0n ? BN254_R + v : v;
}

/** A field element as a signed integer: elements above `(r − 1) / 2` are negative (`x − r`). */
export function fromField(x: bigint): bigint {
  assertCanonical(x, 'field element');
  return x > MAX_SIGNED ? x - BN254_R : x;
}

function assertScale(scaleBits: number): void {
  if (!Number.isInteger(scaleBits) || scaleBits < 0 || scaleBits > MAX_SCALE_BITS) {
    throw new ZkError('Zk.InvalidInput', `scaleBits must be an integer in [0, ${MAX_SCALE_BITS}], got ${String(scaleBits)}`);
  }
}

/**
 * `round(value · 2^scaleBits)` as a signed bigint (halves rounded away from zero), exact for
 * every finite double. Throws `Zk.OutOfRange` for NaN/±Infinity.
 */
export function quantize(value: number, scaleBits: number): bigint {
  assertScale(scaleBits);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ZkError('Zk.OutOfRange', `fixed-point value must be a finite number, got ${String(value)}`);
  }
  // Scale exactly: split 2^k into factors a double can hold without overflowing early.
  let scaled = Math.abs(value);
  let k = scaleBits;
  let extra = 0n;
  while (k > 0) {
    const step = Math.min(k, 64);
    const next = scaled * 2 ** step;
    if (!Number.isFinite(next)) break;
    scaled = next;
    k -= step;
  }
  if (k > 0) extra = BigInt(k); // only for huge magnitudes: the rest of the shift is done on the integer
  const rounded = BigInt(Math.round(scaled)) << extra;
  return value < 0 ? -rounded : rounded;
}

/** A signed fixed-point integer (scale `2^scaleBits`) back to a number (nearest double). */
export function dequantize(v: bigint, scaleBits: number): number {
  assertScale(scaleBits);
  return Number(v) / 2 ** scaleBits;
}

/** `value` as a fixed-point field element: `toField(quantize(value, scaleBits))`. */
export function encodeFixedPoint(value: number, scaleBits: number): bigint {
  return toField(quantize(value, scaleBits));
}

/** A fixed-point field element back to a number: `dequantize(fromField(x), scaleBits)`. */
export function decodeFixedPoint(x: bigint, scaleBits: number): number {
  return dequantize(fromField(x), scaleBits);
}

/** Throws `Zk.NonCanonicalInput` unless `x` is a bigint in `[0, r)`. */
export function assertCanonical(x: bigint, what = 'field element'): void {
  if (typeof x !== 'bigint') throw new ZkError('Zk.NonCanonicalInput', `${what} must be a bigint, got ${typeof x}`);
  if (x < 0n || x >= BN254_R) {
    throw new ZkError('Zk.NonCanonicalInput', `${what} is not a canonical BN254 scalar (it must be in [0, r))`);
  }
}

/** A canonical field element as 32 big-endian bytes. */
export function fieldToBytes(x: bigint): Uint8Array {
  assertCanonical(x);
  return bigintToBytes32(x);
}

/** A canonical field element as a `0x`-prefixed 64-digit hex string (the SDK's H256 form). */
export function fieldToHex(x: bigint): `0x${string}` {
  assertCanonical(x);
  return `0x${x.toString(16).padStart(64, '0')}`;
}

/** 32 big-endian bytes as a canonical field element (`≥ r` rejected, never reduced). */
export function bytesToField(bytes: Uint8Array, what = 'field element'): bigint {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new ZkError('Zk.NonCanonicalInput', `${what} must be 32 bytes`);
  }
  const x = bytes32ToBigint(bytes);
  assertCanonical(x, what);
  return x;
}

/** A field element given as it appears around the SDK, checked canonical. */
export type FieldLike = bigint | string | Uint8Array;

/**
 * Parses a field element from a bigint, a `0x` hex string of exactly 32 bytes (an `H256`), a
 * decimal string (snarkjs' `publicSignals`), or 32 big-endian bytes. Negative or `≥ r` values
 * are `Zk.NonCanonicalInput`.
 */
export function parseField(value: FieldLike, what = 'field element'): bigint {
  if (typeof value === 'bigint') {
    assertCanonical(value, what);
    return value;
  }
  if (typeof value === 'string') {
    let x: bigint;
    if (HEX64.test(value)) x = BigInt(value);
    else if (DECIMAL.test(value)) x = BigInt(value);
    else throw new ZkError('Zk.NonCanonicalInput', `${what} must be 0x + 64 hex digits or a decimal string`);
    assertCanonical(x, what);
    return x;
  }
  if (value instanceof Uint8Array) return bytesToField(value, what);
  throw new ZkError('Zk.NonCanonicalInput', `${what} must be a bigint, a string or 32 bytes`);
}

/** @internal 32-byte big-endian encoding of a non-negative bigint below 2^256. */
export function bigintToBytes32(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = x;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** @internal Big-endian bytes as a bigint. */
export function bytes32ToBigint(bytes: Uint8Array): bigint {
  let x = 0n;
  for (const b of bytes) x = (x << 8n) | BigInt(b);
  return x;
}
