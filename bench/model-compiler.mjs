#!/usr/bin/env node
// The model compiler on an MNIST-size MLP: 784 -> 32 -> 10 (ReLU), random PyTorch-initialised
// weights, written as `torch.onnx.export` does (packages/model-compiler/scripts/torch-style-onnx.mjs),
// calibrated on 200 random "pixel" inputs in [0, 1]. Prints, side by side:
//   - compile + setup time (circom, phase 2; the phase 1 is the cached dev 2^16 ptau, made once:
//     ≈ 35 min on 2 cores the first time — `npx modelproof-model ptau --power 16` ahead of time);
//   - proof time of the compiler's `prove` (evaluator, hashes, witness, proof, public-signal check,
//     snarkjs + SDK verification) vs raw `snarkjs.groth16.fullProve` on the same circuit and witness
//     input, alternating, and their ratio;
//   - agreement with onnxruntime-node on 200 held-out inputs (argmax agreement, max |error|).
// Build first (`npm run build`). Options: --rounds N (5), --shape 784,32,10, --ptau FILE,
// --dir DIR (work directory, default ~/.cache/modelproof/bench/model-compiler; an existing
// compile of the same shape is reused unless --recompile).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import * as ort from 'onnxruntime-node';
import * as snarkjs from 'snarkjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PKG = path.join(ROOT, 'packages', 'model-compiler');
const mc = await import(path.join(PKG, 'dist', 'index.js'));
const { randomLinear, seededRandom, torchStyleMlp } = await import(path.join(PKG, 'scripts', 'torch-style-onnx.mjs'));

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    shape: { type: 'string', default: '784,32,10' },
    ptau: { type: 'string' },
    dir: { type: 'string' },
    recompile: { type: 'boolean', default: false },
  },
});
const shape = values.shape.split(',').map(Number);
const rounds = Number(values.rounds);
const work = values.dir ?? path.join(os.homedir(), '.cache', 'modelproof', 'bench', 'model-compiler', shape.join('-'));
mkdirSync(work, { recursive: true });

const rng = seededRandom(784);
const layers = shape.slice(1).map((out, i) => randomLinear(rng, shape[i], out));
const onnxFile = path.join(work, 'model.onnx');
writeFileSync(onnxFile, torchStyleMlp(layers));
const pixels = (n) => Array.from({ length: n }, () => Array.from({ length: shape[0] }, () => Number(rng.next().toFixed(4))));
const calibration = pixels(200);
const heldout = pixels(200);
const calFile = path.join(work, 'calibration.json');
writeFileSync(calFile, JSON.stringify(calibration));
const dir = path.join(work, 'compiled');

let report;
if (!values.recompile && existsSync(path.join(dir, 'report.json'))
  && JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')).source.sha256 === (await import('node:crypto')).createHash('sha256').update(readFileSync(onnxFile)).digest('hex')) {
  report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
  console.log(`reusing ${dir} (compiled before; --recompile to redo)`);
} else {
  report = await mc.compileModel(onnxFile, calFile, dir, { ...(values.ptau ? { ptau: values.ptau } : {}), progress: (l) => console.log(`  ${l}`) });
}
const t = report.timings;
console.log(`\n${shape.join(' -> ')}: ${report.circuit.constraints} constraints (needs 2^${report.circuit.ptauPowerNeeded}), n_public ${report.circuit.nPublic}`);
console.log(`compile + setup: circom ${t.circomSeconds} s, phase 1 ${t.ptauSeconds} s (${report.ptau.source}), phase 2 ${t.phase2Seconds} s, total ${t.totalSeconds} s`);

// Proof time: ours vs raw snarkjs on the same witness input.
const model = await mc.loadModel(dir);
const ours = [];
const raw = [];
for (let i = 0; i < rounds; i++) {
  const x = heldout[i % heldout.length];
  const t0 = performance.now();
  const r = await mc.prove(dir, x, { jobId: BigInt(i) });
  ours.push(performance.now() - t0);
  const input = mc.circuitInput(r.x, { jobId: r.jobId, inputHash: r.inputHash, reveal: true, inSalt: r.inSalt, outSalt: r.outSalt });
  const t1 = performance.now();
  const b = await snarkjs.groth16.fullProve(input, path.join(dir, 'model.wasm'), path.join(dir, 'model.zkey'));
  raw.push(performance.now() - t1);
  if (JSON.stringify(b.publicSignals) !== JSON.stringify(r.publicSignals)) throw new Error('public signals differ');
}
const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
console.log(`\nproof (median of ${rounds}): model-compiler prove ${(median(ours) / 1000).toFixed(2)} s | raw snarkjs.groth16.fullProve ${(median(raw) / 1000).toFixed(2)} s | ratio ${(median(ours) / median(raw)).toFixed(3)}x`);
console.log(`  ours: ${ours.map((v) => (v / 1000).toFixed(2)).join(' ')} s; raw: ${raw.map((v) => (v / 1000).toFixed(2)).join(' ')} s`);

// Agreement with onnxruntime-node.
const session = await ort.InferenceSession.create(onnxFile);
const feed = new ort.Tensor('float32', Float32Array.from(heldout.flat()), [heldout.length, shape[0]]);
const out = (await session.run({ input: feed })).output.data;
const nOut = shape[shape.length - 1];
let agree = 0;
let maxErr = 0;
heldout.forEach((x, n) => {
  const q = mc.runQuantized(model, x).decoded;
  const ref = Array.from(out.subarray(n * nOut, (n + 1) * nOut));
  q.forEach((v, k) => { maxErr = Math.max(maxErr, Math.abs(v - ref[k])); });
  if (q.indexOf(Math.max(...q)) === ref.indexOf(Math.max(...ref))) agree++;
});
console.log(`\nvs onnxruntime-node on ${heldout.length} held-out inputs: argmax agreement ${(100 * agree / heldout.length).toFixed(1)} %, max |error| ${maxErr.toExponential(2)} (reported worst-case bound ${Math.max(...report.expectedError.worstCaseBound).toExponential(2)})`);
await session.release();
await mc.terminateSnarkjs();
