/**
 * End to end: both fixture MLPs (skl2onnx's and torch.onnx.export's shapes) compiled with the
 * committed 2^11 dev ptau, run, proved with real snarkjs proofs, checked against onnxruntime-node
 * and against the SDK's Poseidon, through the library API and the built CLI.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { poseidonVector, toField } from '@modelproof/sdk/zk';

import {
  checkPtauHash,
  compileModel,
  type CompileReport,
  io,
  loadModel,
  loadOnnx,
  ModelCompilerError,
  postprocessOutputs,
  prove,
  type ProveResult,
  runQuantized,
  terminateSnarkjs,
  verify,
} from '../src/index.js';
import { buildPackage, cli, devPtau, exposeTensor, fixtures, ortRun, readJsonFile } from './helpers.js';

interface Case {
  fixture: string;
  nIn: number;
  nOut: number;
  dir: string;
  report: CompileReport;
}

let work: string;
const cases: Record<'torch' | 'sklearn', Case> = {} as Record<'torch' | 'sklearn', Case>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'modelproof-model-compiler-'));
  await buildPackage();
  // torch-style through the library API …
  const torchDir = join(work, 'torch');
  const torchReport = await compileModel(join(fixtures, 'torch-mlp', 'model.onnx'), join(fixtures, 'torch-mlp', 'calibration.json'), torchDir, { ptau: devPtau });
  cases.torch = { fixture: 'torch-mlp', nIn: 6, nOut: 4, dir: torchDir, report: torchReport };
  // … sklearn through the built CLI.
  const sklearnDir = join(work, 'sklearn');
  const r = await cli(['compile', join(fixtures, 'sklearn-mlp', 'model.onnx'), '--calibration', join(fixtures, 'sklearn-mlp', 'calibration.json'), '--out', sklearnDir, '--ptau', devPtau]);
  if (r.code !== 0) throw new Error(`compile failed (${r.code}): ${r.stderr}`);
  expect(r.stderr).toMatch(/constraints/);
  cases.sklearn = { fixture: 'sklearn-mlp', nIn: 4, nOut: 3, dir: sklearnDir, report: readJsonFile<CompileReport>(join(sklearnDir, 'report.json')) };
}, 240_000);

afterAll(async () => {
  await terminateSnarkjs();
  if (work) rmSync(work, { recursive: true, force: true });
});

const heldout = (c: Case): number[][] => readJsonFile<number[][]>(join(fixtures, c.fixture, 'heldout.json'));

describe.each(['torch', 'sklearn'] as const)('%s MLP', (name) => {
  test('report: constraints, public signals, scales, expected error, setup', () => {
    const c = cases[name];
    const { report } = c;
    expect(report.circuit.nPublic).toBe(c.nOut + 4);
    expect(report.circuit.publicSignals).toEqual([...Array.from({ length: c.nOut }, (_, i) => `y_pub[${i}]`), 'out_commitment', 'job_id', 'input_hash', 'reveal']);
    expect(report.circuit.privateInputs).toBe(c.nIn + 2);
    expect(report.circuit.constraints).toBeGreaterThan(500);
    expect(report.circuit.constraints).toBeLessThanOrEqual(2 ** 11);
    expect(report.ptau).toMatchObject({ power: 11, source: 'file' });
    expect(report.selfCheck.proved).toBe(true);
    expect(report.setup.contributions).toHaveLength(1);
    const vk = readFileSync(join(c.dir, 'vk.bin'));
    expect(vk.length).toBe(448 + 64 * (c.nOut + 5));
    expect(report.vk.bytes).toBe(vk.length);
    expect(report.expectedError).toMatchObject({ samples: 200, argmaxAgreement: 1 });
    // Weights are circuit constants: the only inputs are x, the salts and the three public inputs.
    const source = readFileSync(join(c.dir, 'circuit.circom'), 'utf8');
    expect([...source.matchAll(/signal input (\w+)/g)].map((m) => m[1])).toEqual(expect.arrayContaining(['job_id', 'input_hash', 'reveal', 'x', 'in_salt', 'out_salt']));
    const main = source.slice(source.indexOf('template Model()'));
    expect(main.match(/^ {4}signal input /gm)).toHaveLength(6);
    expect(source).toContain('component main {public [job_id, input_hash, reveal]} = Model();');
  });

  test('agrees with onnxruntime-node on the held-out set (argmax ≥ 99 %, |error| within the reported bound)', async () => {
    const c = cases[name];
    const model = await loadModel(c.dir);
    const bytes = readFileSync(join(fixtures, c.fixture, 'model.onnx'));
    const graph = loadOnnx(bytes);
    const xs = heldout(c);
    const fetches = name === 'sklearn' ? [graph.outputName, 'output_label'] : [graph.outputName];
    const out = await ortRun(exposeTensor(bytes, graph.outputName), graph.inputName, xs, fetches);
    const logits = out[graph.outputName]!;
    expect(logits).toHaveLength(xs.length * c.nOut);
    const bound = model.expectedError.worstCaseBound;
    let agree = 0;
    let labelAgree = 0;
    let maxErr = 0;
    xs.forEach((x, n) => {
      const q = runQuantized(model, x).decoded;
      const ref = logits.slice(n * c.nOut, (n + 1) * c.nOut);
      q.forEach((v, k) => {
        const err = Math.abs(v - ref[k]!);
        maxErr = Math.max(maxErr, err);
        // float32 (onnxruntime) vs exact arithmetic adds a few ulps
        expect(err).toBeLessThanOrEqual(bound[k]! + 1e-5 * (1 + Math.abs(ref[k]!)));
      });
      if (q.indexOf(Math.max(...q)) === ref.indexOf(Math.max(...ref))) agree++;
      if (name === 'sklearn') {
        if (postprocessOutputs(model, q).label === out.output_label![n]) labelAgree++;
      }
    });
    expect(agree / xs.length).toBeGreaterThanOrEqual(0.99);
    if (name === 'sklearn') expect(labelAgree / xs.length).toBeGreaterThanOrEqual(0.99);
    expect(maxErr).toBeGreaterThan(0); // a real comparison, not two copies of one evaluator
  });
});

describe('proofs', () => {
  let revealed: ProveResult;
  const inSalt = 123456789n;
  const outSalt = 987654321n;

  beforeAll(async () => {
    revealed = await prove(cases.torch.dir, heldout(cases.torch)[0], { jobId: 7n, inSalt, outSalt, reveal: true });
  }, 60_000);

  test('reveal = 1: public signals are the outputs, the output commitment, job_id, input_hash and reveal', async () => {
    const c = cases.torch;
    const model = await loadModel(c.dir);
    const x = heldout(c)[0]!;
    const s = revealed.publicSignals;
    expect(s).toHaveLength(c.nOut + 4);
    // input_hash computed independently: the io rule by hand, the SDK's Poseidon vector hash.
    const xq = x.map((v) => io.quantizeNumber(v, model.io.inputScaleBits));
    expect(s[c.nOut + 2]).toBe(poseidonVector([...xq.map((v) => toField(v)), inSalt]).toString());
    const y = runQuantized(model, x).outputs;
    expect(s.slice(0, c.nOut)).toEqual(y.map((v) => toField(v).toString()));
    expect(s[c.nOut]).toBe(poseidonVector([...y.map((v) => toField(v)), outSalt]).toString());
    expect(s.slice(c.nOut + 1)).toEqual(['7', s[c.nOut + 2], '1']);
    expect(await verify(c.dir, revealed.proof, s)).toBe(true);
  });

  test('`run` prints exactly the decoded public outputs', async () => {
    const c = cases.torch;
    const input = join(work, 'input0.json');
    writeFileSync(input, JSON.stringify(heldout(c)[0]));
    const r = await cli(['run', c.dir, '--input', input]);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as { outputs: number[] };
    const model = await loadModel(c.dir);
    expect(printed.outputs).toEqual(io.decodeOutputs(model.io, revealed.publicSignals.slice(0, c.nOut)));
  });

  test('a tampered proof or public signal does not verify', async () => {
    const c = cases.torch;
    const s = revealed.publicSignals;
    const proof = JSON.parse(JSON.stringify(revealed.proof)) as typeof revealed.proof;
    proof.pi_a[0] = (BigInt(proof.pi_a[0]!) + 1n).toString();
    expect(await verify(c.dir, proof, s)).toBe(false);
    const swapped = JSON.parse(JSON.stringify(revealed.proof)) as typeof revealed.proof;
    swapped.pi_c = revealed.proof.pi_a.slice();
    expect(await verify(c.dir, swapped, s)).toBe(false);
    const bump = (i: number): string[] => s.map((v, k) => (k === i ? (BigInt(v) + 1n).toString() : v));
    expect(await verify(c.dir, revealed.proof, bump(0))).toBe(false); // an output
    expect(await verify(c.dir, revealed.proof, bump(c.nOut + 1))).toBe(false); // job_id
    expect(await verify(c.dir, revealed.proof, bump(c.nOut + 2))).toBe(false); // input_hash
    expect(await verify(c.dir, revealed.proof, s.slice(0, -1))).toBe(false);
    expect(await verify(c.dir, revealed.proof, s)).toBe(true);
  });

  test('reveal = 0 (sklearn): y_pub is zero, out_commitment = H(y ‖ out_salt)', async () => {
    const c = cases.sklearn;
    const model = await loadModel(c.dir);
    const x = heldout(c)[5]!;
    const r = await prove(c.dir, x, { jobId: 99n, inSalt: 5n, outSalt: 6n, reveal: false });
    const s = r.publicSignals;
    expect(s.slice(0, c.nOut)).toEqual(['0', '0', '0']);
    const y = runQuantized(model, x).outputs;
    expect(y.some((v) => v !== 0n)).toBe(true);
    expect(s[c.nOut]).toBe(poseidonVector([...y.map((v) => toField(v)), 6n]).toString());
    const xq = x.map((v) => io.quantizeNumber(v, model.io.inputScaleBits));
    expect(s[c.nOut + 2]).toBe(poseidonVector([...xq.map((v) => toField(v)), 5n]).toString());
    expect(s[c.nOut + 1]).toBe('99');
    expect(s[c.nOut + 3]).toBe('0');
    expect(await verify(c.dir, r.proof, s)).toBe(true);
    // claiming reveal = 1 with the same proof fails
    expect(await verify(c.dir, r.proof, [...s.slice(0, -1), '1'])).toBe(false);
  }, 60_000);

  test('out-of-range and mis-shaped inputs fail with typed errors before proving', async () => {
    const c = cases.torch;
    const model = await loadModel(c.dir);
    const limit = 2 ** (model.io.inputRangeBits - 1 - model.io.inputScaleBits);
    await expect(prove(c.dir, [limit * 2, 0, 0, 0, 0, 0])).rejects.toMatchObject({ code: 'Model.InputOutOfRange' });
    await expect(prove(c.dir, [1, 2, 3])).rejects.toMatchObject({ code: 'Model.ShapeMismatch' });
    await expect(prove(c.dir, [1, 2, 3, 4, 5, 6], { jobId: -1 })).rejects.toBeInstanceOf(ModelCompilerError);
  });
});

describe('CLI', () => {
  test('prove writes snarkjs files that verify; a tampered public.json fails with exit 2', async () => {
    const c = cases.sklearn;
    const input = join(work, 'sk-input.json');
    writeFileSync(input, JSON.stringify(heldout(c)[1]));
    const p = join(work, 'sk-proof');
    const r = await cli(['prove', c.dir, '--input', input, '--out', p, '--job-id', '12']);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as { outputs: number[]; label: number; probabilities: number[]; verified: boolean };
    expect(printed.verified).toBe(true);
    expect([0, 1, 2]).toContain(printed.label);
    expect(printed.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    const pub = readJsonFile<string[]>(join(p, 'public.json'));
    expect(pub[c.nOut + 1]).toBe('12');
    expect((await cli(['verify', c.dir, '--proof', p])).code).toBe(0);
    writeFileSync(join(p, 'public.json'), JSON.stringify(pub.map((v, i) => (i === c.nOut + 1 ? '13' : v))));
    const bad = await cli(['verify', c.dir, '--proof', p]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error \[Model\.VerificationFailed\]/m);
  }, 60_000);

  test('an unsupported op exits 2 naming the op and its node; malformed ONNX and JSON exit 2', async () => {
    const cal = join(fixtures, 'torch-mlp', 'calibration.json');
    const sig = await cli(['compile', join(fixtures, 'torch-mlp', 'sigmoid.onnx'), '--calibration', cal, '--out', join(work, 'never')]);
    expect(sig.code).toBe(2);
    expect(sig.stderr).toMatch(/^error \[Model\.UnsupportedOp\]: unsupported op Sigmoid \(node \/sigmoid\/Sigmoid\)/m);
    const trunc = await cli(['compile', join(fixtures, 'torch-mlp', 'truncated.onnx'), '--calibration', cal, '--out', join(work, 'never')]);
    expect(trunc.code).toBe(2);
    expect(trunc.stderr).toMatch(/^error \[Model\.MalformedOnnx\]/m);
    const badJson = join(work, 'bad.json');
    writeFileSync(badJson, '[1, 2,');
    const run = await cli(['run', cases.torch.dir, '--input', badJson]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error \[Model\.InvalidJson\]/m);
    const shape = join(work, 'shape.json');
    writeFileSync(shape, JSON.stringify([[1, 2], [3, 4]]));
    const mis = await cli(['run', cases.torch.dir, '--input', shape]);
    expect(mis.code).toBe(2);
    expect(mis.stderr).toMatch(/^error \[Model\.ShapeMismatch\]/m);
    const usage = await cli(['compile']);
    expect(usage.code).toBe(2);
  });

  test('--ptau-hash: a mismatch is refused before compiling; the right hash passes', async () => {
    const wrong = 'ab'.repeat(64);
    const r = await cli(['compile', join(fixtures, 'torch-mlp', 'model.onnx'), '--calibration', join(fixtures, 'torch-mlp', 'calibration.json'), '--out', join(work, 'never'), '--ptau', devPtau, '--ptau-hash', wrong]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error \[Model\.PtauMismatch\]: .*does not match its published hash/m);
    const right = createHash('blake2b512').update(readFileSync(devPtau)).digest('hex');
    await expect(checkPtauHash(devPtau, right)).resolves.toBe(right);
  });

  test('contribute: a new phase-2 key; proofs verify with it, old proofs do not; verify-setup passes', async () => {
    const dir = join(work, 'torch-contributed');
    cpSync(cases.torch.dir, dir, { recursive: true });
    const zkeyBefore = readFileSync(join(dir, 'model.zkey'));
    const vkBefore = readFileSync(join(dir, 'vk.bin'));
    const r = await cli(['contribute', dir, '--name', 'second contributor']);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as { name: string; hash: string; circuitId: string };
    expect(printed.name).toBe('second contributor');
    expect(printed.hash).toMatch(/^[0-9a-f]{128}$/);
    expect(readFileSync(join(dir, 'model.zkey')).equals(zkeyBefore)).toBe(false);
    expect(readFileSync(join(dir, 'zkey-history', 'model_0001.zkey')).equals(zkeyBefore)).toBe(true);
    expect(readFileSync(join(dir, 'vk.bin')).equals(vkBefore)).toBe(false);
    const report = readJsonFile<CompileReport>(join(dir, 'report.json'));
    expect(report.setup.contributions.map((x) => x.name)).toEqual(['modelproof dev phase 2', 'second contributor']);
    expect(report.vk.circuitId).toBe(printed.circuitId);
    const x = heldout(cases.torch)[2]!;
    const fresh = await prove(dir, x, { jobId: 3n });
    expect(await verify(dir, fresh.proof, fresh.publicSignals)).toBe(true);
    const old = await prove(cases.torch.dir, x, { jobId: 3n, inSalt: fresh.inSalt, outSalt: fresh.outSalt });
    expect(old.publicSignals).toEqual(fresh.publicSignals);
    expect(await verify(dir, old.proof, old.publicSignals)).toBe(false);
    const setup = await cli(['verify-setup', dir, '--ptau', devPtau]);
    expect(setup.code).toBe(0);
    expect(JSON.parse(setup.stdout)).toEqual({ valid: true });
  }, 120_000);
});
