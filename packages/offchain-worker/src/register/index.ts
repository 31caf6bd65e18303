/**
 * Publishing the worker's X25519 key on chain (`ComputeJobs.register_worker`), idempotently:
 * a worker already registered with the same key is left alone; one registered with another
 * key is an error (deregister first, so grants wrapped to the old key are not silently lost).
 */
import { getWorker, type ModelproofClient, ModelproofError, registerWorker } from '@modelproof/sdk';
import { u8aToHex } from '@polkadot/util';

export interface EnsureRegisteredOptions {
  /** The worker's X25519 public key (32 bytes). */
  encryptionKey: Uint8Array;
  /** Wait for inclusion in a block (default) or for finality. */
  wait?: 'inBlock' | 'finalized';
  timeoutMs?: number;
}

export type RegistrationResult =
  | { status: 'registered'; address: string; encryptionKey: string; txHash: string; blockHash: string; blockNumber: number; fee: bigint }
  | { status: 'already-registered'; address: string; encryptionKey: string; registeredAt: number };

/**
 * Registers the client's signer as a worker with `encryptionKey` unless it already is.
 * Throws `Worker.KeyMismatch` if the account is registered with a different key, and the
 * SDK's errors otherwise (e.g. `ComputeJobs.InsufficientBalance` when the bond cannot be held).
 */
export async function ensureRegistered(client: ModelproofClient, options: EnsureRegisteredOptions): Promise<RegistrationResult> {
  const address = client.address;
  if (address === undefined) throw new ModelproofError('Client.NoSigner', 'the client has no signer to register');
  const encryptionKey = u8aToHex(options.encryptionKey);
  const existing = await getWorker(client, address);
  if (existing !== null) {
    if (existing.encryptionKey.toLowerCase() === encryptionKey) {
      return { status: 'already-registered', address, encryptionKey, registeredAt: existing.registeredAt };
    }
    throw new ModelproofError(
      'Worker.KeyMismatch',
      `${address} is registered with another encryption key (${existing.encryptionKey}); ` +
        'deregister it first (grants wrapped to the old key will no longer be usable)',
    );
  }
  const receipt = await registerWorker(
    client,
    { encryptionKey: options.encryptionKey },
    { wait: options.wait ?? 'inBlock', ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) },
  );
  return {
    status: 'registered',
    address,
    encryptionKey,
    txHash: receipt.txHash,
    blockHash: receipt.blockHash,
    blockNumber: receipt.blockNumber,
    fee: receipt.fee,
  };
}
