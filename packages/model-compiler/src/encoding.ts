/**
 * snarkjs JSON (verification_key.json, proof.json, publicSignals) → the byte encodings the chain's
 * Groth16 verifier (crate `modelproof-groth16`, runtime-spec/GROTH16.md) decodes:
 *
 *   Fq / Fr element : 32 bytes big-endian, canonical (< q resp. < r)
 *   G1              : x ‖ y                          (64 bytes)
 *   G2              : x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0       (128 bytes, EIP-197: imaginary part first)
 *   infinity        : all zero bytes (the chain rejects it in keys and proofs)
 *   proof           : A (G1) ‖ B (G2) ‖ C (G1)       (256 bytes)
 *   verifying key   : alpha (G1) ‖ beta (G2) ‖ gamma (G2) ‖ delta (G2) ‖ IC[0..=nPublic] (G1)
 *
 * snarkjs writes G2 coordinates as [c0, c1] (real part first) and points in projective form
 * [x, y, z] with z = 1 (or z = 0 for infinity); both are handled here. Dependency-free.
 */
import { ModelCompilerError } from './errors.js';

/** BN254 base-field modulus q. */
export const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
/** BN254 scalar-field modulus r. */
export const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

type Scalar = string | bigint | number;
export interface SnarkjsVerificationKey {
  protocol: string;
  curve: string;
  nPublic: number | string;
  vk_alpha_1: Scalar[];
  vk_beta_2: Scalar[][];
  vk_gamma_2: Scalar[][];
  vk_delta_2: Scalar[][];
  IC: Scalar[][];
  [k: string]: unknown;
}
export interface SnarkjsProof {
  pi_a: Scalar[];
  pi_b: Scalar[][];
  pi_c: Scalar[];
  protocol?: string;
  curve?: string;
}

function malformed(message: string): never {
  throw new ModelCompilerError('Model.InvalidJson', message);
}

function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) malformed(`unsafe integer ${value}`);
    return BigInt(value);
  }
  if (typeof value === 'string' && /^[0-9]+$/.test(value)) return BigInt(value);
  return malformed(`expected a non-negative decimal string or bigint, got ${String(value)}`);
}

function bytes32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function checked(value: unknown, modulus: bigint, what: string): Uint8Array {
  const n = toBigInt(value);
  if (n >= modulus) malformed(`${what} is not canonical (≥ modulus)`);
  return bytes32(n);
}

/** A scalar-field element (decimal string or bigint) as 32 bytes big-endian; throws on ≥ r. */
export function fieldToBytes32(value: Scalar): Uint8Array {
  return checked(value, R, 'field element');
}

/** snarkjs publicSignals (decimal strings) as 32-byte big-endian values. */
export function publicSignalsToBytes32(signals: readonly Scalar[]): Uint8Array[] {
  if (!Array.isArray(signals)) malformed('publicSignals must be an array');
  return signals.map((s) => fieldToBytes32(s));
}

const isZero = (z: unknown): boolean => toBigInt(z) === 0n;

/** A snarkjs G1 point [x, y, z] as 64 bytes. */
export function encodeG1(point: readonly Scalar[]): Uint8Array {
  if (!Array.isArray(point) || point.length < 2) malformed('G1 point must be [x, y, z]');
  const out = new Uint8Array(64);
  if (point.length > 2) {
    if (isZero(point[2])) return out;
    if (toBigInt(point[2]) !== 1n) malformed('expected an affine point (z = 1) or infinity (z = 0)');
  }
  out.set(checked(point[0], Q, 'coordinate'), 0);
  out.set(checked(point[1], Q, 'coordinate'), 32);
  return out;
}

/** A snarkjs G2 point [[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]] as 128 bytes (c1 first). */
export function encodeG2(point: readonly (readonly Scalar[])[]): Uint8Array {
  if (!Array.isArray(point) || point.length < 2) malformed('G2 point must be [x, y, z]');
  const out = new Uint8Array(128);
  if (point.length > 2) {
    const [z0, z1] = point[2]!;
    if (isZero(z0) && isZero(z1)) return out;
    if (toBigInt(z0) !== 1n || !isZero(z1)) malformed('expected an affine G2 point (z = 1)');
  }
  const [x, y] = point as [readonly Scalar[], readonly Scalar[]];
  out.set(checked(x[1], Q, 'coordinate'), 0);
  out.set(checked(x[0], Q, 'coordinate'), 32);
  out.set(checked(y[1], Q, 'coordinate'), 64);
  out.set(checked(y[0], Q, 'coordinate'), 96);
  return out;
}

/** snarkjs verification_key.json (Groth16, bn128) as the chain's verifying-key bytes. */
export function encodeVerifyingKey(vk: SnarkjsVerificationKey): Uint8Array {
  if (vk.protocol !== 'groth16') malformed(`expected a groth16 key, got ${vk.protocol}`);
  if (vk.curve !== 'bn128') malformed(`expected curve bn128, got ${vk.curve}`);
  const nPublic = Number(vk.nPublic);
  if (!Array.isArray(vk.IC) || vk.IC.length !== nPublic + 1) malformed(`IC must have nPublic + 1 = ${nPublic + 1} points`);
  const out = new Uint8Array(448 + 64 * vk.IC.length);
  out.set(encodeG1(vk.vk_alpha_1), 0);
  out.set(encodeG2(vk.vk_beta_2), 64);
  out.set(encodeG2(vk.vk_gamma_2), 192);
  out.set(encodeG2(vk.vk_delta_2), 320);
  vk.IC.forEach((p, i) => out.set(encodeG1(p), 448 + 64 * i));
  return out;
}

/** snarkjs proof.json (Groth16) as the chain's 256 proof bytes. */
export function encodeProof(proof: SnarkjsProof): Uint8Array {
  if (proof.protocol !== undefined && proof.protocol !== 'groth16') malformed(`expected a groth16 proof, got ${proof.protocol}`);
  const out = new Uint8Array(256);
  out.set(encodeG1(proof.pi_a), 0);
  out.set(encodeG2(proof.pi_b), 64);
  out.set(encodeG1(proof.pi_c), 192);
  return out;
}
