#!/usr/bin/env node
// The off-chain worker's proving path for one inference job, next to raw snarkjs
// `groth16.fullProve` on the same circuit and the same witness input, in one process.
//
// "Ours" is every step processInference (packages/offchain-worker/src/processors/inference.ts)
// runs once the model is decrypted and the input document downloaded, with the worker's own
// built functions (packages/offchain-worker/dist/zk): parse the model file and check it hashes to
// the zk_commitment, parse the input document and check its input_hash, run the fixed-point MLP,
// build the witness input, prove() (fullProve + encode to the chain's 256 bytes + local verify
// with the SDK's verifier) and compare the proven outputs with the MLP's. No chain, no IPFS.
// "Raw" is `snarkjs.groth16.fullProve(input, wasm, zkey)` alone, with the input built once.
//
// Rounds alternate ours / raw (one warm-up proof each first); prints the median of each side,
// the ratio ours / raw and where our extra time goes (median per step over the rounds; encode
// and verify are also timed alone, 20 runs each on the warm-up proof).
//
//   npm run build && node bench/worker-prove.mjs [--circuit mlp_16_8_2|mlp_64_16_4] [--rounds 5]
//
// mlp_16_8_2 (7,709 constraints) takes ~1.2 s per proof here, mlp_64_16_4 ~7 s. snarkjs uses
// worker threads (one per core): other load on the machine shows up on both sides alike.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WORKER_ZK = join(ROOT, 'packages/offchain-worker/dist/zk/index.js');
const { values: opts } = parseArgs({
  options: { circuit: { type: 'string', default: 'mlp_16_8_2' }, rounds: { type: 'string', default: '5' } },
});
const ROUNDS = Number(opts.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--rounds must be a positive integer');
if (!existsSync(WORKER_ZK) || !existsSync(join(ROOT, 'packages/sdk/dist/esm/zk/index.js'))) {
  console.error('packages are not built: run `npm run build` first');
  process.exit(1);
}

const zk = await import(WORKER_ZK);
const { encodeInferenceInput, inputsToField, parseInferenceInput } = await import('@modelproof/sdk/jobs');
const { fieldToHex, inputHash, toField, verifyGroth16 } = await import('@modelproof/sdk/zk');
const snarkjs = await import('snarkjs');

const circuit = await zk.circuitByName(opts.circuit);
if (circuit.shape === null || circuit.shape.length !== 3) throw new Error(`${opts.circuit} is not a two-layer mlp_* circuit`);

// A deterministic random model and input in the circuits' fixed-point format (scale 2^16).
let seed = 0x5eed;
const rand = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const fixed = (scale) => BigInt(Math.round((rand() * 2 - 1) * scale * 2 ** zk.SCALE_BITS));
const shape = circuit.shape;
const layers = shape.slice(1).map((nOut, l) => ({
  weights: Array.from({ length: nOut }, () => Array.from({ length: shape[l] }, () => fixed(1))),
  biases: Array.from({ length: nOut }, () => fixed(0.5)),
}));
const modelFile = zk.encodeModel({ format: zk.MODEL_FORMAT, version: zk.MODEL_VERSION, shape, scaleBits: zk.SCALE_BITS, layers });
const signedX = Array.from({ length: shape[0] }, () => fixed(4));
const inputDoc = encodeInferenceInput(inputsToField(signedX));
// What the chain holds for the job and its model.
const onChain = { jobId: 42n, zkCommitment: zk.modelCommitment(zk.parseModel(modelFile)), inputHash: inputHash(signedX) };

const now = () => performance.now();
let lastProof; // the result of our last prove(), for the same-statement check

/** processInference after the downloads, step by step; returns the step times in ms. */
async function ours() {
  const t = { start: now() };
  const mlp = zk.parseModel(modelFile);
  if (zk.modelCommitment(mlp) !== onChain.zkCommitment) throw new Error('commitment mismatch');
  const inputs = parseInferenceInput(inputDoc, { inputHash: onChain.inputHash });
  t.checked = now();
  const expected = zk.runMlp(mlp, inputs);
  t.ran = now();
  const input = zk.circuitInput(mlp, inputs, onChain.jobId, { zkCommitment: onChain.zkCommitment, inputHash: onChain.inputHash });
  t.built = now();
  const result = await zk.prove({ circuit, input });
  t.proved = now();
  const expectedHex = expected.map((v) => fieldToHex(toField(v)));
  if (result.output.length !== expectedHex.length || result.output.some((o, i) => o !== expectedHex[i])) throw new Error('output mismatch');
  t.end = now();
  lastProof = result;
  return {
    total: t.end - t.start,
    checks: t.checked - t.start,
    mlp: t.ran - t.checked,
    input: t.built - t.ran,
    fullProve: result.proveMs,
    encodeVerify: t.proved - t.built - result.proveMs,
    compare: t.end - t.proved,
  };
}

// The raw side's input: built once, outside the timing (the worker builds it per job).
const rawInput = zk.circuitInput(zk.parseModel(modelFile), signedX, onChain.jobId);
async function raw() {
  const t0 = now();
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(rawInput, circuit.wasm, circuit.zkey);
  if (!proof || publicSignals.length !== circuit.nPublic) throw new Error('snarkjs returned no proof');
  return { total: now() - t0 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

try {
  // Same witness input on both sides: the worker's public signals are the raw proof's.
  await ours();
  const warm = await snarkjs.groth16.fullProve(rawInput, circuit.wasm, circuit.zkey);
  if (warm.publicSignals.map(BigInt).join() !== lastProof.publicSignals.join()) throw new Error('the two sides prove different statements');

  const samples = { ours: [], raw: [] };
  for (let round = 0; round < ROUNDS; round++) {
    samples.ours.push(await ours());
    samples.raw.push(await raw());
    process.stderr.write(`round ${round + 1}/${ROUNDS}: ours ${samples.ours.at(-1).total.toFixed(0)} ms, raw ${samples.raw.at(-1).total.toFixed(0)} ms\n`);
  }

  // Encode and verify alone, on the warm-up proof (prove() times them together).
  const signals = warm.publicSignals.map(BigInt);
  const alone = (fn, n = 20) => {
    const xs = [];
    for (let i = 0; i < n; i++) {
      const t0 = now();
      fn();
      xs.push(now() - t0);
    }
    return median(xs);
  };
  const proofBytes = zk.encodeProof(warm.proof);
  const encodeMs = alone(() => zk.encodeProof(warm.proof));
  const verifyMs = alone(() => {
    if (!verifyGroth16(circuit.vk, proofBytes, signals)) throw new Error('the raw proof does not verify with the SDK');
  });

  const med = (key) => median(samples.ours.map((s) => s[key]));
  const oursMs = med('total');
  const rawMs = median(samples.raw.map((s) => s.total));
  const ms = (x) => `${x.toFixed(x < 10 ? 2 : 1).padStart(9)} ms`;
  console.log(`worker proving path vs raw snarkjs fullProve, circuit ${circuit.name} (${circuit.nPublic} public signals), ${ROUNDS} interleaved rounds (medians)`);
  console.log(`  ours: worker zk path (dist/zk)      ${ms(oursMs)}`);
  console.log(`  raw:  snarkjs.groth16.fullProve     ${ms(rawMs)}`);
  console.log(`  ratio (ours / raw)                  ${(oursMs / rawMs).toFixed(3)}x   (ours − raw: ${(oursMs - rawMs).toFixed(1)} ms)`);
  console.log('  our steps (median per step):');
  console.log(`    parse model + zk_commitment, parse input + input_hash ${ms(med('checks'))}`);
  console.log(`    run fixed-point MLP                                   ${ms(med('mlp'))}`);
  console.log(`    build witness input                                   ${ms(med('input'))}`);
  console.log(`    snarkjs fullProve inside prove()                      ${ms(med('fullProve'))}`);
  console.log(`    encode + local verify inside prove()                  ${ms(med('encodeVerify'))}`);
  console.log(`      of which encode alone ${encodeMs.toFixed(2)} ms, SDK verifyGroth16 alone ${verifyMs.toFixed(1)} ms (20 runs each)`);
  console.log(`    compare outputs                                       ${ms(med('compare'))}`);
} finally {
  await zk.terminateProver();
}
