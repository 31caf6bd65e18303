/**
 * Groth16 proving with snarkjs (GPL-3.0; the worker's only GPL dependency, never bundled into
 * the SDK) and the local check with the SDK's verifier — the same algorithm the runtime runs.
 *
 * A process that used snarkjs keeps worker threads alive until
 * `await globalThis.curve_bn128?.terminate()` ({@link terminateProver}).
 */
import { fieldToHex, verifyGroth16 } from '@modelproof/sdk/zk';
import * as snarkjs from 'snarkjs';
import type { CircuitArtifacts } from './circuits.js';
import { encodeProof, toHex } from './encoding.js';
import { ZkJobError } from './errors.js';

export interface ProveParams {
  circuit: Pick<CircuitArtifacts, 'name' | 'wasm' | 'zkey' | 'vk' | 'nPublic'>;
  /** Witness input (see `circuitInput`). */
  input: Record<string, unknown>;
}

export interface ProveResult {
  /** The circuit's outputs as 0x-hex H256 field elements (the `output` of `submit_inference_result`). */
  output: `0x${string}`[];
  /** The 256-byte proof, 0x-hex. */
  proof: `0x${string}`;
  /** All public signals in the chain's order (outputs, job_id, zk_commitment, input_hash). */
  publicSignals: bigint[];
  /** Wall time of witness generation + proving, in ms. */
  proveMs: number;
}

/**
 * Computes the witness and a Groth16 proof, encodes it for the chain and verifies it locally.
 * Errors (all permanent): `Zk.WitnessFailed` when the circuit rejects the input (a wrong
 * commitment or input hash, a value out of range), `Zk.LocalVerificationFailed` when the proof does
 * not verify with the SDK's verifier.
 */
export async function prove({ circuit, input }: ProveParams): Promise<ProveResult> {
  const t0 = performance.now();
  let result: Awaited<ReturnType<typeof snarkjs.groth16.fullProve>>;
  try {
    result = await snarkjs.groth16.fullProve(input, circuit.wasm, circuit.zkey);
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new ZkJobError('Zk.WitnessFailed', `circuit ${circuit.name} rejected the witness: ${why}`, { cause: e });
  }
  const proveMs = performance.now() - t0;
  const proofBytes = encodeProof(result.proof);
  const publicSignals = result.publicSignals.map((s) => BigInt(s));
  if (publicSignals.length !== circuit.nPublic) {
    throw new ZkJobError('Zk.LocalVerificationFailed', `circuit ${circuit.name} produced ${publicSignals.length} public signals, its key has ${circuit.nPublic}`);
  }
  let ok: boolean;
  try {
    ok = verifyGroth16(circuit.vk, proofBytes, publicSignals);
  } catch (e) {
    throw new ZkJobError('Zk.LocalVerificationFailed', `local verification of the ${circuit.name} proof failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!ok) throw new ZkJobError('Zk.LocalVerificationFailed', `the ${circuit.name} proof does not verify locally`);
  return {
    output: publicSignals.slice(0, circuit.nPublic - 3).map((s) => fieldToHex(s)),
    proof: toHex(proofBytes),
    publicSignals,
    proveMs,
  };
}

/** Stops snarkjs' curve worker threads (call once when the process is done proving). */
export async function terminateProver(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
  await g.curve_bn128?.terminate();
}
