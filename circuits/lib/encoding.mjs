// Encoders from snarkjs' JSON (verification_key.json, proof.json, publicSignals) to the
// byte format the chain's Groth16 verifier (crate `modelproof-groth16`) decodes:
//
//   Fq / Fr element : 32 bytes big-endian, canonical (< q resp. < r)
//   G1              : x ‖ y                          (64 bytes)
//   G2              : x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0       (128 bytes, EIP-197: imaginary part first)
//   infinity        : all zero bytes (the chain rejects it in keys and proofs)
//   proof           : A (G1) ‖ B (G2) ‖ C (G1)       (256 bytes)
//   verifying key   : alpha (G1) ‖ beta (G2) ‖ gamma (G2) ‖ delta (G2) ‖ IC[0..=nPublic] (G1)
//
// snarkjs writes G2 coordinates as [c0, c1] (real part first) and points in projective form
// [x, y, z] with z = 1 (or z = 0 for infinity); both are handled here.
//
// Plain ESM, no dependencies.

/** BN254 base-field modulus q. */
export const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
/** BN254 scalar-field modulus r (the circuit's field). */
export const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

function toBigInt(value) {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`unsafe integer ${value}`);
    return BigInt(value);
  }
  if (typeof value === 'string' && /^[0-9]+$/.test(value)) return BigInt(value);
  throw new TypeError(`expected a non-negative decimal string or bigint, got ${String(value)}`);
}

function bigIntToBytes32(n) {
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function checkedBytes32(value, modulus, what) {
  const n = toBigInt(value);
  if (n < 0n) throw new RangeError(`${what} is negative`);
  if (n >= modulus) throw new RangeError(`${what} is not canonical (≥ modulus)`);
  return bigIntToBytes32(n);
}

/** A scalar-field element (decimal string or bigint) as 32 bytes big-endian; throws on ≥ r. */
export function fieldToBytes32(value) {
  return checkedBytes32(value, R, 'field element');
}

/** snarkjs publicSignals (decimal strings) as an array of 32-byte big-endian values. */
export function publicSignalsToBytes32(signals) {
  if (!Array.isArray(signals)) throw new TypeError('publicSignals must be an array');
  return signals.map((s) => fieldToBytes32(s));
}

function fq(value) {
  return checkedBytes32(value, Q, 'coordinate');
}

function isInfinity(z) {
  return toBigInt(z) === 0n;
}

function checkAffine(z) {
  if (toBigInt(z) !== 1n) throw new RangeError('expected an affine point (z = 1) or infinity (z = 0)');
}

/** A snarkjs G1 point [x, y, z] as 64 bytes. */
export function encodeG1(point) {
  if (!Array.isArray(point) || point.length < 2) throw new TypeError('G1 point must be [x, y, z]');
  const out = new Uint8Array(64);
  if (point.length > 2) {
    if (isInfinity(point[2])) return out;
    checkAffine(point[2]);
  }
  out.set(fq(point[0]), 0);
  out.set(fq(point[1]), 32);
  return out;
}

/** A snarkjs G2 point [[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]] as 128 bytes (c1 first). */
export function encodeG2(point) {
  if (!Array.isArray(point) || point.length < 2) throw new TypeError('G2 point must be [x, y, z]');
  const out = new Uint8Array(128);
  if (point.length > 2) {
    const [z0, z1] = point[2];
    if (isInfinity(z0) && isInfinity(z1)) return out;
    checkAffine(z0);
    if (!isInfinity(z1)) throw new RangeError('expected an affine G2 point (z = 1)');
  }
  const [x, y] = point;
  out.set(fq(x[1]), 0);
  out.set(fq(x[0]), 32);
  out.set(fq(y[1]), 64);
  out.set(fq(y[0]), 96);
  return out;
}

/** snarkjs verification_key.json (Groth16, bn128) as the chain's verifying-key bytes. */
export function encodeVerifyingKey(vk) {
  if (vk.protocol !== 'groth16') throw new Error(`expected a groth16 key, got ${vk.protocol}`);
  if (vk.curve !== 'bn128') throw new Error(`expected curve bn128, got ${vk.curve}`);
  const nPublic = Number(vk.nPublic);
  if (!Array.isArray(vk.IC) || vk.IC.length !== nPublic + 1) {
    throw new Error(`IC must have nPublic + 1 = ${nPublic + 1} points`);
  }
  const out = new Uint8Array(448 + 64 * vk.IC.length);
  out.set(encodeG1(vk.vk_alpha_1), 0);
  out.set(encodeG2(vk.vk_beta_2), 64);
  out.set(encodeG2(vk.vk_gamma_2), 192);
  out.set(encodeG2(vk.vk_delta_2), 320);
  vk.IC.forEach((p, i) => out.set(encodeG1(p), 448 + 64 * i));
  return out;
}

/** snarkjs proof.json (Groth16) as the chain's 256 proof bytes. */
export function encodeProof(proof) {
  if (proof.protocol !== undefined && proof.protocol !== 'groth16') {
    throw new Error(`expected a groth16 proof, got ${proof.protocol}`);
  }
  const out = new Uint8Array(256);
  out.set(encodeG1(proof.pi_a), 0);
  out.set(encodeG2(proof.pi_b), 64);
  out.set(encodeG1(proof.pi_c), 192);
  return out;
}
