/**
 * snarkjs' Groth16 proof JSON → the chain's 256-byte proof encoding (runtime-spec/GROTH16.md):
 * `A (G1: x ‖ y) ‖ B (G2: x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0) ‖ C (G1)`, 32-byte big-endian coordinates.
 * snarkjs writes affine points as `[x, y, "1"]` and G2 coordinates real part first (`[c0, c1]`).
 */
import { BN254_Q } from '@modelproof/sdk/zk';
import type { SnarkjsProof } from 'snarkjs';
import { ZkJobError } from './errors.js';

function coordinate(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string' || !/^[0-9]{1,78}$/.test(value)) throw new ZkJobError('Zk.LocalVerificationFailed', `proof ${what} is not a decimal coordinate`);
  let n = BigInt(value);
  if (n >= BN254_Q) throw new ZkJobError('Zk.LocalVerificationFailed', `proof ${what} is not a canonical coordinate`);
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

function affine(z: unknown, what: string): void {
  if (z !== undefined && z !== '1' && !(Array.isArray(z) && z[0] === '1' && z[1] === '0')) {
    throw new ZkJobError('Zk.LocalVerificationFailed', `proof ${what} is not an affine point`);
  }
}

/** The 256-byte proof of a snarkjs Groth16 proof object. */
export function encodeProof(proof: SnarkjsProof): Uint8Array {
  const out = new Uint8Array(256);
  const { pi_a: a, pi_b: b, pi_c: c } = proof;
  if (!Array.isArray(a) || !Array.isArray(b) || !Array.isArray(c) || !Array.isArray(b[0]) || !Array.isArray(b[1])) {
    throw new ZkJobError('Zk.LocalVerificationFailed', 'malformed snarkjs proof');
  }
  affine(a[2], 'A');
  affine(b[2], 'B');
  affine(c[2], 'C');
  out.set(coordinate(a[0], 'A.x'), 0);
  out.set(coordinate(a[1], 'A.y'), 32);
  out.set(coordinate(b[0][1], 'B.x.c1'), 64);
  out.set(coordinate(b[0][0], 'B.x.c0'), 96);
  out.set(coordinate(b[1][1], 'B.y.c1'), 128);
  out.set(coordinate(b[1][0], 'B.y.c0'), 160);
  out.set(coordinate(c[0], 'C.x'), 192);
  out.set(coordinate(c[1], 'C.y'), 224);
  return out;
}

export function toHex(bytes: Uint8Array): `0x${string}` {
  return `0x${Buffer.from(bytes).toString('hex')}`;
}
