/**
 * `compileModel`: ONNX + calibration set → a model directory (quantized model, circuit, Groth16
 * setup); `contribute` / `verifySetup`: the multi-party phase 2 on a model directory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { blake2b } from '@noble/hashes/blake2b';
import * as snarkjs from 'snarkjs';

import { generateCircuit } from './circuit.js';
import { compileCircom } from './circom.js';
import { encodeVerifyingKey, type SnarkjsVerificationKey } from './encoding.js';
import { ModelCompilerError } from './errors.js';
import { FILES, loadModel, readJson } from './modeldir.js';
import { loadOnnx } from './onnx.js';
import { prove } from './prove.js';
import { checkPtauHash, ptauInfo, requiredPower, resolvePtau, type Progress } from './ptau.js';
import { modelToJson, quantize, type QuantizeOptions } from './quantize.js';

export interface CompileOptions extends QuantizeOptions {
  /** A phase-1 file (e.g. a public ceremony's `_final` ptau); default: the cached dev ptau. */
  ptau?: string;
  /** The published blake2b-512 hash of `ptau` (hex); a mismatch is `Model.PtauMismatch`. */
  ptauHash?: string;
  /** Directory of the dev ptau cache (default ~/.cache/modelproof/ptau). */
  ptauDir?: string;
  /** Skip the end-to-end check (one proof of the first calibration input). */
  skipSelfCheck?: boolean;
  progress?: Progress;
}

export interface ContributionRecord {
  name: string;
  /** snarkjs' contribution hash (hex), which the contributor publishes. */
  hash: string;
  at: string;
}

export interface CompileReport {
  format: 'modelproof/compile-report';
  version: 1;
  source: { file: string; sha256: string; producer: string; producerVersion: string; opset: number };
  ops: Record<string, number>;
  input: { name: string; shape: number[]; batched: boolean; scaleBits: number; rangeBits: number };
  output: { name: string; size: number; scaleBits: number };
  layers: { name: string; ops: string[]; inputs: number; outputs: number; relu: boolean; inputScaleBits: number; weightScaleBits: number; outputScaleBits: number; shiftBits: number; rangeBits: number; calibratedMaxAbs: number; constraints: number }[];
  postprocess: unknown;
  circuit: { constraints: number; nPublic: number; privateInputs: number; ptauPowerNeeded: number; publicSignals: string[] };
  expectedError: unknown;
  ptau: { file: string; power: number; source: string; blake2b512?: string };
  vk: { bytes: number; circuitId: string };
  setup: { contributions: ContributionRecord[] };
  selfCheck: { proved: boolean; proveSeconds?: number };
  timings: Record<string, number>;
  tools: { circom2: string; circomlib: string; snarkjs: string };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const seconds = (t0: number): number => Number(((performance.now() - t0) / 1000).toFixed(2));

const quiet = { debug() {}, info() {}, log() {}, warn() {}, error() {} };

async function toolVersions(): Promise<CompileReport['tools']> {
  const { createRequire } = await import('node:module');
  const { existsSync, readFileSync } = await import('node:fs');
  const require = createRequire(import.meta.url);
  const v = (pkg: string): string => {
    // snarkjs' "exports" hides its package.json: walk up from its entry point instead.
    let dir = path.dirname(require.resolve(pkg));
    for (;;) {
      const f = path.join(dir, 'package.json');
      if (existsSync(f)) {
        const json = JSON.parse(readFileSync(f, 'utf8')) as { name?: string; version?: string };
        if (json.name === pkg) return json.version ?? 'unknown';
      }
      const up = path.dirname(dir);
      if (up === dir) return 'unknown';
      dir = up;
    }
  };
  return { circom2: v('circom2'), circomlib: v('circomlib'), snarkjs: v('snarkjs') };
}

/** blake2_256 of the encoded verifying key: the chain's CircuitId. */
export function circuitIdOf(vk: Uint8Array): string {
  return `0x${hex(blake2b(vk, { dkLen: 32 }))}`;
}

/** Public-signal names in snarkjs' order for `nOut` outputs. */
export function publicSignalNames(nOut: number): string[] {
  return [...Array.from({ length: nOut }, (_, i) => `y_pub[${i}]`), 'out_commitment', 'job_id', 'input_hash', 'reveal'];
}

/** Compiles `onnxPath` with the calibration set at `calibrationPath` into `outDir`. */
export async function compileModel(onnxPath: string, calibrationPath: string, outDir: string, opts: CompileOptions = {}): Promise<CompileReport> {
  const say = opts.progress ?? (() => {});
  const tAll = performance.now();
  const timings: Record<string, number> = {};

  let t = performance.now();
  // A ceremony file is checked against its published hash before anything else.
  if (opts.ptau) {
    await ptauInfo(opts.ptau);
    if (opts.ptauHash) {
      say(`ptau: checking the blake2b-512 of ${opts.ptau}`);
      await checkPtauHash(opts.ptau, opts.ptauHash);
    }
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(onnxPath);
  } catch (e) {
    throw new ModelCompilerError('Model.MalformedOnnx', `cannot read ${onnxPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const graph = loadOnnx(new Uint8Array(bytes));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  say(`parsed ${path.basename(onnxPath)}: ${[graph.layers[0]!.inputs, ...graph.layers.map((l) => l.outputs)].join(' -> ')} (${graph.layers.map((l) => l.ops.join('+')).join(', ')})${graph.postprocess ? `; post-processing outside the proof: ${graph.postprocess.ops.join(', ')}` : ''}`);
  timings.parseSeconds = seconds(t);

  t = performance.now();
  const calibration = await readJson(calibrationPath);
  const model = quantize(graph, calibration, opts);
  model.source.sha256 = sha256;
  timings.quantizeSeconds = seconds(t);
  say(`quantized on ${model.calibration.samples} calibration inputs: input 2^${model.io.inputScaleBits} (${model.io.inputRangeBits} bits), ` +
    model.layers.map((l, i) => `layer ${i}: W 2^${l.weightScaleBits}, out 2^${l.outputScaleBits}, range ${l.rangeBits} bits`).join('; '));
  say(`expected error (calibration): max |Δ| ${Math.max(...model.expectedError.maxAbsError).toExponential(2)}, worst-case bound ${Math.max(...model.expectedError.worstCaseBound).toExponential(2)}, argmax agreement ${(model.expectedError.argmaxAgreement * 100).toFixed(1)}%`);

  await mkdir(outDir, { recursive: true });
  const work = path.join(outDir, '.build');
  await rm(work, { recursive: true, force: true });
  t = performance.now();
  const source = generateCircuit(model);
  say('compiling the circuit (circom2, --O2)');
  const compiled = await compileCircom(source, work, 'model');
  timings.circomSeconds = seconds(t);
  const info = await snarkjs.r1cs.info(compiled.r1cs, quiet);
  const power = requiredPower(info);
  say(`circuit: ${info.nConstraints} constraints, ${info.nOutputs + info.nPubInputs} public signals, ${info.nPrvInputs} private inputs; needs 2^${power} (${timings.circomSeconds} s)`);

  t = performance.now();
  const ptau = await resolvePtau(power, { ...(opts.ptau ? { explicit: opts.ptau } : {}), ...(opts.ptauHash ? { expectedBlake2b: opts.ptauHash } : {}), ...(opts.ptauDir ? { dir: opts.ptauDir } : {}), progress: say });
  timings.ptauSeconds = seconds(t);

  t = performance.now();
  say(`phase 2: zkey new on ${path.basename(ptau.file)} (2^${ptau.power}) + one dev contribution`);
  const zkey0 = path.join(work, 'model_0000.zkey');
  try {
    await snarkjs.zKey.newZKey(compiled.r1cs, ptau.file, zkey0, quiet);
  } catch (e) {
    throw new ModelCompilerError('Model.SetupFailed', `zkey new failed: ${(e as Error).message}`, { cause: e });
  }
  const zkeyFinal = path.join(work, 'model.zkey');
  const contribution = await snarkjs.zKey.contribute(zkey0, zkeyFinal, 'modelproof dev phase 2', randomBytes(32).toString('hex'), quiet);
  const vk = (await snarkjs.zKey.exportVerificationKey(zkeyFinal, quiet)) as unknown as SnarkjsVerificationKey;
  const vkBin = encodeVerifyingKey(vk);
  timings.phase2Seconds = seconds(t);

  // Move the artifacts into place.
  await writeFile(path.join(outDir, FILES.model), `${JSON.stringify(modelToJson(model), null, 1)}\n`);
  await writeFile(path.join(outDir, FILES.circuit), source);
  await copyFile(compiled.r1cs, path.join(outDir, FILES.r1cs));
  await copyFile(compiled.wasm, path.join(outDir, FILES.wasm));
  await rename(zkeyFinal, path.join(outDir, FILES.zkey));
  await writeFile(path.join(outDir, FILES.vkJson), `${JSON.stringify(vk, null, 1)}\n`);
  await writeFile(path.join(outDir, FILES.vkBin), vkBin);

  const report: CompileReport = {
    format: 'modelproof/compile-report',
    version: 1,
    source: { file: path.basename(onnxPath), sha256, producer: graph.producer.name, producerVersion: graph.producer.version, opset: graph.opset },
    ops: graph.opCounts,
    input: { name: graph.inputName, shape: graph.inputShape, batched: graph.batched, scaleBits: model.io.inputScaleBits, rangeBits: model.io.inputRangeBits },
    output: { name: graph.outputName, size: model.io.outputSize, scaleBits: model.io.outputScaleBits },
    layers: model.layers.map((l) => ({
      name: l.name, ops: l.ops, inputs: l.inputs, outputs: l.outputs, relu: l.relu,
      inputScaleBits: l.inputScaleBits, weightScaleBits: l.weightScaleBits, outputScaleBits: l.outputScaleBits,
      shiftBits: l.shiftBits, rangeBits: l.rangeBits, calibratedMaxAbs: l.calibratedMaxAbs,
      // Num2Bits(K) + Num2Bits(B) per neuron, + 1 for ReLU (the rescale equation itself is linear and folded by --O2).
      constraints: l.outputs * (l.shiftBits + l.rangeBits + (l.relu ? 1 : 0)),
    })),
    postprocess: model.postprocess,
    circuit: { constraints: info.nConstraints, nPublic: Number(vk.nPublic), privateInputs: info.nPrvInputs, ptauPowerNeeded: power, publicSignals: publicSignalNames(model.io.outputSize) },
    expectedError: model.expectedError,
    ptau: { file: ptau.source === 'file' ? ptau.file : path.basename(ptau.file), power: ptau.power, source: ptau.source, ...(ptau.blake2b512 ? { blake2b512: ptau.blake2b512 } : {}) },
    vk: { bytes: vkBin.length, circuitId: circuitIdOf(vkBin) },
    setup: { contributions: [{ name: 'modelproof dev phase 2', hash: hex(contribution), at: new Date().toISOString() }] },
    selfCheck: { proved: false },
    timings,
    tools: await toolVersions(),
  };

  if (!opts.skipSelfCheck) {
    t = performance.now();
    say('self-check: proving the first calibration input');
    const first = (calibration as unknown[])[0];
    const r = await prove(outDir, first, { jobId: 0n });
    report.selfCheck = { proved: true, proveSeconds: Number((r.proveMs / 1000).toFixed(2)) };
    timings.selfCheckSeconds = seconds(t);
  }
  await rm(work, { recursive: true, force: true });
  timings.totalSeconds = seconds(tAll);
  await writeFile(path.join(outDir, FILES.report), `${JSON.stringify(report, null, 2)}\n`);
  say(`wrote ${outDir}: n_public = ${vk.nPublic}, circuit id ${report.vk.circuitId}, ${timings.totalSeconds} s`);
  return report;
}

async function readReport(dir: string): Promise<CompileReport> {
  return (await readJson(path.join(dir, FILES.report), 'Model.InvalidModelDir')) as CompileReport;
}

/**
 * A phase-2 contribution to `dir/model.zkey` (entropy from the OS unless given). The previous
 * zkey is kept in `dir/zkey-history/`; verification_key.json, vk.bin and report.json are
 * refreshed. Returns the contribution hash to publish.
 */
export async function contribute(dir: string, name: string, options: { entropy?: string; progress?: Progress } = {}): Promise<ContributionRecord & { circuitId: string }> {
  if (!name || typeof name !== 'string') throw new ModelCompilerError('Model.Usage', 'a contribution needs a --name');
  await loadModel(dir); // a model directory
  const report = await readReport(dir);
  const zkey = path.join(dir, FILES.zkey);
  const history = path.join(dir, FILES.history);
  await mkdir(history, { recursive: true });
  const n = report.setup.contributions.length;
  const previous = path.join(history, `model_${String(n).padStart(4, '0')}.zkey`);
  await copyFile(zkey, previous);
  const next = `${zkey}.next`;
  options.progress?.(`contributing to ${zkey} as "${name}" (previous key kept as ${path.relative(dir, previous)})`);
  const hash = await snarkjs.zKey.contribute(previous, next, name, options.entropy ?? randomBytes(32).toString('hex'), quiet);
  await rename(next, zkey);
  const vk = (await snarkjs.zKey.exportVerificationKey(zkey, quiet)) as unknown as SnarkjsVerificationKey;
  const vkBin = encodeVerifyingKey(vk);
  await writeFile(path.join(dir, FILES.vkJson), `${JSON.stringify(vk, null, 1)}\n`);
  await writeFile(path.join(dir, FILES.vkBin), vkBin);
  const record = { name, hash: hex(hash), at: new Date().toISOString() };
  report.setup.contributions.push(record);
  report.vk = { bytes: vkBin.length, circuitId: circuitIdOf(vkBin) };
  await writeFile(path.join(dir, FILES.report), `${JSON.stringify(report, null, 2)}\n`);
  return { ...record, circuitId: report.vk.circuitId };
}

/** snarkjs `zkey verify`: the model's zkey against its r1cs and the phase-1 file. */
export async function verifySetup(dir: string, ptau: string): Promise<boolean> {
  await ptauInfo(ptau);
  const ok = await snarkjs.zKey.verifyFromR1cs(path.join(dir, FILES.r1cs), ptau, path.join(dir, FILES.zkey), quiet);
  return ok === true;
}
