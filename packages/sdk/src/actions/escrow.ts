/** `Escrow` actions: open, release, refund, dispute and resolve escrows. */
import type { SubmittableExtrinsic } from '@polkadot/api/types';

import type { ModelproofClient } from '../client/client.js';
import { type Receipt, type SubmitOptions, submit } from '../tx/submit.js';
import { account, balance, buildCall, eventField, optional, perbill, u32, u64 } from './params.js';
import { type QueryOptions, readStorage } from './query.js';

const PALLET = 'Escrow';

/** An open (or disputed) escrow. Closed escrows are removed from chain state. */
export interface Escrow {
  id: bigint;
  payer: string;
  payee: string;
  amount: bigint;
  /** Block number after which anyone may refund it to the payer. */
  deadline: number;
  arbiter: string | null;
  status: 'Open' | 'Disputed';
  /** Created by another pallet (e.g. for a compute job); the escrow calls cannot touch it. */
  managed: boolean;
  createdAt: number;
  /** Storage deposit held on the payer until the escrow closes (zero for managed escrows). */
  deposit: bigint;
}

export interface CreateEscrowParams {
  payee: string | Uint8Array;
  amount: bigint | number | string;
  /** Block number; must be in the future. */
  deadline: number;
  /** Who resolves a dispute; Root when absent. */
  arbiter?: string | Uint8Array | null;
}

export function createEscrowCall(client: ModelproofClient, params: CreateEscrowParams): SubmittableExtrinsic<'promise'> {
  return buildCall(client, PALLET, 'create', [
    account(params.payee, 'payee'),
    balance(params.amount, 'amount'),
    u32(params.deadline, 'deadline'),
    optional(params.arbiter, (v) => account(v, 'arbiter')),
  ]);
}

/** Opens an escrow paying `amount` to `payee`, held on the signer meanwhile; resolves with its id. */
export async function createEscrow(
  client: ModelproofClient,
  params: CreateEscrowParams,
  options?: SubmitOptions,
): Promise<Receipt<{ escrowId: bigint }>> {
  return submit(client, createEscrowCall(client, params), options, (events) => ({
    escrowId: eventField<bigint>(events, PALLET, 'EscrowCreated', 'escrowId'),
  }));
}

export interface EscrowIdParams {
  escrowId: bigint | number;
}

const byId = (call: string) => (client: ModelproofClient, params: EscrowIdParams): SubmittableExtrinsic<'promise'> =>
  buildCall(client, PALLET, call, [u64(params.escrowId, 'escrowId')]);

export const releaseEscrowCall = byId('release');
export const refundEscrowCall = byId('refund');
export const disputeEscrowCall = byId('dispute');

/** Pays an open escrow to its payee (payer only). */
export async function releaseEscrow(client: ModelproofClient, params: EscrowIdParams, options?: SubmitOptions): Promise<Receipt> {
  return submit(client, releaseEscrowCall(client, params), options);
}

/** Returns an escrow to its payer (the payee any time; anyone after the deadline). */
export async function refundEscrow(client: ModelproofClient, params: EscrowIdParams, options?: SubmitOptions): Promise<Receipt> {
  return submit(client, refundEscrowCall(client, params), options);
}

/** Disputes an open escrow (payer or payee). */
export async function disputeEscrow(client: ModelproofClient, params: EscrowIdParams, options?: SubmitOptions): Promise<Receipt> {
  return submit(client, disputeEscrowCall(client, params), options);
}

export interface ResolveEscrowParams extends EscrowIdParams {
  /** Share paid to the payee in parts per billion (0 … 1 000 000 000); the rest goes back to the payer. */
  payeeShare: number;
}

export function resolveEscrowCall(client: ModelproofClient, params: ResolveEscrowParams): SubmittableExtrinsic<'promise'> {
  return buildCall(client, PALLET, 'resolve', [u64(params.escrowId, 'escrowId'), perbill(params.payeeShare, 'payeeShare')]);
}

/** Splits a disputed escrow (its arbiter, or Root without one); resolves with the amounts paid. */
export async function resolveEscrow(
  client: ModelproofClient,
  params: ResolveEscrowParams,
  options?: SubmitOptions,
): Promise<Receipt<{ toPayee: bigint; toPayer: bigint }>> {
  return submit(client, resolveEscrowCall(client, params), options, (events) => ({
    toPayee: eventField<bigint>(events, PALLET, 'EscrowResolved', 'toPayee'),
    toPayer: eventField<bigint>(events, PALLET, 'EscrowResolved', 'toPayer'),
  }));
}

/** The open or disputed escrow with this id, or `null` (never existed or closed). */
export async function getEscrow(client: ModelproofClient, escrowId: bigint | number, options?: QueryOptions): Promise<Escrow | null> {
  const id = u64(escrowId, 'escrowId');
  const raw = (await readStorage(client, PALLET, 'Escrows', [id], options)) as Record<string, unknown> | null;
  if (raw === null) return null;
  return {
    id,
    payer: raw['payer'] as string,
    payee: raw['payee'] as string,
    amount: raw['amount'] as bigint,
    deadline: raw['deadline'] as number,
    arbiter: (raw['arbiter'] as string | null) ?? null,
    status: raw['status'] as Escrow['status'],
    managed: raw['managed'] as boolean,
    createdAt: raw['createdAt'] as number,
    deposit: raw['deposit'] as bigint,
  };
}
