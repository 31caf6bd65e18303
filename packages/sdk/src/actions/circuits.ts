/** `ComputeJobs` Groth16 circuit registration. */
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { blake2AsHex } from '@polkadot/util-crypto';

import type { ModelproofClient } from '../client/client.js';
import { ClientError } from '../errors.js';
import type { Hex } from '../tx/decode.js';
import { type Receipt, type SubmitOptions, submit } from '../tx/submit.js';
import { buildCall, constU32, eventField, h256, rawBytes } from './params.js';
import { type QueryOptions, readStorage } from './query.js';

const PALLET = 'ComputeJobs';

/** A registered Groth16 circuit. */
export interface Circuit {
  /** `blake2_256` of the verifying key bytes. */
  id: Hex;
  /** Verifying key in the chain's encoding (see runtime-spec/GROTH16.md). */
  vk: Uint8Array;
  /** Number of public inputs (outputs + 3). */
  nPublic: number;
  owner: string;
  deposit: bigint;
}

export interface RegisterCircuitParams {
  /** Verifying key bytes: alpha ‖ beta ‖ gamma ‖ delta ‖ IC[0..=nPublic] (runtime-spec/GROTH16.md). */
  vk: Uint8Array;
}

/** The id a verifying key gets on chain: `blake2_256(vk)`. */
export function circuitIdOf(vk: Uint8Array): Hex {
  return blake2AsHex(vk, 256) as Hex;
}

export function registerCircuitCall(client: ModelproofClient, params: RegisterCircuitParams): SubmittableExtrinsic<'promise'> {
  const vk = rawBytes(params.vk, 'vk');
  const max = constU32(client.api, PALLET, 'MaxVkLen');
  if (max !== undefined && vk.length > max) throw new ClientError('Client.InvalidParams', `vk is ${vk.length} bytes, at most ${max} allowed`);
  return buildCall(client, PALLET, 'register_circuit', [vk]);
}

/** Registers a verifying key (validated on chain; the circuit deposit is held); resolves with its id. */
export async function registerCircuit(
  client: ModelproofClient,
  params: RegisterCircuitParams,
  options?: SubmitOptions,
): Promise<Receipt<{ circuitId: Hex; nPublic: number }>> {
  return submit(client, registerCircuitCall(client, params), options, (events) => ({
    circuitId: eventField<Hex>(events, PALLET, 'CircuitRegistered', 'circuitId'),
    nPublic: eventField<number>(events, PALLET, 'CircuitRegistered', 'nPublic'),
  }));
}

/** The circuit with this id, or `null`. */
export async function getCircuit(client: ModelproofClient, circuitId: Hex | Uint8Array, options?: QueryOptions): Promise<Circuit | null> {
  const id = h256(circuitId, 'circuitId');
  const raw = (await readStorage(client, PALLET, 'Circuits', [id], options)) as Record<string, unknown> | null;
  if (raw === null) return null;
  return {
    id,
    vk: raw['vk'] as Uint8Array,
    nPublic: raw['nPublic'] as number,
    owner: raw['owner'] as string,
    deposit: raw['deposit'] as bigint,
  };
}
