#!/usr/bin/env node
// The off-chain worker's proving path for one inference job on a compiled model, next to raw
// snarkjs `groth16.fullProve` on the same circuit and the same witness input, in one process.
//
// "Ours" is every step processInference (packages/offchain-worker/src/kinds/inference/processor.ts)
// runs once the artifacts are cached and the sealed input downloaded, with the worker's and the
// SDK's built functions: open the sealed input with the worker's X25519 key and check its
// input_hash, build the witness input, prove() (fullProve + encode to the chain's 256 bytes +
// local verify with the SDK's verifier). No chain, no IPFS. "Raw" is
// `snarkjs.groth16.fullProve(input, wasm, zkey)` alone, with the input built once.
//
// Rounds alternate ours / raw (one warm-up proof each first); prints the median of each side,
// the ratio ours / raw and where our extra time goes.
//
//   npm run build && node bench/worker-prove.mjs [--model DIR] [--rounds 5]
//
// DIR is what `modelproof-model compile` wrote (default: the stack's demo classifier,
// packages/stack/demo-model). snarkjs uses worker threads (one per core): other load on the
// machine shows up on both sides alike.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WORKER_ZK = join(ROOT, 'packages/offchain-worker/dist/zk/index.js');
const { values: opts } = parseArgs({
  options: { model: { type: 'string', default: join(ROOT, 'packages/stack/demo-model') }, rounds: { type: 'string', default: '5' } },
});
const ROUNDS = Number(opts.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--rounds must be a positive integer');
if (!existsSync(WORKER_ZK) || !existsSync(join(ROOT, 'packages/sdk/dist/esm/zk/index.js'))) {
  console.error('packages are not built: run `npm run build` first');
  process.exit(1);
}

const zk = await import(WORKER_ZK);
const { generateEncryptionKeyPair } = await import('@modelproof/sdk/crypto');
const { openInferenceInput, quantizeInput, sealInferenceInput } = await import('@modelproof/sdk/jobs');
const { compiledModelFromFiles } = await import('@modelproof/sdk/models');
const { inputHash, randomSalt, verifyGroth16 } = await import('@modelproof/sdk/zk');
const snarkjs = await import('snarkjs');

const dir = opts.model;
const file = (f) => new Uint8Array(readFileSync(join(dir, f)));
const { modelInterface } = compiledModelFromFiles({ 'model.json': file('model.json'), 'model.wasm': file('model.wasm'), 'model.zkey': file('model.zkey'), 'vk.bin': file('vk.bin') });
const vk = file('vk.bin');
const nPublic = (vk.length - 448) / 64 - 1;
const circuit = { circuitId: 'bench', wasm: join(dir, 'model.wasm'), zkey: join(dir, 'model.zkey'), vk, nPublic };
const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));

// A deterministic input in the model's calibrated range, sealed to the worker as a consumer does.
let seed = 0x5eed;
const rand = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const values = quantizeInput(Array.from({ length: modelInterface.inputSize }, () => rand() * 2 - 1), modelInterface);
const salt = randomSalt();
const keys = generateEncryptionKeyPair();
const modelId = 7n;
const sealed = await sealInferenceInput({ values, salt }, [keys.publicKey], modelId);
// What the chain holds for the job.
const onChain = { jobId: 42n, inputHash: inputHash(values, salt) };
const outSalt = randomSalt();

const now = () => performance.now();
const witness = (input) => ({
  x: input.values.map(String),
  in_salt: input.salt.toString(),
  out_salt: outSalt.toString(),
  job_id: onChain.jobId.toString(),
  input_hash: BigInt(onChain.inputHash).toString(),
  reveal: '1',
});
let lastProof;

/** processInference after the downloads, step by step; returns the step times in ms. */
async function ours() {
  const t0 = now();
  const input = await openInferenceInput(sealed, keys, { modelId, inputHash: onChain.inputHash });
  const t1 = now();
  const result = await zk.prove({ circuit, input: witness(input) });
  const t2 = now();
  lastProof = result;
  return { total: t2 - t0, openInput: t1 - t0, fullProve: result.proveMs, encodeVerify: t2 - t1 - result.proveMs };
}

const rawInput = witness({ values, salt });
async function raw() {
  const t0 = now();
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(rawInput, circuit.wasm, circuit.zkey);
  if (!proof || publicSignals.length !== nPublic) throw new Error('snarkjs returned no proof');
  return { total: now() - t0 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

try {
  await ours();
  const warm = await snarkjs.groth16.fullProve(rawInput, circuit.wasm, circuit.zkey);
  if (warm.publicSignals.map(BigInt).join() !== lastProof.publicSignals.join()) throw new Error('the two sides prove different statements');
  if (!verifyGroth16(vk, zk.encodeProof(warm.proof), warm.publicSignals.map(BigInt))) throw new Error('the raw proof does not verify with the SDK');

  const samples = { ours: [], raw: [] };
  for (let round = 0; round < ROUNDS; round++) {
    samples.ours.push(await ours());
    samples.raw.push(await raw());
    process.stderr.write(`round ${round + 1}/${ROUNDS}: ours ${samples.ours.at(-1).total.toFixed(0)} ms, raw ${samples.raw.at(-1).total.toFixed(0)} ms\n`);
  }
  const med = (key) => median(samples.ours.map((s) => s[key]));
  const oursMs = med('total');
  const rawMs = median(samples.raw.map((s) => s.total));
  console.log(
    [
      `worker prove path vs raw snarkjs fullProve — ${dir} (${report.circuit?.constraints ?? '?'} constraints, ${nPublic} public signals), median of ${ROUNDS} rounds`,
      `  ours ${oursMs.toFixed(0)} ms   raw ${rawMs.toFixed(0)} ms   ratio ${(oursMs / rawMs).toFixed(3)}×`,
      `  ours by step: open sealed input + hash check ${med('openInput').toFixed(1)} ms, fullProve ${med('fullProve').toFixed(0)} ms, encode + local verify ${med('encodeVerify').toFixed(1)} ms`,
    ].join('\n'),
  );
} finally {
  await zk.terminateProver();
}
