/**
 * Poseidon over BN254 with circomlib's parameters (the `Poseidon(n)` template of circomlib
 * 2.0.5: x⁵ S-box, 8 full rounds, partial rounds per width as in the Poseidon paper, circomlib's
 * round constants and MDS matrices), through the MIT-licensed `poseidon-lite` package. It is
 * tested equal to the input hash and output commitment that circomlib's circuit computes for
 * the `fixture_2x2` test circuit, and to circomlib for every arity.
 *
 * ## The hashes of a verifiable-inference job (every compiled model's circuit computes them)
 *
 * - `input_hash = H(x[0], …, x[n−1], in_salt)`: the quantized inputs as signed fixed-point field
 *   elements (`r − |v|` for negatives) and a secret random salt, so a small input domain cannot
 *   be searched from the public hash.
 * - `output_commitment = H(y[0], …, y[m−1], out_salt)`, the same for the outputs.
 *
 * where `H` over a vector of `n` field elements is:
 * - `n ≤ 16`: circomlib `Poseidon(n)` of the vector;
 * - `n > 16`: a left-to-right chain over the vector cut into a first chunk of 16 and further
 *   chunks of (up to) 15: `h = Poseidon(16)(chunk_0)`, then `h = Poseidon(1 + |c|)(h, c…)` for
 *   each following chunk `c`. A circuit hashing more than 16 values chains circomlib `Poseidon`
 *   components the same way.
 * `n = 0` is an error. The circuit fixes `n`, so vectors of different lengths are never
 * compared; for a fixed `n`, collision resistance follows from Poseidon's.
 */
import {
  poseidon1,
  poseidon10,
  poseidon11,
  poseidon12,
  poseidon13,
  poseidon14,
  poseidon15,
  poseidon16,
  poseidon2,
  poseidon3,
  poseidon4,
  poseidon5,
  poseidon6,
  poseidon7,
  poseidon8,
  poseidon9,
} from 'poseidon-lite';
import { ZkError } from './errors.js';
import { assertCanonical, fieldToHex, toField } from './field.js';

type PoseidonFn = (inputs: bigint[]) => bigint;

const BY_ARITY: readonly PoseidonFn[] = [
  poseidon1,
  poseidon2,
  poseidon3,
  poseidon4,
  poseidon5,
  poseidon6,
  poseidon7,
  poseidon8,
  poseidon9,
  poseidon10,
  poseidon11,
  poseidon12,
  poseidon13,
  poseidon14,
  poseidon15,
  poseidon16,
];

/** Largest arity of a single circomlib Poseidon call. */
export const POSEIDON_MAX_ARITY = 16;

/**
 * circomlib `Poseidon(n)` of 1..16 canonical field elements (each in `[0, r)`; nothing is
 * reduced). Returns the field element `out`.
 */
export function poseidon(inputs: readonly bigint[]): bigint {
  if (!Array.isArray(inputs) || inputs.length < 1 || inputs.length > POSEIDON_MAX_ARITY) {
    throw new ZkError('Zk.InvalidInput', `Poseidon takes 1 to ${POSEIDON_MAX_ARITY} inputs, got ${Array.isArray(inputs) ? inputs.length : 'none'}`);
  }
  inputs.forEach((x, i) => assertCanonical(x, `Poseidon input ${i}`));
  return BY_ARITY[inputs.length - 1]!([...inputs]);
}

/**
 * The Modelproof vector hash `H` (see the module documentation): circomlib Poseidon for up to
 * 16 elements, a chain of Poseidon calls beyond. Elements are canonical field elements.
 */
export function poseidonVector(elements: readonly bigint[]): bigint {
  if (!Array.isArray(elements) || elements.length === 0) throw new ZkError('Zk.InvalidInput', 'cannot hash an empty vector');
  let h = poseidon(elements.slice(0, POSEIDON_MAX_ARITY));
  for (let i = POSEIDON_MAX_ARITY; i < elements.length; i += POSEIDON_MAX_ARITY - 1) {
    h = poseidon([h, ...elements.slice(i, i + POSEIDON_MAX_ARITY - 1)]);
  }
  return h;
}

/** Signed integers (fixed-point values) or field elements → field elements (negatives as `r − |v|`). */
function toElements(values: readonly bigint[], what: string): bigint[] {
  if (!Array.isArray(values)) throw new ZkError('Zk.InvalidInput', `${what} must be an array of bigints`);
  return values.map((v, i) => {
    if (typeof v !== 'bigint') throw new ZkError('Zk.InvalidInput', `${what}[${i}] must be a bigint`);
    if (v < 0n) return toField(v);
    assertCanonical(v, `${what}[${i}]`);
    return v;
  });
}

/** A salt as a field element: a bigint `< r` (for example from {@link randomSalt}). */
function saltElement(salt: bigint, what: string): bigint {
  if (typeof salt !== 'bigint' || salt < 0n) throw new ZkError('Zk.InvalidInput', `${what} must be a non-negative bigint`);
  assertCanonical(salt, what);
  return salt;
}

/**
 * A job's `input_hash` (`0x` hex H256): `H(inputs ‖ salt)` over the fixed-point inputs (signed
 * integers or field elements; negatives as `r − |v|`) and a secret salt, so the hash published
 * on chain reveals nothing about inputs from a small domain.
 */
export function inputHash(inputs: readonly bigint[], salt: bigint): `0x${string}` {
  return fieldToHex(poseidonVector([...toElements(inputs, 'inputs'), saltElement(salt, 'salt')]));
}

/** A result's `output_commitment` (`0x` hex H256): `H(outputs ‖ salt)` (same encoding as {@link inputHash}). */
export function outputCommitment(outputs: readonly bigint[], salt: bigint): `0x${string}` {
  return fieldToHex(poseidonVector([...toElements(outputs, 'outputs'), saltElement(salt, 'salt')]));
}

/** A uniformly random field element (248 random bits, below r), for input and output salts. */
export function randomSalt(): bigint {
  const bytes = new Uint8Array(31);
  globalThis.crypto.getRandomValues(bytes);
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}
