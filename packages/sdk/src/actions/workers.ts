/** `ComputeJobs` worker registration. */
import type { SubmittableExtrinsic } from '@polkadot/api/types';

import type { ModelproofClient } from '../client/client.js';
import type { Hex } from '../tx/decode.js';
import { type Receipt, type SubmitOptions, submit } from '../tx/submit.js';
import { account, buildCall, eventField, h256 } from './params.js';
import { type QueryOptions, readStorage } from './query.js';

const PALLET = 'ComputeJobs';

/** A registered worker. */
export interface Worker {
  account: string;
  /** X25519 public key: model owners wrap content keys to it, SMPC participants encrypt shares to it. */
  encryptionKey: Hex;
  /** Bond currently held (less after slashes). */
  bond: bigint;
  openJobs: number;
  registeredAt: number;
}

export interface RegisterWorkerParams {
  /** The worker's X25519 public key (32 bytes or `0x` hex). */
  encryptionKey: Hex | Uint8Array;
}

export function registerWorkerCall(client: ModelproofClient, params: RegisterWorkerParams): SubmittableExtrinsic<'promise'> {
  return buildCall(client, PALLET, 'register_worker', [h256(params.encryptionKey, 'encryptionKey')]);
}

/** Registers the signer as a worker: the worker bond is held and the X25519 key published. */
export async function registerWorker(client: ModelproofClient, params: RegisterWorkerParams, options?: SubmitOptions): Promise<Receipt> {
  return submit(client, registerWorkerCall(client, params), options);
}

export function deregisterWorkerCall(client: ModelproofClient): SubmittableExtrinsic<'promise'> {
  return buildCall(client, PALLET, 'deregister_worker', []);
}

/** Deregisters the signer (no open jobs allowed); resolves with the bond released. */
export async function deregisterWorker(client: ModelproofClient, options?: SubmitOptions): Promise<Receipt<{ bond: bigint }>> {
  return submit(client, deregisterWorkerCall(client), options, (events) => ({
    bond: eventField<bigint>(events, PALLET, 'WorkerDeregistered', 'bond'),
  }));
}

/** The worker registered under this account, or `null`. */
export async function getWorker(client: ModelproofClient, who: string | Uint8Array, options?: QueryOptions): Promise<Worker | null> {
  const key = account(who, 'account');
  const raw = (await readStorage(client, PALLET, 'Workers', [key], options)) as Record<string, unknown> | null;
  if (raw === null) return null;
  return {
    account: typeof key === 'string' ? key : client.api.registry.createType('AccountId32', key).toString(),
    encryptionKey: raw['encryptionKey'] as Hex,
    bond: raw['bond'] as bigint,
    openJobs: raw['openJobs'] as number,
    registeredAt: raw['registeredAt'] as number,
  };
}
