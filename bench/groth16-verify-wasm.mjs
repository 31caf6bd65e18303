#!/usr/bin/env node
// Times the chain's Groth16 verifier (crate modelproof-groth16, compiled to wasm32v1-none as in
// the runtime) on the fixture_2x2 test circuit, next to snarkjs.groth16.verify on the same proof in the
// same process. Input for the provisional weight of `submit_inference_result`.
//
// Build the wasm first (see chain/primitives/groth16/TIMING.md):
//   cd bench/groth16-wasm && RUSTC=/usr/bin/rustc CARGO_TARGET_DIR=/root/.cache/modelproof/bench-target \
//     /usr/bin/cargo build --release --target wasm32v1-none
// then:  node bench/groth16-verify-wasm.mjs [iterations]
//
// Note: V8 compiles this wasm with its optimising tier (TurboFan); the node's wasmtime executor
// is in the same range but is not measured here.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as snarkjs from 'snarkjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_DIR = process.env.CARGO_TARGET_DIR ?? '/root/.cache/modelproof/bench-target';
const WASM = process.env.GROTH16_BENCH_WASM
  ?? path.join(TARGET_DIR, 'wasm32v1-none', 'release', 'groth16_verify_wasm_bench.wasm');
const N = Number(process.argv[2] ?? 50);

// Wall time per run; also this process's CPU time per run, which is less sensitive to other
// load on the machine (the wasm runs on this thread only; snarkjs' workers are idle then).
function time(fn, n) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const ok = fn(n);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  if (ok !== n) throw new Error(`only ${ok}/${n} runs verified`);
  return { wall: ms / n, cpu: (c.user + c.system) / 1000 / n };
}

async function timeAsync(fn, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (!(await fn())) throw new Error('verification failed');
  }
  return (performance.now() - t0) / n;
}

async function main() {
  const bytes = await readFile(WASM);
  const { instance } = await WebAssembly.instantiate(bytes, {});
  const { full, decode, verify_only: verifyOnly, g1_mul: g1Mul, n_public: nPublic } = instance.exports;

  const fixture = JSON.parse(await readFile(path.join(ROOT, 'circuits/build/fixture_2x2/fixture.json'), 'utf8'));
  const vk = JSON.parse(await readFile(path.join(ROOT, 'circuits/build/fixture_2x2/verification_key.json'), 'utf8'));
  const { proof, public_signals: publicSignals } = fixture.proofs[0];

  // Warm up both (wasm tier-up, snarkjs' curve and worker threads).
  full(3);
  for (let i = 0; i < 3; i++) await snarkjs.groth16.verify(vk, publicSignals, proof);

  const wasmFull = time(full, N);
  const wasmDecode = time(decode, N);
  const wasmVerify = time(verifyOnly, N);
  const wasmG1Mul = time(g1Mul, N);
  const js = await timeAsync(() => snarkjs.groth16.verify(vk, publicSignals, proof), N);

  const f = (x) => x.toFixed(2).padStart(7);
  const [load1] = os.loadavg();
  console.log(`Groth16 BN254 verify, circuit fixture_2x2, ${nPublic()} public inputs, ${N} iterations, ` +
    `node ${process.version}, ${os.cpus().length} cpus, load ${load1.toFixed(2)}`);
  console.log(`  wasm decode+verify   ${f(wasmFull.wall)} ms  (cpu ${f(wasmFull.cpu)} ms)`);
  console.log(`    decode only        ${f(wasmDecode.wall)} ms  (cpu ${f(wasmDecode.cpu)} ms)  curve + G2 subgroup checks`);
  console.log(`    pairing check only ${f(wasmVerify.wall)} ms  (cpu ${f(wasmVerify.cpu)} ms)`);
  console.log(`    per extra input    ${f(wasmG1Mul.wall)} ms  (cpu ${f(wasmG1Mul.cpu)} ms)  worst case: G1 mul by a 254-bit scalar`);
  console.log(`  snarkjs verify       ${f(js)} ms  (baseline, same proof, same process)`);
  console.log(`  ratio wasm/snarkjs   ${f(wasmFull.wall / js)}`);
  const r3 = (x) => +x.toFixed(3);
  console.log(JSON.stringify({ n_public: nPublic(), iterations: N, load1: r3(load1),
    wasm_full_ms: r3(wasmFull.wall), wasm_full_cpu_ms: r3(wasmFull.cpu),
    wasm_decode_ms: r3(wasmDecode.wall), wasm_verify_ms: r3(wasmVerify.wall),
    wasm_per_input_ms: r3(wasmG1Mul.wall),
    snarkjs_ms: r3(js), ratio: r3(wasmFull.wall / js) }));
}

try {
  await main();
} finally {
  await globalThis.curve_bn128?.terminate();
}
