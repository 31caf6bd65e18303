/**
 * Joining and leaving: publishing the worker's X25519 key on chain (`ComputeJobs.register_worker`),
 * idempotently — a worker already registered with the same key is left alone; one registered with
 * another key is an error (deregister first, so grants wrapped to the old key are not silently
 * lost) — and deregistering, which gives back what the worker holds first, so the bond is released
 * at once instead of at the farthest deadline of its claims.
 */
import {
  batch,
  deregisterWorkerCall,
  expireJobCall,
  getJob,
  getWorker,
  handBackJobCall,
  type Job,
  type ModelproofClient,
  ModelproofError,
  registerWorker,
} from '@modelproof/sdk';
import { u8aToHex } from '@polkadot/util';

import { FINISHED_STATUSES, nextBlock, sameAccount } from '../protocol/index.js';

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

export interface DeregisterOptions {
  /** Wait for inclusion in a block (default) or for finality. */
  wait?: 'inBlock' | 'finalized';
  timeoutMs?: number;
}

export type DeregistrationResult =
  | {
      status: 'deregistered';
      address: string;
      /** The bond released. */
      bond: bigint;
      /** Claims given back first (`hand_back_job`, reason `Withdrawn`, no slash). */
      handedBack: string[];
      /** Claims past their deadline, ended with `expire_job` first. */
      expired: string[];
      txHash: string;
      blockNumber: number;
    }
  | { status: 'not-registered'; address: string };

/**
 * Deregisters the client's signer. Every claim it holds is given back in the same transaction
 * (`Utility.batch_all`: all of it, or nothing): an inference claim or a candidacy for a committee
 * not drawn yet is handed back (`Withdrawn`, no slash), one past its deadline is expired; then
 * `deregister_worker` releases the bond. A committee seat cannot be given back: with one open
 * nothing is sent and `Worker.SeatsOpen` names the jobs and their deadlines (deregister once they
 * ended). Stop the daemon first, or it may claim again.
 */
export async function deregister(client: ModelproofClient, options: DeregisterOptions = {}): Promise<DeregistrationResult> {
  const address = client.address;
  if (address === undefined) throw new ModelproofError('Client.NoSigner', 'the client has no signer to deregister');
  if ((await getWorker(client, address)) === null) return { status: 'not-registered', address };
  const submitOptions = { wait: options.wait ?? 'inBlock', ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) } as const;
  const claims = await claimsOf(client, address);
  const seats = claims.filter((job) => job.kind.type === 'Aggregation' && job.kind.committee.some((m) => sameAccount(m, address)));
  if (seats.length > 0) {
    throw new ModelproofError(
      'Worker.SeatsOpen',
      `${address} sits on the committee of ${seats.map((j) => `job ${j.id} (deadline block ${j.deadline})`).join(', ')}: ` +
        'a seat cannot be handed back; deregister once those jobs ended',
    );
  }
  const next = await nextBlock(client);
  const pastDeadline = claims.filter((job) => next > job.deadline);
  const current = claims.filter((job) => next <= job.deadline);
  const receipt = await batch(
    client,
    [
      ...pastDeadline.map((job) => expireJobCall(client, { jobId: job.id })),
      ...current.map((job) => handBackJobCall(client, { jobId: job.id, reason: 'Withdrawn' })),
      deregisterWorkerCall(client),
    ],
    submitOptions,
  );
  const deregistered = receipt.events.find((e) => e.section === 'ComputeJobs' && e.method === 'WorkerDeregistered');
  return {
    status: 'deregistered',
    address,
    bond: BigInt(deregistered?.data['bond'] as bigint | string),
    handedBack: current.map((job) => String(job.id)),
    expired: pastDeadline.map((job) => String(job.id)),
    txHash: receipt.txHash,
    blockNumber: receipt.blockNumber,
  };
}

/** The unfinished jobs `address` holds a claim on. The chain keeps no index by worker: every job is read. */
async function claimsOf(client: ModelproofClient, address: string): Promise<Job[]> {
  const keys = (await client.api.query['computeJobs']!['jobs']!.keys()) as unknown as Array<{ args: [{ toString(): string }] }>;
  const jobs = await Promise.all(keys.map((key) => getJob(client, BigInt(key.args[0].toString()))));
  const mine = (account: string | null): boolean => sameAccount(account, address);
  return jobs.filter(
    (job): job is Job =>
      job !== null &&
      !FINISHED_STATUSES.has(job.status) &&
      (job.kind.type === 'Inference' ? mine(job.kind.worker) : job.kind.candidates.some(mine) || job.kind.committee.some(mine)),
  );
}
