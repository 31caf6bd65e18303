/**
 * Groth16 proving with snarkjs (GPL-3.0; the worker's only GPL dependency, never bundled into
 * the SDK) and the local check with the SDK's verifier — the same algorithm the runtime runs.
 *
 * A process that used snarkjs keeps worker threads alive until
 * `await globalThis.curve_bn128?.terminate()` ({@link terminateProver}).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { type SnarkjsProofJson, fieldToHex, proofFromSnarkjs, verifyGroth16 } from '@modelproof/sdk/zk';
import { u8aToHex } from '@polkadot/util';
import * as snarkjs from 'snarkjs';
import type { ModelArtifacts } from './artifacts.js';
import { ZkJobError } from './errors.js';

export interface ProveParams {
  circuit: Pick<ModelArtifacts, 'circuitId' | 'wasm' | 'zkey' | 'vk' | 'nPublic'>;
  /** Witness input: `x`, `in_salt`, `out_salt`, `job_id`, `input_hash`, `reveal` (see the model compiler's circuit interface). */
  input: Record<string, unknown>;
}

export interface ProveResult {
  /** The `y_pub` signals as 0x-hex H256 field elements (the outputs when revealed, zeros otherwise). */
  output: `0x${string}`[];
  /** The `out_commitment` signal, `H(y ‖ out_salt)`, 0x-hex. */
  outputCommitment: `0x${string}`;
  /** The 256-byte proof, 0x-hex. */
  proof: `0x${string}`;
  /** All public signals in the chain's order (y_pub…, out_commitment, job_id, input_hash, reveal). */
  publicSignals: bigint[];
  /** Wall time of witness generation + proving, in ms. */
  proveMs: number;
}

/**
 * Computes the witness and a Groth16 proof, encodes it for the chain and verifies it locally.
 * Errors (all permanent): `Zk.WitnessFailed` when the circuit rejects the input (a wrong input
 * hash, a value out of the calibrated range), `Zk.LocalVerificationFailed` when the proof does
 * not verify with the SDK's verifier.
 */
export async function prove({ circuit, input }: ProveParams): Promise<ProveResult> {
  const t0 = performance.now();
  let result: Awaited<ReturnType<typeof snarkjs.groth16.fullProve>>;
  try {
    result = await snarkjs.groth16.fullProve(input, circuit.wasm, circuit.zkey);
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new ZkJobError('Zk.WitnessFailed', `circuit ${circuit.circuitId} rejected the witness: ${why}`, { cause: e });
  }
  const proveMs = performance.now() - t0;
  let proofBytes: Uint8Array;
  try {
    proofBytes = proofFromSnarkjs(result.proof as SnarkjsProofJson);
  } catch (e) {
    throw new ZkJobError('Zk.LocalVerificationFailed', `the ${circuit.circuitId} proof cannot be encoded: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const publicSignals = result.publicSignals.map((s) => BigInt(s));
  if (publicSignals.length !== circuit.nPublic) {
    throw new ZkJobError('Zk.LocalVerificationFailed', `circuit ${circuit.circuitId} produced ${publicSignals.length} public signals, its key has ${circuit.nPublic}`);
  }
  let ok: boolean;
  try {
    ok = verifyGroth16(circuit.vk, proofBytes, publicSignals);
  } catch (e) {
    throw new ZkJobError('Zk.LocalVerificationFailed', `local verification of the ${circuit.circuitId} proof failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!ok) throw new ZkJobError('Zk.LocalVerificationFailed', `the ${circuit.circuitId} proof does not verify locally`);
  const nOutputs = circuit.nPublic - 4;
  return {
    output: publicSignals.slice(0, nOutputs).map((s) => fieldToHex(s)),
    outputCommitment: fieldToHex(publicSignals[nOutputs]!),
    proof: u8aToHex(proofBytes) as `0x${string}`,
    publicSignals,
    proveMs,
  };
}

/**
 * The circuit's outputs `y` for a witness input, computed by the witness generator with
 * `reveal = 1` (so `y_pub = y`): what a worker seals to the consumer for committed outputs, whose
 * proof (with `reveal = 0`) publishes only their commitment. Errors: `Zk.WitnessFailed`.
 */
export async function computeOutputs(circuit: Pick<ModelArtifacts, 'circuitId' | 'wasm' | 'nPublic'>, input: Record<string, unknown>): Promise<bigint[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'modelproof-wtns-'));
  const file = path.join(dir, 'witness.wtns');
  try {
    await snarkjs.wtns.calculate({ ...input, reveal: '1' }, circuit.wasm, file);
    const witness = await snarkjs.wtns.exportJson(file);
    // Witness layout: [1, outputs (y_pub…, out_commitment), public inputs, …].
    return witness.slice(1, 1 + circuit.nPublic - 4).map((v) => BigInt(v));
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new ZkJobError('Zk.WitnessFailed', `circuit ${circuit.circuitId} rejected the witness: ${why}`, { cause: e });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Stops snarkjs' curve worker threads (call once when the process is done proving). */
export async function terminateProver(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
  await g.curve_bn128?.terminate();
}
