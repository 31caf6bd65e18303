#!/usr/bin/env node
// The compiled demo model (`npm start`'s classifier, also the model of the worker and end-to-end
// tests): packages/model-compiler/examples/blobs-classifier/model.onnx compiled by
// `modelproof-model` into packages/stack/demo-model/.
//
//   node scripts/demo-model.mjs build    compile it (dev setup on the compiler's committed 2^11
//                                        dev powers of tau; about 30 s) and record its sources
//   node scripts/demo-model.mjs check    fail unless demo-model/ was built from the current
//                                        sources (run by `npm test`, as runtime-spec/ is checked)
//
// "Sources" are the ONNX file, its calibration set, the powers of tau and every file of the
// compiler's src/: sha256 over `<relative path>\0<sha256 hex>\n` lines in path order, stored in
// demo-model/source.json. The setup itself is random, so the check compares the sources, not
// the keys; the keys are checked by the tests that prove with them.
//
// THE SETUP IS FOR DEVELOPMENT ONLY (a single party ran it); see docs/trusted-setup.md.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const COMPILER = path.join(ROOT, 'packages', 'model-compiler');
const EXAMPLE = path.join(COMPILER, 'examples', 'blobs-classifier');
const ONNX = path.join(EXAMPLE, 'model.onnx');
const CALIBRATION = path.join(EXAMPLE, 'calibration.json');
const PTAU = path.join(COMPILER, 'test', 'fixtures', 'dev-pow11.ptau');
const OUT = path.join(ROOT, 'packages', 'stack', 'demo-model');
/** What the stack, the worker tests and the e2e tests use; the rest of the compiler's output stays out of git. */
const KEEP = ['model.json', 'model.wasm', 'model.zkey', 'vk.bin', 'verification_key.json', 'report.json', 'circuit.circom'];

const rel = (p) => path.relative(ROOT, p);
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function filesUnder(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

function sources() {
  const files = [ONNX, CALIBRATION, PTAU, ...filesUnder(path.join(COMPILER, 'src'))].sort((a, b) => rel(a).localeCompare(rel(b)));
  const lines = files.map((f) => `${rel(f)}\0${sha256(readFileSync(f))}\n`);
  return { fingerprint: sha256(lines.join('')), files: files.length };
}

function build() {
  const compiler = path.join(COMPILER, 'bin', 'modelproof-model.js');
  if (!existsSync(path.join(COMPILER, 'dist', 'index.js'))) {
    console.error('[demo-model] the compiler is not built: run `npm run build` first');
    process.exit(1);
  }
  const work = mkdtempSync(path.join(tmpdir(), 'modelproof-demo-model-'));
  try {
    const out = path.join(work, 'out');
    console.log(`[demo-model] compiling ${rel(ONNX)}`);
    const r = spawnSync(process.execPath, [compiler, 'compile', ONNX, '--calibration', CALIBRATION, '--out', out, '--ptau', PTAU], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
    const staged = path.join(work, 'demo-model');
    rmSync(staged, { recursive: true, force: true });
    for (const f of KEEP) {
      if (!existsSync(path.join(out, f))) throw new Error(`the compiler wrote no ${f}`);
    }
    renameSync(out, staged);
    for (const f of readdirSync(staged)) if (!KEEP.includes(f)) rmSync(path.join(staged, f), { recursive: true, force: true });
    const s = sources();
    writeFileSync(path.join(staged, 'source.json'), `${JSON.stringify({ generated_by: 'scripts/demo-model.mjs build', onnx: rel(ONNX), calibration: rel(CALIBRATION), ptau: rel(PTAU), sources: s.files, fingerprint: s.fingerprint }, null, 2)}\n`);
    rmSync(OUT, { recursive: true, force: true });
    renameSync(staged, OUT);
    const size = readdirSync(OUT).reduce((n, f) => n + statSync(path.join(OUT, f)).size, 0);
    console.log(`[demo-model] wrote ${rel(OUT)} (${(size / 1e6).toFixed(1)} MB, fingerprint ${s.fingerprint.slice(0, 16)}…)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function check() {
  const recorded = path.join(OUT, 'source.json');
  if (!existsSync(recorded)) {
    console.error(`[demo-model] ${rel(recorded)} is missing: run \`node scripts/demo-model.mjs build\``);
    process.exit(1);
  }
  const want = JSON.parse(readFileSync(recorded, 'utf8')).fingerprint;
  const have = sources().fingerprint;
  const missing = KEEP.filter((f) => !existsSync(path.join(OUT, f)));
  if (want !== have || missing.length > 0) {
    console.error(`[demo-model] ${rel(OUT)} is stale (built from ${String(want).slice(0, 16)}…, sources are ${have.slice(0, 16)}…${missing.length ? `; missing ${missing.join(', ')}` : ''}): run \`node scripts/demo-model.mjs build\` and commit it`);
    process.exit(1);
  }
  console.log(`[demo-model] ${rel(OUT)} is up to date with its sources (${have.slice(0, 16)}…)`);
}

const cmd = process.argv[2];
if (cmd === 'build') build();
else if (cmd === 'check') check();
else {
  console.error('usage: node scripts/demo-model.mjs build | check');
  process.exit(2);
}
