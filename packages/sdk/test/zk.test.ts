/**
 * @modelproof/sdk/zk against the test circuit circuits/fixture_2x2 (the chain's public-signal
 * interface over constant weights): the committed fixtures, fresh snarkjs proofs (snarkjs is a
 * root devDependency, used only here), and circomlib's Poseidon computed by circom-compiled
 * witness generators.
 */
import { execFile } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import { bn254 } from '@noble/curves/bn254.js';
import {
  BN254_Q,
  BN254_R,
  MAX_SIGNED,
  decodeFixedPoint,
  decodeProof,
  decodeVerifyingKey,
  encodeFixedPoint,
  fieldToBytes,
  fieldToHex,
  fromField,
  inputHash,
  outputCommitment,
  parseField,
  poseidon,
  poseidonVector,
  proofFromSnarkjs,
  publicSignals,
  publicSignalsHex,
  quantize,
  randomSalt,
  toField,
  verifyGroth16,
  verifyingKeyFromSnarkjs,
  ZkError,
} from '@modelproof/sdk/zk';
import { inG2Subgroup } from '../src/zk/groth16.js';
import { expectCode } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BUILD = join(ROOT, 'circuits', 'build', 'fixture_2x2');
const WASM = join(BUILD, 'fixture_2x2.wasm');
const ZKEY = join(BUILD, 'fixture_2x2.zkey');
/** The circuit's constant weights (circuits/fixture_2x2/fixture_2x2.circom). */
const W = [[2n, -3n], [5n, 7n]];
const B = [1n, -4n];

interface Fixture {
  plaintext: { W: string[][]; b: string[]; x: string[]; in_salt: string; out_salt: string; expected_outputs: string[] };
  expected_outputs_field: string[];
  input_hash: string;
  out_commitment: string;
  vk_hex: string;
  proofs: { job_id: string; reveal: boolean; public_signals: string[]; proof_hex: string }[];
}

const fixture = JSON.parse(readFileSync(join(BUILD, 'fixture.json'), 'utf8')) as Fixture;
const vkBytes = new Uint8Array(readFileSync(join(BUILD, 'vk.bin')));
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/^0x/, ''), 'hex'));
const fixtureProof = (i: number): Uint8Array => fromHex(fixture.proofs[i]!.proof_hex);
const fixtureSignals = (i: number): bigint[] => fixture.proofs[i]!.public_signals.map(BigInt);

// snarkjs and the encoders are untyped JavaScript: loaded dynamically.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
let snarkjs: Any;
let encoding: { encodeProof(p: unknown): Uint8Array; encodeVerifyingKey(vk: unknown): Uint8Array };

function capture(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

function expectZk(fn: () => unknown, code: string, reason?: string): void {
  const e = capture(fn);
  expectCode(e, code);
  expect(e).toBeInstanceOf(ZkError);
  if (reason !== undefined) expect((e as ZkError).details.reason).toBe(reason);
}

/** A fresh proof for `job_id` over the input x, made by snarkjs, in the chain's encoding. */
async function prove(x: bigint[], jobId: bigint, salts: { inSalt: bigint; outSalt: bigint }, reveal = true) {
  const input = {
    x: x.map((v) => toField(v).toString()),
    in_salt: salts.inSalt.toString(),
    out_salt: salts.outSalt.toString(),
    job_id: jobId.toString(),
    input_hash: BigInt(inputHash(x, salts.inSalt)).toString(),
    reveal: reveal ? '1' : '0',
  };
  const { proof, publicSignals: signals } = await snarkjs.groth16.fullProve(input, WASM, ZKEY);
  return { proof, signals: (signals as string[]).map(BigInt), bytes: encoding.encodeProof(proof) };
}

const R_BYTES = fieldToBytes(BN254_R - 1n).map((v, i) => (i === 31 ? v + 1 : v));
const Q_BYTES = fromHex(BN254_Q.toString(16).padStart(64, '0'));

/** The point with this x on BN254's twist (y² = x³ + 3/(9+u)), if x³ + b' is a square. */
function twistPoint(x: ReturnType<typeof bn254.fields.Fp2.fromBigTuple>) {
  const { Fp2 } = bn254.fields;
  const b2 = Fp2.div(Fp2.fromBigTuple([3n, 0n]), Fp2.fromBigTuple([9n, 1n]));
  const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b2);
  let y;
  try {
    y = Fp2.sqrt(rhs);
  } catch {
    return undefined;
  }
  if (!Fp2.eql(Fp2.sqr(y), rhs)) return undefined;
  return bn254.G2.Point.fromAffine({ x, y });
}

/** An encoded G2 point on the twist curve but outside the order-r subgroup. */
function g2OutsideSubgroup(): Uint8Array {
  for (let k = 1n; k < 1000n; k++) {
    const p = twistPoint(bn254.fields.Fp2.fromBigTuple([k, 1n]));
    if (!p || p.multiplyUnsafe(BN254_R - 1n).add(p).is0()) continue;
    const { x, y } = p.toAffine();
    const out = new Uint8Array(128);
    out.set(fieldToBytesQ(x.c1), 0);
    out.set(fieldToBytesQ(x.c0), 32);
    out.set(fieldToBytesQ(y.c1), 64);
    out.set(fieldToBytesQ(y.c0), 96);
    return out;
  }
  throw new Error('no point found');
}
const fieldToBytesQ = (v: bigint): Uint8Array => fromHex(v.toString(16).padStart(64, '0'));

beforeAll(async () => {
  snarkjs = await import('snarkjs' as string);
  encoding = await import(join(ROOT, 'circuits', 'lib', 'encoding.mjs') as string);
});

afterAll(async () => {
  await (globalThis as Any).curve_bn128?.terminate();
});

describe('Groth16 verifier (TypeScript, runtime encodings)', () => {
  test('the committed fixture proofs verify; the chain-order public signals equal snarkjs publicSignals', () => {
    expect(Buffer.from(vkBytes).toString('hex')).toBe(fixture.vk_hex);
    const vk = decodeVerifyingKey(vkBytes);
    expect(vk.nPublic).toBe(6);
    for (const [i, p] of fixture.proofs.entries()) {
      const signals = publicSignals({
        outputs: p.reveal ? fixture.expected_outputs_field.map((o) => fieldToHex(BigInt(o))) : { committed: 2 },
        outputCommitment: fieldToHex(BigInt(fixture.out_commitment)),
        jobId: BigInt(p.job_id),
        inputHash: fieldToHex(BigInt(fixture.input_hash)),
      });
      expect(signals).toEqual(fixtureSignals(i));
      expect(verifyGroth16(vkBytes, fixtureProof(i), signals)).toBe(true);
      // The same inputs as H256 hex, decimal strings and 32-byte arrays.
      expect(verifyGroth16(vk, decodeProof(fixtureProof(i)), signals.map(fieldToHex))).toBe(true);
      expect(verifyGroth16(vkBytes, fixtureProof(i), p.public_signals)).toBe(true);
      expect(verifyGroth16(vkBytes, fixtureProof(i), signals.map(fieldToBytes))).toBe(true);
    }
    // Job 0's proof replayed for job 1 fails; a committed proof does not pass as a revealing one.
    expect(verifyGroth16(vkBytes, fixtureProof(0), fixtureSignals(1))).toBe(false);
    expect(verifyGroth16(vkBytes, fixtureProof(2), fixtureSignals(0))).toBe(false);
    // The SDK's salted hashes are the circuit's.
    const x = fixture.plaintext.x.map(BigInt);
    expect(inputHash(x, BigInt(fixture.plaintext.in_salt))).toBe(fieldToHex(BigInt(fixture.input_hash)));
    expect(outputCommitment(fixture.plaintext.expected_outputs.map(BigInt), BigInt(fixture.plaintext.out_salt))).toBe(fieldToHex(BigInt(fixture.out_commitment)));
  });

  test('a fresh snarkjs proof (new input and salts, job id 7) verifies; job id + 1 and other altered inputs do not', async () => {
    const x = [-6n, 11n];
    const salts = { inSalt: randomSalt(), outSalt: randomSalt() };
    const { proof, signals, bytes } = await prove(x, 7n, salts);
    const y = W.map((row, i) => row[0]! * x[0]! + row[1]! * x[1]! + B[i]!);
    const expected = publicSignals({
      outputs: y.map(toField),
      outputCommitment: outputCommitment(y, salts.outSalt),
      jobId: 7n,
      inputHash: inputHash(x, salts.inSalt),
    });
    expect(expected).toEqual(signals);
    expect(signals.slice(0, 2).map(fromField)).toEqual(y);
    expect(verifyGroth16(vkBytes, bytes, signals)).toBe(true);
    // snarkjs agrees on the same proof; the SDK's JSON encoders equal the reference ones.
    const vkJson = JSON.parse(readFileSync(join(BUILD, 'verification_key.json'), 'utf8'));
    expect(await snarkjs.groth16.verify(vkJson, signals.map(String), proof)).toBe(true);
    expect(Buffer.from(encoding.encodeVerifyingKey(vkJson))).toEqual(Buffer.from(vkBytes));
    expect(Buffer.from(verifyingKeyFromSnarkjs(vkJson))).toEqual(Buffer.from(vkBytes));
    expect(Buffer.from(proofFromSnarkjs(proof))).toEqual(Buffer.from(bytes));

    const jobPlusOne = [...signals];
    jobPlusOne[3] = 8n;
    expect(verifyGroth16(vkBytes, bytes, jobPlusOne)).toBe(false);
    for (const idx of [0, 1, 2, 4, 5]) {
      const altered = [...signals];
      altered[idx] = (altered[idx]! + 1n) % BN254_R;
      expect(verifyGroth16(vkBytes, bytes, altered)).toBe(false);
    }
    // r − 1 is canonical: verifies to false rather than erroring.
    const minusOne = [...signals];
    minusOne[1] = BN254_R - 1n;
    expect(verifyGroth16(vkBytes, bytes, minusOne)).toBe(false);

    // The same input with reveal = 0: zeros instead of the outputs, the same commitment.
    const committed = await prove(x, 7n, salts, false);
    expect(committed.signals).toEqual(publicSignals({ outputs: { committed: 2 }, outputCommitment: outputCommitment(y, salts.outSalt), jobId: 7n, inputHash: inputHash(x, salts.inSalt) }));
    expect(verifyGroth16(vkBytes, committed.bytes, committed.signals)).toBe(true);
    expect(verifyGroth16(vkBytes, committed.bytes, signals)).toBe(false);
  });

  test('public inputs ≥ r (or negative, or malformed) are rejected, never reduced', () => {
    const signals = fixtureSignals(0);
    for (let idx = 0; idx < 6; idx++) {
      // job_id = r would be ≡ 0 mod r (job 0's own id): it must be an error, not true.
      for (const bad of [BN254_R, BN254_R + signals[idx]!, BN254_Q, (1n << 256n) - 1n]) {
        const inputs: (bigint | Uint8Array | string)[] = [...signals];
        inputs[idx] = bad;
        expectZk(() => verifyGroth16(vkBytes, fixtureProof(0), inputs), 'Zk.NonCanonicalInput');
      }
      const asBytes: (bigint | Uint8Array | string)[] = [...signals];
      asBytes[idx] = R_BYTES;
      expectZk(() => verifyGroth16(vkBytes, fixtureProof(0), asBytes), 'Zk.NonCanonicalInput');
      const asHex: (bigint | Uint8Array | string)[] = [...signals];
      asHex[idx] = `0x${Buffer.from(R_BYTES).toString('hex')}`;
      expectZk(() => verifyGroth16(vkBytes, fixtureProof(0), asHex), 'Zk.NonCanonicalInput');
    }
    const neg: bigint[] = [...signals];
    neg[0] = -5n;
    expectZk(() => verifyGroth16(vkBytes, fixtureProof(0), neg), 'Zk.NonCanonicalInput');
    for (const bad of ['0x05', '-5', '0x' + '0'.repeat(63) + 'g', '']) {
      const inputs: (bigint | string)[] = [...signals];
      inputs[1] = bad;
      expectZk(() => verifyGroth16(vkBytes, fixtureProof(0), inputs), 'Zk.NonCanonicalInput');
    }
    expectZk(() => verifyGroth16(vkBytes, fixtureProof(0), [...signals, 0n]), 'Zk.PublicInputCountMismatch');
    expectZk(() => verifyGroth16(vkBytes, fixtureProof(0), signals.slice(0, 5)), 'Zk.PublicInputCountMismatch');
    expectZk(() => verifyGroth16(vkBytes, fixtureProof(0), []), 'Zk.PublicInputCountMismatch');
  });

  test('every single-bit flip of the proof bytes is rejected at decoding (as the runtime does)', () => {
    const signals = fixtureSignals(0);
    const base = fixtureProof(0);
    const vk = decodeVerifyingKey(vkBytes);
    // All 256 positions with one mask, and a second mask on every 7th byte (time-bounded).
    let errors = 0;
    let tried = 0;
    for (let pos = 0; pos < 256; pos++) {
      for (const mask of pos % 7 === 0 ? [0x01, 0x80] : [0x01]) {
        const bytes = base.slice();
        bytes[pos]! ^= mask;
        tried++;
        let result: unknown;
        try {
          result = verifyGroth16(vk, bytes, signals);
        } catch (e) {
          result = e;
        }
        expect(result).not.toBe(true);
        if (result instanceof ZkError) {
          expect(result.code).toBe('Zk.MalformedProof');
          expect(['PointNotOnCurve', 'NonCanonicalCoordinate', 'PointNotInSubgroup']).toContain(result.details.reason);
          errors++;
        }
      }
    }
    expect(errors).toBe(tried);
  });

  test('off-curve points, infinity, snarkjs G2 order, non-canonical coordinates, non-subgroup G2', () => {
    const p = fixtureProof(0);
    // A = (1, 1): off curve.
    let bytes = p.slice();
    bytes.fill(0, 0, 64);
    bytes[31] = 1;
    bytes[63] = 1;
    expectZk(() => decodeProof(bytes), 'Zk.MalformedProof', 'PointNotOnCurve');
    // C = (1, 2) is the G1 generator: a valid point (decodes; the proof just fails).
    bytes = p.slice();
    bytes.fill(0, 192, 256);
    bytes[223] = 1;
    bytes[255] = 2;
    expect(() => decodeProof(bytes)).not.toThrow();
    expect(verifyGroth16(vkBytes, bytes, fixtureSignals(0))).toBe(false);
    bytes[255] = 3;
    expectZk(() => decodeProof(bytes), 'Zk.MalformedProof', 'PointNotOnCurve');
    // Point at infinity (all zero) in A, B, C and in the key's gamma and IC[0].
    for (const [s, e] of [[0, 64], [64, 192], [192, 256]] as const) {
      bytes = p.slice();
      bytes.fill(0, s, e);
      expectZk(() => decodeProof(bytes), 'Zk.MalformedProof', 'PointNotOnCurve');
    }
    let vk = vkBytes.slice();
    vk.fill(0, 192, 320);
    expectZk(() => decodeVerifyingKey(vk), 'Zk.MalformedVerifyingKey', 'PointNotOnCurve');
    vk = vkBytes.slice();
    vk.fill(0, 448, 512);
    expectZk(() => decodeVerifyingKey(vk), 'Zk.MalformedVerifyingKey', 'PointNotOnCurve');
    // B with x.c0/x.c1 swapped (snarkjs' real-first order instead of EIP-197's).
    bytes = p.slice();
    bytes.set(p.subarray(96, 128), 64);
    bytes.set(p.subarray(64, 96), 96);
    expectZk(() => decodeProof(bytes), 'Zk.MalformedProof', 'PointNotOnCurve');
    // Off-curve alpha and last IC point in the key.
    vk = vkBytes.slice();
    vk[63]! ^= 1;
    expectZk(() => decodeVerifyingKey(vk), 'Zk.MalformedVerifyingKey', 'PointNotOnCurve');
    vk = vkBytes.slice();
    vk[vk.length - 1]! ^= 1;
    expectZk(() => decodeVerifyingKey(vk), 'Zk.MalformedVerifyingKey', 'PointNotOnCurve');
    // Every coordinate slot of the proof set to q and to 2^256 − 1.
    for (let slot = 0; slot < 8; slot++) {
      for (const value of [Q_BYTES, new Uint8Array(32).fill(0xff)]) {
        bytes = p.slice();
        bytes.set(value, slot * 32);
        expectZk(() => decodeProof(bytes), 'Zk.MalformedProof', 'NonCanonicalCoordinate');
      }
    }
    // The G1 generator written as (1 + q, 2): the same point if reduced, so it must be rejected.
    bytes = p.slice();
    bytes.set(fieldToBytesQ(BN254_Q + 1n), 0);
    bytes.fill(0, 32, 64);
    bytes[63] = 2;
    expectZk(() => decodeProof(bytes), 'Zk.MalformedProof', 'NonCanonicalCoordinate');
    for (const offset of [0, 64, 448 + 64 * 3 + 32]) {
      vk = vkBytes.slice();
      vk.set(Q_BYTES, offset);
      expectZk(() => decodeVerifyingKey(vk), 'Zk.MalformedVerifyingKey', 'NonCanonicalCoordinate');
    }
    // A G2 point on the twist but outside the subgroup: in B, and as beta, gamma, delta.
    const bad = g2OutsideSubgroup();
    bytes = p.slice();
    bytes.set(bad, 64);
    expectZk(() => decodeProof(bytes), 'Zk.MalformedProof', 'PointNotInSubgroup');
    for (const offset of [64, 192, 320]) {
      vk = vkBytes.slice();
      vk.set(bad, offset);
      expectZk(() => decodeVerifyingKey(vk), 'Zk.MalformedVerifyingKey', 'PointNotInSubgroup');
    }
  });

  test('the fast G2 subgroup test (ePrint 2022/348, as in the runtime) agrees with [r]P = O', () => {
    const { Fp2 } = bn254.fields;
    const G2 = bn254.G2.Point;
    const byOrder = (p: InstanceType<typeof G2>) => p.multiplyUnsafe(BN254_R - 1n).add(p).is0();
    let outside = 0;
    for (let k = 1n; k < 60n; k++) {
      const p = twistPoint(Fp2.fromBigTuple([k, k * 7n + 3n]));
      if (!p) continue;
      expect([k, inG2Subgroup(p)]).toEqual([k, byOrder(p)]);
      if (!byOrder(p)) {
        outside++;
        // [r]P: a pure cofactor-part point, and that plus a subgroup point.
        const cof = p.multiplyUnsafe(BN254_R - 1n).add(p);
        expect(inG2Subgroup(cof)).toBe(false);
        expect(inG2Subgroup(cof.add(G2.BASE))).toBe(false);
      }
      const s = G2.BASE.multiplyUnsafe(k * 1_000_003n);
      expect(inG2Subgroup(s) && byOrder(s)).toBe(true);
    }
    expect(outside).toBeGreaterThanOrEqual(10);
    expect(inG2Subgroup(decodeProof(fixtureProof(0)).b)).toBe(true);
  });

  test('lengths and the public-input bound', () => {
    expectZk(() => decodeProof(fixtureProof(0).subarray(0, 255)), 'Zk.MalformedProof', 'Length');
    expectZk(() => decodeProof(new Uint8Array(257)), 'Zk.MalformedProof', 'Length');
    expectZk(() => decodeProof('00' as unknown as Uint8Array), 'Zk.MalformedProof', 'Length');
    expectZk(() => decodeVerifyingKey(vkBytes.subarray(0, vkBytes.length - 1)), 'Zk.MalformedVerifyingKey', 'Length');
    expectZk(() => decodeVerifyingKey(vkBytes.subarray(0, 448)), 'Zk.MalformedVerifyingKey', 'Length');
    // IC[0] only: zero public inputs.
    expectZk(() => decodeVerifyingKey(vkBytes.subarray(0, 512)), 'Zk.MalformedVerifyingKey', 'TooManyPublicInputs');
    expectZk(() => decodeVerifyingKey(vkBytes, { maxPublicInputs: 5 }), 'Zk.MalformedVerifyingKey', 'TooManyPublicInputs');
    expect(decodeVerifyingKey(vkBytes, { maxPublicInputs: 6 }).nPublic).toBe(6);
  });
});

describe('Poseidon (circomlib parameters)', () => {
  test('equals the input hash and output commitment circomlib computed for the fixture', () => {
    const x = fixture.plaintext.x.map(BigInt);
    const y = fixture.plaintext.expected_outputs.map(BigInt);
    const inSalt = BigInt(fixture.plaintext.in_salt);
    const outSalt = BigInt(fixture.plaintext.out_salt);
    expect(BigInt(inputHash(x, inSalt))).toBe(BigInt(fixture.input_hash));
    expect(BigInt(outputCommitment(y, outSalt))).toBe(BigInt(fixture.out_commitment));
    // Signed values and their field encodings hash the same; the salt changes the hash.
    expect(outputCommitment(y.map(toField), outSalt)).toBe(outputCommitment(y, outSalt));
    expect(inputHash(x, inSalt + 1n)).not.toBe(inputHash(x, inSalt));
    expect(inputHash(x, inSalt)).toMatch(/^0x[0-9a-f]{64}$/);
  });

  test('random inputs and salts: the circuit\'s witness generator accepts our input hash (Poseidon(3))', async () => {
    const rnd = () => BigInt(randomInt(2 ** 40)) - 2n ** 39n;
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    for (let round = 0; round < 3; round++) {
      const x = [rnd(), rnd()];
      const inSalt = randomSalt();
      const input = {
        x: x.map((v) => toField(v).toString()),
        in_salt: inSalt.toString(),
        out_salt: randomSalt().toString(),
        job_id: '3',
        input_hash: BigInt(inputHash(x, inSalt)).toString(),
        reveal: '1',
      };
      // Throws ("Assert Failed") unless it equals circomlib's Poseidon of the same values.
      await expect(snarkjs.wtns.calculate(input, WASM, { type: 'mem' })).resolves.toBeUndefined();
      const wrong = { ...input, input_hash: ((BigInt(input.input_hash) + 1n) % BN254_R).toString() };
      await expect(snarkjs.wtns.calculate(wrong, WASM, { type: 'mem' })).rejects.toThrow();
      // reveal must be a bit.
      await expect(snarkjs.wtns.calculate({ ...input, reveal: '2' }, WASM, { type: 'mem' })).rejects.toThrow();
    }
    // The witness generator reported each failed assertion.
    expect(quiet).toHaveBeenCalled();
    quiet.mockRestore();
  });

  test('arities 1..16 and the > 16 chaining equal circomlib (compiled with circom2, cached)', async () => {
    const wasm = await poseidonHelperWasm();
    const a = Array.from({ length: 40 }, (_, i) => (BN254_R - 1n - BigInt(i) * 0x1234567890abcdefn ** 3n) % BN254_R);
    const wtns = { type: 'mem' } as Any;
    await snarkjs.wtns.calculate({ a: a.map(String) }, wasm, wtns);
    const witness: bigint[] = await snarkjs.wtns.exportJson(wtns);
    const outs = witness.slice(1, 18).map(BigInt);
    for (let k = 0; k < 16; k++) expect([k + 1, poseidon(a.slice(0, k + 1))]).toEqual([k + 1, outs[k]]);
    expect(poseidonVector(a)).toBe(outs[16]);
    expect(poseidonVector(a.slice(0, 16))).toBe(outs[15]);
  }, 600_000);

  test('input validation', () => {
    expectZk(() => poseidon([]), 'Zk.InvalidInput');
    expectZk(() => poseidon(new Array(17).fill(1n)), 'Zk.InvalidInput');
    expectZk(() => poseidon([BN254_R]), 'Zk.NonCanonicalInput');
    expectZk(() => poseidonVector([]), 'Zk.InvalidInput');
    expectZk(() => outputCommitment([1n, BN254_R], 0n), 'Zk.NonCanonicalInput');
    expectZk(() => inputHash([-(MAX_SIGNED + 1n)], 0n), 'Zk.OutOfRange');
    expectZk(() => inputHash([1 as unknown as bigint], 0n), 'Zk.InvalidInput');
    expectZk(() => inputHash([1n], BN254_R), 'Zk.NonCanonicalInput');
    expectZk(() => inputHash([1n], -1n), 'Zk.InvalidInput');
    // Salts are uniform below r: 248 random bits.
    const salts = Array.from({ length: 64 }, randomSalt);
    expect(new Set(salts).size).toBe(64);
    expect(salts.every((v) => v >= 0n && v < 1n << 248n)).toBe(true);
    // Chaining differs from a plain Poseidon of the first 16 and depends on every element.
    const v = Array.from({ length: 20 }, (_, i) => BigInt(i + 1));
    expect(poseidonVector(v)).not.toBe(poseidon(v.slice(0, 16)));
    const v2 = [...v];
    v2[19] = 99n;
    expect(poseidonVector(v2)).not.toBe(poseidonVector(v));
  });
});

describe('field and fixed-point helpers', () => {
  test('toField / fromField', () => {
    expect(toField(5n)).toBe(5n);
    expect(toField(-5n)).toBe(BN254_R - 5n);
    expect(fromField(BN254_R - 5n)).toBe(-5n);
    expect(fromField(MAX_SIGNED)).toBe(MAX_SIGNED);
    expect(fromField(MAX_SIGNED + 1n)).toBe(-MAX_SIGNED);
    expect(toField(-MAX_SIGNED)).toBe(MAX_SIGNED + 1n);
    for (const v of [0n, 1n, -1n, 123456789n, -987654321987654321n, MAX_SIGNED, -MAX_SIGNED]) expect(fromField(toField(v))).toBe(v);
    expectZk(() => toField(MAX_SIGNED + 1n), 'Zk.OutOfRange');
    expectZk(() => toField(-MAX_SIGNED - 1n), 'Zk.OutOfRange');
    expectZk(() => fromField(BN254_R), 'Zk.NonCanonicalInput');
    expectZk(() => fromField(-1n), 'Zk.NonCanonicalInput');
    expect(BigInt(fixture.expected_outputs_field[0]!)).toBe(toField(BigInt(fixture.plaintext.expected_outputs[0]!)));
  });

  test('encodeFixedPoint / decodeFixedPoint', () => {
    expect(encodeFixedPoint(1.5, 8)).toBe(384n);
    expect(encodeFixedPoint(-1.5, 8)).toBe(BN254_R - 384n);
    expect(decodeFixedPoint(BN254_R - 384n, 8)).toBe(-1.5);
    // Halves round away from zero, symmetrically.
    expect(quantize(2.5, 0)).toBe(3n);
    expect(quantize(-2.5, 0)).toBe(-3n);
    expect(quantize(0.1, 16)).toBe(6554n);
    expect(quantize(1e300, 100)).toBe(BigInt(1e300) << 100n);
    for (const v of [0, 1, -1, 3.25, -1234.5, 0.000244140625]) expect(decodeFixedPoint(encodeFixedPoint(v, 12), 12)).toBe(v);
    expectZk(() => encodeFixedPoint(Number.NaN, 8), 'Zk.OutOfRange');
    expectZk(() => encodeFixedPoint(Number.POSITIVE_INFINITY, 8), 'Zk.OutOfRange');
    expectZk(() => encodeFixedPoint(1e300, 200), 'Zk.OutOfRange');
    expectZk(() => encodeFixedPoint(1, -1), 'Zk.InvalidInput');
    expectZk(() => encodeFixedPoint(1, 1.5), 'Zk.InvalidInput');
    expectZk(() => encodeFixedPoint(1, 201), 'Zk.InvalidInput');
  });

  test('parseField and publicSignals checks', () => {
    expect(parseField(`0x${'00'.repeat(31)}2a`)).toBe(42n);
    expect(parseField('42')).toBe(42n);
    expect(parseField(fieldToBytes(42n))).toBe(42n);
    expectZk(() => parseField(new Uint8Array(31)), 'Zk.NonCanonicalInput');
    const base = { outputs: [1n], outputCommitment: 2n, jobId: 3n, inputHash: 4n };
    expect(publicSignals(base)).toEqual([1n, 2n, 3n, 4n, 1n]);
    expect(publicSignals({ ...base, jobId: 3 })).toEqual([1n, 2n, 3n, 4n, 1n]);
    expect(publicSignals({ ...base, outputs: { committed: 3 } })).toEqual([0n, 0n, 0n, 2n, 3n, 4n, 0n]);
    expect(publicSignalsHex(base)[2]).toBe(`0x${'0'.repeat(63)}3`);
    expect(publicSignals({ ...base, jobId: (1n << 64n) - 1n })[2]).toBe((1n << 64n) - 1n);
    expectZk(() => publicSignals({ ...base, outputs: { committed: 0 } }), 'Zk.InvalidInput');
    expectZk(() => publicSignals({ ...base, jobId: 1n << 64n }), 'Zk.InvalidInput');
    expectZk(() => publicSignals({ ...base, jobId: -1n }), 'Zk.InvalidInput');
    expectZk(() => publicSignals({ ...base, outputs: [] }), 'Zk.InvalidInput');
    expectZk(() => publicSignals({ ...base, outputs: [BN254_R] }), 'Zk.NonCanonicalInput');
    expectZk(() => publicSignals({ ...base, outputCommitment: BN254_R }), 'Zk.NonCanonicalInput');
    expectZk(() => publicSignals({ ...base, inputHash: `0x${'ff'.repeat(32)}` }), 'Zk.NonCanonicalInput');
  });
});

// ---------------------------------------------------------------------------------------------

const execFileAsync = promisify(execFile);

/** Source of a circuit exposing circomlib Poseidon(1..16) of a prefix of `a`, and the > 16 chain over 40 elements. */
function poseidonHelperSource(): string {
  const lines = ['pragma circom 2.1.0;', 'include "poseidon.circom";', 'template T() {', '  signal input a[40];', '  signal output o[17];', '  component p[16];'];
  lines.push('  for (var k = 0; k < 16; k++) {', '    p[k] = Poseidon(k + 1);', '    for (var i = 0; i <= k; i++) { p[k].inputs[i] <== a[i]; }', '    o[k] <== p[k].out;', '  }');
  // Chain: Poseidon(16)(a[0..16]) → Poseidon(16)(h, a[16..31]) → Poseidon(10)(h, a[31..40]).
  lines.push('  component c1 = Poseidon(16);', '  for (var i = 0; i < 16; i++) { c1.inputs[i] <== a[i]; }');
  lines.push('  component c2 = Poseidon(16);', '  c2.inputs[0] <== c1.out;', '  for (var i = 0; i < 15; i++) { c2.inputs[i + 1] <== a[16 + i]; }');
  lines.push('  component c3 = Poseidon(10);', '  c3.inputs[0] <== c2.out;', '  for (var i = 0; i < 9; i++) { c3.inputs[i + 1] <== a[31 + i]; }');
  lines.push('  o[16] <== c3.out;', '}', 'component main = T();', '');
  return lines.join('\n');
}

/** Compiles the helper once per source/circom2 version (cached in the OS temp dir, ~40 s cold). */
async function poseidonHelperWasm(): Promise<string> {
  const source = poseidonHelperSource();
  const circom2 = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'circom2', 'package.json'), 'utf8')).version as string;
  const key = createHash('sha256').update(source).update(circom2).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `modelproof-poseidon-check-${key}`);
  const wasm = join(dir, 'poseidon_check_js', 'poseidon_check.wasm');
  if (existsSync(wasm)) return wasm;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'poseidon_check.circom');
  writeFileSync(file, source);
  // circom2 (WASI) only sees paths relative to its working directory and its parents.
  await execFileAsync(
    process.execPath,
    [join(ROOT, 'node_modules', 'circom2', 'cli.js'), relative(ROOT, file), '--wasm', '--O2', '-l', join('node_modules', 'circomlib', 'circuits'), '-o', relative(ROOT, dir)],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  if (!existsSync(wasm)) throw new Error('circom2 did not produce the helper wasm');
  return wasm;
}
