/**
 * Proving and verifying inferences of a compiled model directory.
 *
 * The prover runs the bit-exact integer evaluator first ({@link runQuantized}), so an input
 * outside the calibrated ranges fails with `Model.InputOutOfRange` / `Model.ActivationOutOfRange`
 * before snarkjs is called; then computes the witness and the Groth16 proof, checks the public
 * signals against the evaluator's, and verifies the proof (snarkjs and the SDK's verifier, which
 * is the runtime's algorithm).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { poseidonVector, verifyGroth16 } from '@modelproof/sdk/zk';
import * as snarkjs from 'snarkjs';

import { encodeProof, encodeVerifyingKey, type SnarkjsProof } from './encoding.js';
import { ModelCompilerError } from './errors.js';
import { BN254_R, toField } from './io.js';
import { FILES, loadModel, loadVk } from './modeldir.js';
import { argmax, softmax } from './onnx.js';
import { runQuantized, type QuantizedModel } from './quantize.js';

export type FieldInput = bigint | number | string;

export interface ProveOptions {
  /** The chain's job id (u64; any field element is accepted). Default 0. */
  jobId?: FieldInput;
  /** Salt of `input_hash` (field element). Default: random. */
  inSalt?: FieldInput;
  /** Salt of `out_commitment` (field element). Default: random. */
  outSalt?: FieldInput;
  /** true: outputs public (`y_pub = y`); false: only the commitment (`y_pub = 0`). Default true. */
  reveal?: boolean;
}

export interface ProveResult {
  proof: SnarkjsProof;
  /** snarkjs publicSignals: y_pub[0..N_OUT), out_commitment, job_id, input_hash, reveal. */
  publicSignals: string[];
  /** The 256-byte chain encoding of the proof. */
  proofBytes: Uint8Array;
  /** The quantized inputs and outputs (signed integers). */
  x: bigint[];
  y: bigint[];
  /** y as real numbers (output scale). */
  outputs: number[];
  jobId: bigint;
  inSalt: bigint;
  outSalt: bigint;
  inputHash: bigint;
  outCommitment: bigint;
  reveal: boolean;
  proveMs: number;
}

/** A uniformly random field element. */
export function randomFieldElement(): bigint {
  for (;;) {
    const b = randomBytes(32);
    b[0]! &= 0x3f; // 254 bits
    const v = BigInt(`0x${b.toString('hex')}`);
    if (v < BN254_R) return v;
  }
}

/** A field element from a bigint, a safe integer or a decimal / 0x-hex string; `Model.Usage` otherwise. */
export function parseFieldInput(v: FieldInput, what: string): bigint {
  let n: bigint;
  try {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new Error('unsafe');
    if (typeof v === 'string' && !/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v)) throw new Error('format');
    n = BigInt(v);
  } catch {
    throw new ModelCompilerError('Model.Usage', `${what} must be a non-negative integer (decimal or 0x-hex), got ${String(v)}`);
  }
  if (n < 0n || n >= BN254_R) throw new ModelCompilerError('Model.Usage', `${what} must be a field element (0 ≤ v < r)`);
  return n;
}

/** H(x ‖ in_salt), the job's input hash, for quantized inputs `x`. */
export function inputHashOf(x: readonly bigint[], inSalt: bigint): bigint {
  return poseidonVector([...x.map(toField), inSalt]);
}

/** H(y ‖ out_salt), the output commitment, for quantized outputs `y`. */
export function outputCommitmentOf(y: readonly bigint[], outSalt: bigint): bigint {
  return poseidonVector([...y.map(toField), outSalt]);
}

/** The witness input of the circuit. */
export function circuitInput(x: readonly bigint[], p: { jobId: bigint; inputHash: bigint; reveal: boolean; inSalt: bigint; outSalt: bigint }): Record<string, unknown> {
  return {
    job_id: p.jobId.toString(),
    input_hash: p.inputHash.toString(),
    reveal: p.reveal ? '1' : '0',
    x: x.map((v) => toField(v).toString()),
    in_salt: p.inSalt.toString(),
    out_salt: p.outSalt.toString(),
  };
}

/** Post-processing of outputs (outside the proof): softmax probabilities and the label, when the model names them. */
export function postprocessOutputs(model: Pick<QuantizedModel, 'postprocess'>, outputs: readonly number[]): { label?: string | number; class?: number; probabilities?: number[] } {
  const pp = model.postprocess;
  if (!pp) return {};
  const out: { label?: string | number; class?: number; probabilities?: number[] } = {};
  if (pp.softmax) out.probabilities = softmax(outputs);
  if (pp.argmax || pp.labels) {
    const k = argmax(outputs);
    out.class = k;
    out.label = pp.labels ? pp.labels[k]! : k;
  }
  return out;
}

/** Proves one inference of the model in `dir` and verifies the proof before returning it. */
export async function prove(dir: string, input: unknown, options: ProveOptions = {}): Promise<ProveResult> {
  const model = await loadModel(dir);
  const vk = await loadVk(dir);
  const run = runQuantized(model, input);
  const jobId = parseFieldInput(options.jobId ?? 0n, 'job id');
  const inSalt = options.inSalt === undefined ? randomFieldElement() : parseFieldInput(options.inSalt, 'in_salt');
  const outSalt = options.outSalt === undefined ? randomFieldElement() : parseFieldInput(options.outSalt, 'out_salt');
  const reveal = options.reveal ?? true;
  const inputHash = inputHashOf(run.inputs, inSalt);
  const outCommitment = outputCommitmentOf(run.outputs, outSalt);
  const t0 = performance.now();
  let result: { proof: SnarkjsProof; publicSignals: string[] };
  try {
    result = (await snarkjs.groth16.fullProve(circuitInput(run.inputs, { jobId, inputHash, reveal, inSalt, outSalt }), path.join(dir, FILES.wasm), path.join(dir, FILES.zkey))) as typeof result;
  } catch (e) {
    if (e instanceof ModelCompilerError) throw e;
    throw new ModelCompilerError('Model.ProofFailed', `witness or proof generation failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, { cause: e });
  }
  const proveMs = performance.now() - t0;
  const expected = [
    ...run.outputs.map((v) => (reveal ? toField(v) : 0n)),
    outCommitment,
    jobId,
    inputHash,
    reveal ? 1n : 0n,
  ].map(String);
  if (JSON.stringify(result.publicSignals) !== JSON.stringify(expected)) {
    throw new ModelCompilerError('Model.ProofFailed', 'the circuit\'s public signals differ from the quantized evaluator\'s (a compiler bug: please report it)', { details: { publicSignals: result.publicSignals, expected } });
  }
  const ok = await verifyProof(vk, result.proof, result.publicSignals);
  if (!ok) throw new ModelCompilerError('Model.ProofFailed', 'the fresh proof does not verify');
  return {
    proof: result.proof,
    publicSignals: result.publicSignals,
    proofBytes: encodeProof(result.proof),
    x: run.inputs,
    y: run.outputs,
    outputs: run.decoded,
    jobId, inSalt, outSalt, inputHash, outCommitment, reveal, proveMs,
  };
}

async function verifyProof(vk: Awaited<ReturnType<typeof loadVk>>, proof: SnarkjsProof, publicSignals: string[]): Promise<boolean> {
  const n = Number(vk.nPublic);
  if (!Array.isArray(publicSignals) || publicSignals.length !== n) return false;
  if (!publicSignals.every((s) => typeof s === 'string' && /^[0-9]+$/.test(s) && BigInt(s) < BN254_R)) return false;
  let proofBytes: Uint8Array;
  try {
    proofBytes = encodeProof(proof);
  } catch {
    return false;
  }
  // snarkjs, and the SDK's verifier (the runtime's algorithm on the chain's encodings).
  const snark = await snarkjs.groth16.verify(vk, publicSignals, proof as snarkjs.SnarkjsProof);
  let chain = false;
  try {
    chain = verifyGroth16(encodeVerifyingKey(vk), proofBytes, publicSignals.map((s) => BigInt(s)));
  } catch {
    chain = false;
  }
  return snark && chain;
}

/**
 * Verifies a proof against the model in `dir` (snarkjs and the chain's algorithm). Returns
 * false for a proof that does not verify or is malformed.
 */
export async function verify(dir: string, proof: unknown, publicSignals: unknown): Promise<boolean> {
  const vk = await loadVk(dir);
  if (!proof || typeof proof !== 'object' || !Array.isArray(publicSignals)) return false;
  try {
    return await verifyProof(vk, proof as SnarkjsProof, publicSignals as string[]);
  } catch {
    return false;
  }
}

/** The verifying key of a model directory in the chain's encoding. */
export async function vkBytes(dir: string): Promise<Uint8Array> {
  return encodeVerifyingKey(await loadVk(dir));
}

export { argmax };
