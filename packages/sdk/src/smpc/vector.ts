/**
 * Additive secret sharing over the BN254 scalar field (modulus r, the circuits' field).
 *
 * A participant's vector of reals is encoded as signed fixed point (`round(x · 2^scaleBits)`,
 * halves away from zero) and mapped into the field (`v ↦ v mod r`, negatives as `r − |v|`).
 * It is split into `committeeSize` shares: the first `committeeSize − 1` are independent,
 * uniformly random field vectors (rejection sampling on `crypto.getRandomValues`, no bias),
 * the last is the vector minus their sum. Any `committeeSize − 1` shares are therefore
 * uniformly random and independent of the vector; all of them sum to it mod r.
 *
 * ## Overflow bound
 * Sums are exact as long as the true (integer) sum stays within `±(r − 1) / 2 ≈ ±2^252.6`.
 * {@link encodeVector} therefore rejects any element whose fixed-point magnitude exceeds
 * `SMPC_MAX_ABS = 2^200` (`Smpc.Overflow`): the sum of up to 2^52 such vectors decodes exactly
 * — far more than the chain's `MaxParticipants` (64). {@link decodeVector} checks the decoded
 * sum against `contributors · 2^200` when told the number of contributors, so a sum that
 * wrapped around (or garbage) is reported instead of returned.
 */
import { randomBytes } from '../crypto/bytes.js';
import { BN254_R, MAX_SCALE_BITS, MAX_SIGNED, quantize } from '../zk/field.js';
import { SmpcError } from './errors.js';

/** Largest magnitude of one encoded (fixed-point) element: 2^200. */
export const SMPC_MAX_ABS = 1n << 200n;
/** How many vectors at the `SMPC_MAX_ABS` bound can be summed exactly: 2^52. */
export const SMPC_MAX_CONTRIBUTORS = 1n << 52n;

const MASK_254 = (1n << 254n) - 1n;

/** Uniformly random field elements (rejection sampling of 254-bit values below r). */
export function randomFieldElements(count: number): bigint[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new SmpcError('Smpc.InvalidInput', 'count must be a non-negative integer');
  const out: bigint[] = [];
  while (out.length < count) {
    // ~76% of 254-bit draws are below r: draw a batch with headroom, keep the accepted ones.
    const need = count - out.length;
    const batch = Math.min(Math.ceil(need * 1.4) + 4, 2048); // getRandomValues: at most 64 KiB per call
    const bytes = randomBytes(32 * batch);
    for (let i = 0; i < batch && out.length < count; i++) {
      let x = 0n;
      for (let j = 0; j < 32; j++) x = (x << 8n) | BigInt(bytes[32 * i + j]!);
      x &= MASK_254;
      if (x < BN254_R) out.push(x);
    }
    bytes.fill(0);
  }
  return out;
}

function assertScale(scaleBits: number): void {
  if (!Number.isInteger(scaleBits) || scaleBits < 0 || scaleBits > MAX_SCALE_BITS) {
    throw new SmpcError('Smpc.InvalidInput', `scaleBits must be an integer in [0, ${MAX_SCALE_BITS}]`);
  }
}

function assertFieldVector(v: readonly bigint[], what: string): void {
  if (!Array.isArray(v) || v.length === 0) throw new SmpcError('Smpc.InvalidInput', `${what} must be a non-empty array`);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'bigint' || x < 0n || x >= BN254_R) {
      throw new SmpcError('Smpc.InvalidInput', `${what}[${i}] is not a canonical field element`, { details: { index: i } });
    }
  }
}

/**
 * Signed integers (already fixed-point) → field elements. Each `|v| ≤ SMPC_MAX_ABS`, else
 * `Smpc.Overflow`.
 */
export function encodeIntegers(values: readonly bigint[]): bigint[] {
  if (!Array.isArray(values) || values.length === 0) throw new SmpcError('Smpc.InvalidInput', 'values must be a non-empty array');
  return values.map((v, i) => {
    if (typeof v !== 'bigint') throw new SmpcError('Smpc.InvalidInput', `values[${i}] must be a bigint`);
    if (v > SMPC_MAX_ABS || v < -SMPC_MAX_ABS) {
      throw new SmpcError('Smpc.Overflow', `values[${i}] exceeds the per-element bound 2^200`, { details: { index: i } });
    }
    return v < 0n ? BN254_R + v : v;
  });
}

/**
 * Numbers → signed fixed point (scale `2^scaleBits`) → field elements. Non-finite numbers are
 * `Smpc.InvalidInput`; a magnitude above `SMPC_MAX_ABS` after scaling is `Smpc.Overflow`.
 */
export function encodeVector(values: readonly number[], scaleBits: number): bigint[] {
  assertScale(scaleBits);
  if (!Array.isArray(values) || values.length === 0) throw new SmpcError('Smpc.InvalidInput', 'values must be a non-empty array');
  return encodeIntegers(
    values.map((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw new SmpcError('Smpc.InvalidInput', `values[${i}] must be a finite number`, { details: { index: i } });
      }
      return quantize(x, scaleBits);
    }),
  );
}

/**
 * Field elements → signed integers (elements above `(r − 1) / 2` are negative). With
 * `contributors`, each magnitude must be at most `contributors · SMPC_MAX_ABS` (`Smpc.Overflow`).
 */
export function decodeIntegers(vector: readonly bigint[], options?: { contributors?: number }): bigint[] {
  assertFieldVector(vector, 'vector');
  const n = options?.contributors;
  if (n !== undefined && (!Number.isSafeInteger(n) || n < 1)) throw new SmpcError('Smpc.InvalidInput', 'contributors must be a positive integer');
  const bound = n === undefined ? MAX_SIGNED : BigInt(n) * SMPC_MAX_ABS;
  return vector.map((x, i) => {
    const v = x > MAX_SIGNED ? x - BN254_R : x;
    if (v > bound || v < -bound) {
      throw new SmpcError('Smpc.Overflow', `element ${i} exceeds the bound for ${n} contributors (wrapped around, or not a sum of encoded vectors)`, { details: { index: i } });
    }
    return v;
  });
}

/** Field elements → numbers (`decodeIntegers(…) / 2^scaleBits`, nearest double). */
export function decodeVector(vector: readonly bigint[], scaleBits: number, options?: { contributors?: number }): number[] {
  assertScale(scaleBits);
  const scale = 2 ** scaleBits;
  return decodeIntegers(vector, options).map((v) => Number(v) / scale);
}

/** Element-wise sum mod r of one or more equally long field vectors. */
export function sumVectors(vectors: readonly (readonly bigint[])[]): bigint[] {
  if (!Array.isArray(vectors) || vectors.length === 0) throw new SmpcError('Smpc.InvalidInput', 'need at least one vector');
  const len = vectors[0]!.length;
  vectors.forEach((v, k) => {
    assertFieldVector(v, `vectors[${k}]`);
    if (v.length !== len) throw new SmpcError('Smpc.InvalidInput', `vectors[${k}] has length ${v.length}, expected ${len}`);
  });
  const out = new Array<bigint>(len).fill(0n);
  for (const v of vectors) {
    for (let i = 0; i < len; i++) {
      const s = out[i]! + v[i]!;
      out[i] = s >= BN254_R ? s - BN254_R : s;
    }
  }
  return out;
}

/**
 * Splits a field vector into `committeeSize` additive shares (mod r): share `j` goes to
 * committee member `j`. Every share but the last is uniformly random.
 */
export function splitShares(vector: readonly bigint[], committeeSize: number): bigint[][] {
  assertFieldVector(vector, 'vector');
  if (!Number.isSafeInteger(committeeSize) || committeeSize < 1 || committeeSize > 1024) {
    throw new SmpcError('Smpc.InvalidInput', 'committeeSize must be an integer in [1, 1024]');
  }
  const len = vector.length;
  const shares: bigint[][] = [];
  const last = [...vector];
  for (let j = 0; j < committeeSize - 1; j++) {
    const share = randomFieldElements(len);
    for (let i = 0; i < len; i++) {
      const d = last[i]! - share[i]!;
      last[i] = d < 0n ? d + BN254_R : d;
    }
    shares.push(share);
  }
  shares.push(last);
  return shares;
}

/** A committee member's partial: the sum of the shares addressed to it, one per contributor. */
export function sumSharesForMember(shares: readonly (readonly bigint[])[]): bigint[] {
  return sumVectors(shares);
}

/** The job owner's result: the sum of all members' partials (= the sum of the contributed vectors). */
export function combinePartials(partials: readonly (readonly bigint[])[]): bigint[] {
  return sumVectors(partials);
}
