/**
 * The reference MLP circuits (circuits/mlp_16_8_2, circuits/mlp_64_16_4) against the worker's
 * reference implementation: same outputs for random models and inputs (negative values,
 * ReLU-zeroed neurons), no witness for a wrong commitment / input hash / out-of-range value, and
 * proofs that verify with the SDK's verifier (the chain's algorithm) and with snarkjs.
 *
 * Uses the committed artifacts in circuits/build/<name>/ (`node scripts/circuits.mjs build`).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fieldToHex, inputHash, toField, verifyGroth16 } from '@modelproof/sdk/zk';
import * as snarkjs from 'snarkjs';

import {
  ACTIVATION_BITS,
  type CircuitArtifacts,
  circuitByName,
  circuitInput,
  encodeModel,
  type MlpModel,
  modelCommitment,
  parseModel,
  prove,
  rescale,
  runMlp,
  terminateProver,
  ZkJobError,
} from '../src/zk/index.js';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ONE = 1 << 16;
/** A random fixed-point integer in [−scale·2^16, scale·2^16]. */
const fx = (r: () => number, scale: number) => BigInt(Math.round((r() * 2 - 1) * scale * ONE));

function randomModel(shape: number[], seed: number): MlpModel {
  const r = rng(seed);
  const layers = shape.slice(1).map((nOut, l) => ({
    weights: Array.from({ length: nOut }, () => Array.from({ length: shape[l] as number }, () => fx(r, 1))),
    biases: Array.from({ length: nOut }, () => fx(r, 0.5)),
  }));
  return parseModel(encodeModel({ format: 'modelproof/mlp', version: 1, shape, scaleBits: 16, layers }));
}

function randomInputs(n: number, seed: number): bigint[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => fx(r, 4));
}

/** Hidden pre-activations (layer 0 alone, linear). */
function hiddenPre(model: MlpModel, x: bigint[]): bigint[] {
  const first: MlpModel = { ...model, shape: model.shape.slice(0, 2), layers: model.layers.slice(0, 1) };
  return runMlp(first, x);
}

let tmp: string;
let wtnsCounter = 0;

/** The circuit's outputs for a witness input (throws when no witness exists). */
async function circuitOutputs(circuit: CircuitArtifacts, input: Record<string, unknown>): Promise<bigint[]> {
  const file = join(tmp, `w${wtnsCounter++}.wtns`);
  await snarkjs.wtns.calculate(input, circuit.wasm, file);
  const witness = await snarkjs.wtns.exportJson(file);
  // Witness layout: [1, outputs…, public inputs…, private inputs…, internals…].
  return witness.slice(1, 1 + circuit.nOutputs).map((v) => BigInt(v));
}

const SHAPES: Record<string, number[]> = { mlp_16_8_2: [16, 8, 2], mlp_64_16_4: [64, 16, 4] };

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mp-circuits-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
  await terminateProver();
});

describe('model file and reference arithmetic', () => {
  test('parseModel round-trips and rejects malformed files with Zk.BadModel', () => {
    const m = randomModel([16, 8, 2], 1);
    expect(parseModel(encodeModel(m))).toEqual(m);
    const doc = JSON.parse(new TextDecoder().decode(encodeModel(m)));
    const cases: [string, (d: any) => void][] = [
      ['format', (d) => { d.format = 'onnx'; }],
      ['version', (d) => { d.version = 2; }],
      ['scaleBits', (d) => { d.scaleBits = 8; }],
      ['layers', (d) => { d.layers.pop(); }],
      ['rows', (d) => { d.layers[0].weights.pop(); }],
      ['entries', (d) => { d.layers[1].weights[0].push('1'); }],
      ['biases', (d) => { d.layers[0].biases = ['1']; }],
      ['decimal', (d) => { d.layers[0].weights[0][0] = '1.5'; }],
      ['range', (d) => { d.layers[0].biases[0] = (1n << BigInt(ACTIVATION_BITS - 1)).toString(); }],
      ['shape', (d) => { d.shape = [16]; }],
    ];
    for (const [what, mutate] of cases) {
      const bad = structuredClone(doc);
      mutate(bad);
      let err: unknown;
      try {
        parseModel(new TextEncoder().encode(JSON.stringify(bad)));
      } catch (e) {
        err = e;
      }
      expect([what, err instanceof ZkJobError && err.code]).toEqual([what, 'Zk.BadModel']);
    }
    expect(() => parseModel(new Uint8Array([0xff, 0xfe]))).toThrow(/not UTF-8 JSON/);
  });

  test('rescale rounds half up, also for negatives', () => {
    const h = 1n << 15n;
    expect([rescale(3n * h), rescale(-3n * h), rescale(-h), rescale(h - 1n), rescale(-h - 1n)]).toEqual([2n, -1n, 0n, 0n, -1n]);
  });

  test('runMlp on a hand-computed model: ReLU zeroes a neuron, the last layer is linear', () => {
    const one = BigInt(ONE);
    const model = parseModel({
      format: 'modelproof/mlp', version: 1, shape: [2, 2, 1], scaleBits: 16,
      layers: [
        { weights: [[one, one], [-one, 0n]].map((r) => r.map(String)), biases: ['0', String(one / 2n)] },
        { weights: [[String(2n * one), String(3n * one)]], biases: [String(-10n * one)] },
      ],
    });
    // x = (1.5, 2): hidden = (3.5, relu(-1.5 + 0.5) = 0); y = 2·3.5 + 3·0 − 10 = −3.
    expect(runMlp(model, [3n * one / 2n, 2n * one])).toEqual([-3n * one]);
    expect(() => runMlp(model, [1n])).toThrow(ZkJobError);
  });
});

describe.each(Object.keys(SHAPES))('%s', (name) => {
  const shape = SHAPES[name] as number[];
  let circuit: CircuitArtifacts;
  beforeAll(async () => {
    circuit = await circuitByName(name);
  });

  test('the circuit computes runMlp exactly (random models, negative outputs, ReLU-zeroed neurons)', async () => {
    let negativeOutputs = 0;
    let zeroedNeurons = 0;
    for (const seed of [11, 12, 13]) {
      const model = randomModel(shape, seed);
      const x = randomInputs(shape[0] as number, seed + 100);
      const expected = runMlp(model, x);
      negativeOutputs += expected.filter((v) => v < 0n).length;
      zeroedNeurons += hiddenPre(model, x).filter((v) => v < 0n).length;
      const got = await circuitOutputs(circuit, circuitInput(model, x, BigInt(seed)));
      expect(got).toEqual(expected.map(toField));
    }
    expect(negativeOutputs).toBeGreaterThan(0);
    expect(zeroedNeurons).toBeGreaterThan(0);
  });

  test('no witness for a wrong commitment, a wrong input hash or an out-of-range activation', async () => {
    const model = randomModel(shape, 21);
    const x = randomInputs(shape[0] as number, 22);
    const good = circuitInput(model, x, 5n);
    await expect(circuitOutputs(circuit, good)).resolves.toHaveLength(shape.at(-1) as number);
    // (circom's witness calculator also prints each failed constraint on stderr.)
    const wrongCommitment = { ...good, zk_commitment: (BigInt(good.zk_commitment) ^ 1n).toString() };
    await expect(circuitOutputs(circuit, wrongCommitment)).rejects.toThrow();
    const wrongHash = { ...good, input_hash: inputHash([...x.slice(1), 0n]) };
    await expect(circuitOutputs(circuit, { ...good, input_hash: BigInt(wrongHash.input_hash).toString() })).rejects.toThrow();
    await expect(prove({ circuit, input: wrongCommitment })).rejects.toMatchObject({ code: 'Zk.WitnessFailed' });

    // A first-layer weight of 2^39 − 1 on an input of 4.0 overflows the 40-bit range.
    const big: MlpModel = structuredClone(model);
    (big.layers[0]!.weights[0] as bigint[])[0] = (1n << 39n) - 1n;
    const xs = [...x];
    xs[0] = 4n * BigInt(ONE);
    expect(() => runMlp(big, xs)).toThrow(expect.objectContaining({ code: 'Zk.ActivationOutOfRange' }));
    await expect(circuitOutputs(circuit, circuitInput(big, xs, 5n))).rejects.toThrow();
  });

  test('proofs verify with the SDK verifier and with snarkjs, bound to job, model and input', async () => {
    const model = randomModel(shape, 31);
    const x = randomInputs(shape[0] as number, 32);
    const jobId = 4242n;
    const res = await prove({ circuit, input: circuitInput(model, x, jobId) });
    const expected = runMlp(model, x);
    expect(res.output).toEqual(expected.map((v) => fieldToHex(toField(v))));
    const signals = [...expected.map(toField), jobId, BigInt(modelCommitment(model)), BigInt(inputHash(x))];
    expect(res.publicSignals).toEqual(signals);
    expect(res.proof).toMatch(/^0x[0-9a-f]{512}$/);

    const proofBytes = Buffer.from(res.proof.slice(2), 'hex');
    expect(verifyGroth16(circuit.vk, proofBytes, signals)).toBe(true);
    expect(verifyGroth16(circuit.vk, proofBytes, [...signals.slice(0, -3), jobId + 1n, ...signals.slice(-2)])).toBe(false);
    const tamperedOutput = [...signals];
    tamperedOutput[0] = (tamperedOutput[0] as bigint) + 1n;
    expect(verifyGroth16(circuit.vk, proofBytes, tamperedOutput)).toBe(false);

    const vkJson = JSON.parse(await readFile(circuit.zkey.replace(/[^/]+\.zkey$/, 'verification_key.json'), 'utf8'));
    expect(Number(vkJson.nPublic)).toBe(shape.at(-1)! + 3);
    // snarkjs verifies the same proof, re-made from the 256 bytes the chain gets.
    const hexAt = (i: number) => BigInt(`0x${proofBytes.subarray(i, i + 32).toString('hex')}`).toString();
    const snarkProof = {
      pi_a: [hexAt(0), hexAt(32), '1'],
      pi_b: [[hexAt(96), hexAt(64)], [hexAt(160), hexAt(128)], ['1', '0']],
      pi_c: [hexAt(192), hexAt(224), '1'],
      protocol: 'groth16',
      curve: 'bn128',
    };
    expect(await snarkjs.groth16.verify(vkJson, signals.map(String), snarkProof)).toBe(true);
    expect(await snarkjs.groth16.verify(vkJson, [...signals.slice(0, -1), 1n].map(String), snarkProof)).toBe(false);
  });
});
