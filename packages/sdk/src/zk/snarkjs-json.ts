/**
 * snarkjs' JSON (`verification_key.json`, `proof.json`) → the chain's byte encodings
 * (runtime-spec/GROTH16.md). Pure data conversion: no snarkjs needed.
 *
 * snarkjs writes affine points in projective form `[x, y, "1"]` (`[x, y, "0"]`-like for
 * infinity, which the chain rejects) and G2 coordinates real part first (`[c0, c1]`); the chain
 * wants 32-byte big-endian coordinates, G2 imaginary part first.
 */
import { ZkError } from './errors.js';
import { BN254_Q } from './field.js';

/** snarkjs' Groth16 proof JSON. */
export interface SnarkjsProofJson {
  pi_a: readonly string[];
  pi_b: readonly (readonly string[])[];
  pi_c: readonly string[];
}

/** snarkjs' Groth16 verification key JSON (the fields the chain uses). */
export interface SnarkjsVerifyingKeyJson {
  nPublic: number;
  vk_alpha_1: readonly string[];
  vk_beta_2: readonly (readonly string[])[];
  vk_gamma_2: readonly (readonly string[])[];
  vk_delta_2: readonly (readonly string[])[];
  IC: readonly (readonly string[])[];
}

function coordinate(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string' || !/^[0-9]{1,78}$/.test(value)) throw new ZkError('Zk.InvalidInput', `${what} is not a decimal coordinate`);
  let n = BigInt(value);
  if (n >= BN254_Q) throw new ZkError('Zk.InvalidInput', `${what} is not a canonical coordinate`);
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

function isOne(z: unknown): boolean {
  return z === undefined || z === '1' || (Array.isArray(z) && z[0] === '1' && z[1] === '0');
}

function g1(p: unknown, what: string): Uint8Array[] {
  if (!Array.isArray(p) || !isOne(p[2])) throw new ZkError('Zk.InvalidInput', `${what} is not an affine G1 point`);
  return [coordinate(p[0], `${what}.x`), coordinate(p[1], `${what}.y`)];
}

function g2(p: unknown, what: string): Uint8Array[] {
  if (!Array.isArray(p) || !Array.isArray(p[0]) || !Array.isArray(p[1]) || !isOne(p[2])) throw new ZkError('Zk.InvalidInput', `${what} is not an affine G2 point`);
  return [coordinate(p[0][1], `${what}.x.c1`), coordinate(p[0][0], `${what}.x.c0`), coordinate(p[1][1], `${what}.y.c1`), coordinate(p[1][0], `${what}.y.c0`)];
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The chain's 256-byte proof of a snarkjs Groth16 proof. Errors: `Zk.InvalidInput`. */
export function proofFromSnarkjs(proof: SnarkjsProofJson): Uint8Array {
  if (typeof proof !== 'object' || proof === null) throw new ZkError('Zk.InvalidInput', 'proof must be snarkjs proof JSON');
  return concat([...g1(proof.pi_a, 'A'), ...g2(proof.pi_b, 'B'), ...g1(proof.pi_c, 'C')]);
}

/** The chain's verifying-key encoding of a snarkjs `verification_key.json`. Errors: `Zk.InvalidInput`. */
export function verifyingKeyFromSnarkjs(vk: SnarkjsVerifyingKeyJson): Uint8Array {
  if (typeof vk !== 'object' || vk === null || !Array.isArray(vk.IC)) throw new ZkError('Zk.InvalidInput', 'vk must be snarkjs verification key JSON');
  if (vk.IC.length !== vk.nPublic + 1) throw new ZkError('Zk.InvalidInput', `vk has ${vk.IC.length} IC points for ${vk.nPublic} public inputs`);
  return concat([
    ...g1(vk.vk_alpha_1, 'alpha'),
    ...g2(vk.vk_beta_2, 'beta'),
    ...g2(vk.vk_gamma_2, 'gamma'),
    ...g2(vk.vk_delta_2, 'delta'),
    ...vk.IC.flatMap((p, i) => g1(p, `IC[${i}]`)),
  ]);
}
