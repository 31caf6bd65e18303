/**
 * Groth16 verification over BN254 in TypeScript, decoding exactly the byte encodings the
 * runtime's verifier (crate `modelproof-groth16`, runtime-spec/GROTH16.md) decodes, with the
 * same checks — so a proof this accepts is one the chain accepts, and vice versa.
 *
 * Wire format (all integers 32 bytes big-endian, canonical):
 * - G1 (64 bytes) `x ‖ y`; G2 (128 bytes) `x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0` (imaginary part first, EIP-197).
 * - proof (256 bytes) `A (G1) ‖ B (G2) ‖ C (G1)`.
 * - verifying key `alpha (G1) ‖ beta (G2) ‖ gamma (G2) ‖ delta (G2) ‖ IC[0] ‖ … ‖ IC[n_public] (G1)`.
 * - public inputs: scalars < r, in snarkjs' `publicSignals` order.
 *
 * Checks: every coordinate < q (never reduced); every point on its curve (the all-zero
 * "infinity" encoding is therefore rejected); every G2 point in the order-r subgroup
 * (`[r]P = O`; G1 has cofactor 1); public inputs < r. Then
 * `e(−A, B) · e(alpha, beta) · e(vk_x, gamma) · e(C, delta) = 1` with
 * `vk_x = IC[0] + Σ input_i · IC[i+1]`.
 *
 * Pure TypeScript on @noble/curves (MIT); no snarkjs.
 */
import { bn254 } from '@noble/curves/bn254.js';
import { BN254_Q, BN254_R, bytes32ToBigint, parseField, type FieldLike } from './field.js';
import { ZkError, type ZkMalformedReason } from './errors.js';

/** Length of an encoded proof. */
export const PROOF_LEN = 256;
/** Length of the fixed part of an encoded verifying key (alpha, beta, gamma, delta). */
export const VK_FIXED_LEN = 64 + 3 * 128;
/** The chain's `MaxPublicInputs` (runtime constant): the default bound for decoding keys. */
export const DEFAULT_MAX_PUBLIC_INPUTS = 32;

const G1_LEN = 64;
const G2_LEN = 128;

type G1Point = InstanceType<typeof bn254.G1.Point>;
type G2Point = InstanceType<typeof bn254.G2.Point>;

const { Fp, Fp2, Fp12 } = bn254.fields;
const G1 = bn254.G1.Point;
const G2 = bn254.G2.Point;
/** Twist coefficient b' = 3 / (9 + i). */
const G2_B = Fp2.div(Fp2.fromBigTuple([3n, 0n]), Fp2.fromBigTuple([9n, 1n]));
const G1_B = 3n;

/** The length of an encoded verifying key with `nPublic` public inputs. */
export function verifyingKeyLength(nPublic: number): number {
  return VK_FIXED_LEN + G1_LEN * (nPublic + 1);
}

/** A decoded, validated verifying key. */
export interface VerifyingKey {
  readonly alpha: G1Point;
  readonly beta: G2Point;
  readonly gamma: G2Point;
  readonly delta: G2Point;
  /** `IC[0..=nPublic]`. */
  readonly ic: readonly G1Point[];
  readonly nPublic: number;
}

/** A decoded, validated proof. */
export interface Proof {
  readonly a: G1Point;
  readonly b: G2Point;
  readonly c: G1Point;
}

class Malformed extends Error {
  constructor(readonly reason: ZkMalformedReason) {
    super(reason);
  }
}

const MESSAGES: Record<ZkMalformedReason, string> = {
  Length: 'wrong length',
  TooManyPublicInputs: 'declares no public inputs or more than the bound',
  NonCanonicalCoordinate: 'a coordinate is not a canonical base-field element (≥ q)',
  PointNotOnCurve: 'a point is not on its curve (or is the point at infinity)',
  PointNotInSubgroup: 'a G2 point is not in the prime-order subgroup',
};

function fq(bytes: Uint8Array, offset: number): bigint {
  const x = bytes32ToBigint(bytes.subarray(offset, offset + 32));
  if (x >= BN254_Q) throw new Malformed('NonCanonicalCoordinate');
  return x;
}

function decodeG1(bytes: Uint8Array, offset: number): G1Point {
  const x = fq(bytes, offset);
  const y = fq(bytes, offset + 32);
  // y² = x³ + 3. (0, 0) fails it, so infinity is rejected here.
  if (!Fp.eql(Fp.sqr(y), Fp.add(Fp.mul(Fp.sqr(x), x), G1_B))) throw new Malformed('PointNotOnCurve');
  return G1.fromAffine({ x, y });
}

function decodeG2(bytes: Uint8Array, offset: number): G2Point {
  const x = Fp2.fromBigTuple([fq(bytes, offset + 32), fq(bytes, offset)]);
  const y = Fp2.fromBigTuple([fq(bytes, offset + 96), fq(bytes, offset + 64)]);
  if (!Fp2.eql(Fp2.sqr(y), Fp2.add(Fp2.mul(Fp2.sqr(x), x), G2_B))) throw new Malformed('PointNotOnCurve');
  const point = G2.fromAffine({ x, y });
  if (!inG2Subgroup(point)) throw new Malformed('PointNotInSubgroup');
  return point;
}

/** The BN254 seed x (`q − r = 6x²`). */
const BN_SEED = 4965661367192848881n;
/** ξ = 9 + i; ψ's coefficients ξ^((q−1)/3) and ξ^((q−1)/2). */
const XI = Fp2.fromBigTuple([9n, 1n]);
const PSI_X = Fp2.pow(XI, (BN254_Q - 1n) / 3n);
const PSI_Y = Fp2.pow(XI, (BN254_Q - 1n) / 2n);

/**
 * The untwist–Frobenius–twist endomorphism ψ(x, y) = (x̄·ξ^((q−1)/3), ȳ·ξ^((q−1)/2)), applied to
 * projective coordinates (conjugation is a field automorphism, so Z is just conjugated).
 */
function psi(p: G2Point): G2Point {
  return new G2(Fp2.mul(conj(p.X), PSI_X), Fp2.mul(conj(p.Y), PSI_Y), conj(p.Z));
}

function conj(a: { c0: bigint; c1: bigint }): { c0: bigint; c1: bigint } {
  return { c0: a.c0, c1: Fp.neg(a.c1) };
}

/**
 * Membership of the order-r subgroup for a point on the twist, the runtime's test (El Housni,
 * Guillevic, Piellard, ePrint 2022/348): `P ∈ G2 ⇔ [x+1]P + ψ([x]P) + ψ²([x]P) = ψ³([2x]P)`.
 * One 63-bit multiplication instead of the 254-bit `[r]P = O` (tests check both agree).
 */
export function inG2Subgroup(p: G2Point): boolean {
  const xp = p.multiplyUnsafe(BN_SEED);
  const psiXp = psi(xp);
  const lhs = p.add(xp).add(psiXp).add(psi(psiXp));
  const rhs = psi(psi(psi(xp.double())));
  return lhs.equals(rhs);
}

function asBytes(value: unknown, what: string, code: 'Zk.MalformedProof' | 'Zk.MalformedVerifyingKey'): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new ZkError(code, `${what} must be a Uint8Array`, { details: { reason: 'Length' } });
  return value;
}

/**
 * Decodes and validates verifying-key bytes. `maxPublicInputs` bounds `n_public` (default: the
 * chain's `MaxPublicInputs`, 32). Errors: `Zk.MalformedVerifyingKey` with `details.reason`.
 */
export function decodeVerifyingKey(vk: Uint8Array, options?: { maxPublicInputs?: number }): VerifyingKey {
  const bytes = asBytes(vk, 'verifying key', 'Zk.MalformedVerifyingKey');
  const max = options?.maxPublicInputs ?? DEFAULT_MAX_PUBLIC_INPUTS;
  try {
    const icBytes = bytes.length - VK_FIXED_LEN;
    if (icBytes <= 0 || icBytes % G1_LEN !== 0) throw new Malformed('Length');
    const nPublic = icBytes / G1_LEN - 1;
    if (nPublic === 0 || nPublic > max) throw new Malformed('TooManyPublicInputs');
    const alpha = decodeG1(bytes, 0);
    const beta = decodeG2(bytes, 64);
    const gamma = decodeG2(bytes, 192);
    const delta = decodeG2(bytes, 320);
    const ic: G1Point[] = [];
    for (let off = VK_FIXED_LEN; off < bytes.length; off += G1_LEN) ic.push(decodeG1(bytes, off));
    return Object.freeze({ alpha, beta, gamma, delta, ic: Object.freeze(ic), nPublic });
  } catch (e) {
    if (e instanceof Malformed) {
      throw new ZkError('Zk.MalformedVerifyingKey', `verifying key rejected: ${MESSAGES[e.reason]}`, { details: { reason: e.reason, length: bytes.length } });
    }
    throw e;
  }
}

/** Decodes and validates 256 proof bytes. Errors: `Zk.MalformedProof` with `details.reason`. */
export function decodeProof(proof: Uint8Array): Proof {
  const bytes = asBytes(proof, 'proof', 'Zk.MalformedProof');
  try {
    if (bytes.length !== PROOF_LEN) throw new Malformed('Length');
    return Object.freeze({ a: decodeG1(bytes, 0), b: decodeG2(bytes, 64), c: decodeG1(bytes, 192) });
  } catch (e) {
    if (e instanceof Malformed) {
      throw new ZkError('Zk.MalformedProof', `proof rejected: ${MESSAGES[e.reason]}`, { details: { reason: e.reason, length: bytes.length } });
    }
    throw e;
  }
}

/**
 * Verifies a Groth16 proof. `vk` and `proof` are the chain's byte encodings (or already
 * decoded); `publicInputs` are field elements in snarkjs' order — bigints, `0x` hex `H256`s,
 * decimal strings or 32-byte arrays (see {@link publicSignals} for the chain's vector).
 *
 * Returns `true`/`false` for a well-formed proof; throws `Zk.MalformedVerifyingKey`,
 * `Zk.MalformedProof`, `Zk.NonCanonicalInput` (an input ≥ r or negative — rejected, never
 * reduced) or `Zk.PublicInputCountMismatch` where the runtime would return an error.
 */
export function verifyGroth16(
  vk: Uint8Array | VerifyingKey,
  proof: Uint8Array | Proof,
  publicInputs: readonly FieldLike[],
): boolean {
  const key = vk instanceof Uint8Array ? decodeVerifyingKey(vk) : vk;
  const p = proof instanceof Uint8Array ? decodeProof(proof) : proof;
  if (!Array.isArray(publicInputs) || publicInputs.length !== key.nPublic) {
    throw new ZkError('Zk.PublicInputCountMismatch', `the verifying key expects ${key.nPublic} public inputs, got ${Array.isArray(publicInputs) ? publicInputs.length : 'none'}`, {
      details: { expected: key.nPublic, actual: Array.isArray(publicInputs) ? publicInputs.length : undefined },
    });
  }
  const scalars = publicInputs.map((v, i) => parseField(v, `public input ${i}`));
  let vkX = key.ic[0]!;
  scalars.forEach((s, i) => {
    vkX = vkX.add(key.ic[i + 1]!.multiplyUnsafe(s));
  });
  const pairs = [
    { g1: p.a.negate(), g2: p.b },
    { g1: key.alpha, g2: key.beta },
    { g1: p.c, g2: key.delta },
  ];
  // e(O, ·) = 1: a (negligibly likely) zero vk_x contributes nothing.
  if (!vkX.is0()) pairs.push({ g1: vkX, g2: key.gamma });
  return Fp12.eql(bn254.pairingBatch(pairs), Fp12.ONE);
}
