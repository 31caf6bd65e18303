#!/usr/bin/env node
// Measures the README's numbers: compile + setup and proof times of the test fixtures and the demo
// classifier, on the committed 2^11 dev ptau. Needs the package built (npm run build).
//   node packages/model-compiler/scripts/measure-fixtures.mjs
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { compileModel, prove, terminateSnarkjs, verify } from '../dist/index.js';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const ptau = join(pkg, 'test', 'fixtures', 'dev-pow11.ptau');
const models = [
  { name: 'sklearn 4→8→3 (skl2onnx)', onnx: 'test/fixtures/sklearn-mlp/model.onnx', calibration: 'test/fixtures/sklearn-mlp/calibration.json', inputs: 'test/fixtures/sklearn-mlp/heldout.json' },
  { name: 'torch-style 6→16→8→4', onnx: 'test/fixtures/torch-mlp/model.onnx', calibration: 'test/fixtures/torch-mlp/calibration.json', inputs: 'test/fixtures/torch-mlp/heldout.json' },
  { name: 'demo blobs 8→16→4', onnx: 'examples/blobs-classifier/model.onnx', calibration: 'examples/blobs-classifier/calibration.json', inputs: 'examples/blobs-classifier/test.json' },
];
const work = mkdtempSync(join(tmpdir(), 'modelproof-measure-'));
const rows = [];
try {
  for (const m of models) {
    const out = join(work, m.name.replace(/\W+/g, '-'));
    const t0 = performance.now();
    const report = await compileModel(join(pkg, m.onnx), join(pkg, m.calibration), out, { ptau });
    const compileS = (performance.now() - t0) / 1000;
    const data = JSON.parse(readFileSync(join(pkg, m.inputs), 'utf8'));
    const inputs = Array.isArray(data) ? data : data.inputs;
    const proofs = [];
    const verifies = [];
    for (let i = 0; i < 3; i++) {
      const r = await prove(out, inputs[i], { jobId: BigInt(i) });
      proofs.push(r.proveMs / 1000);
      const tv = performance.now();
      if (!(await verify(out, r.proof, r.publicSignals))) throw new Error('proof does not verify');
      verifies.push(performance.now() - tv);
    }
    rows.push({
      model: m.name,
      constraints: report.circuit.constraints,
      nPublic: report.circuit.nPublic,
      ptau: `2^${report.circuit.ptauPowerNeeded}`,
      circomS: report.timings.circomSeconds,
      phase2S: report.timings.phase2Seconds,
      compileTotalS: Number(compileS.toFixed(1)),
      proveS: proofs.map((s) => s.toFixed(2)).join(' / '),
      verifyMs: verifies.map((s) => s.toFixed(0)).join(' / '),
      zkeyKB: Math.round(statSync(join(out, 'model.zkey')).size / 1024),
      wasmKB: Math.round(statSync(join(out, 'model.wasm')).size / 1024),
      maxAbsError: Math.max(...report.expectedError.maxAbsError).toExponential(2),
      worstCaseBound: Math.max(...report.expectedError.worstCaseBound).toExponential(2),
    });
  }
} finally {
  await terminateSnarkjs();
  rmSync(work, { recursive: true, force: true });
}
console.table(rows);
console.log(JSON.stringify(rows, null, 1));
