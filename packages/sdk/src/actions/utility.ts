/** Fee estimation and atomic batches (`Utility.batch_all`). */
import type { SubmittableExtrinsic } from '@polkadot/api/types';

import type { ModelproofClient } from '../client/client.js';
import { connectionOf } from '../client/client.js';
import { guard } from '../client/guard.js';
import { ClientError } from '../errors.js';
import { type CallLike, type Receipt, type SubmitOptions, submit, toCall } from '../tx/submit.js';
import { batchAllTx } from '../tx/runtime.js';
import { account } from './params.js';
import type { QueryOptions } from './query.js';

export interface EstimateFeeOptions extends QueryOptions {
  /** Account the fee is estimated for; default the client's signer. */
  address?: string;
}

/**
 * The fee the chain would charge for `call` signed by the client's signer (or `address`), in the
 * chain's smallest unit: `TransactionPaymentApi.query_info`'s partial fee (base + length +
 * weight fee, before any tip). The fee actually paid is at most this (weight refunds lower it).
 */
export async function estimateFee(client: ModelproofClient, call: CallLike, options: EstimateFeeOptions = {}): Promise<bigint> {
  const conn = connectionOf(client);
  const address = options.address ?? client.address;
  if (address === undefined) throw new ClientError('Client.NoSigner', 'estimateFee needs an address: give the client a signer or pass { address }');
  account(address, 'address');
  const extrinsic = conn.api.tx(toCall(conn.api, call));
  const info = await guard(conn, 'estimating a fee', () => extrinsic.paymentInfo(address), options);
  return info.partialFee.toBigInt();
}

/** The `Utility.batch_all` call of `calls` (all succeed, or none takes effect). */
export function batchCall(client: ModelproofClient, calls: CallLike[]): SubmittableExtrinsic<'promise'> {
  if (!Array.isArray(calls) || calls.length === 0) throw new ClientError('Client.InvalidParams', 'batch needs at least one call');
  const api = client.api;
  return batchAllTx(api, calls.map((c) => toCall(api, c)));
}

/**
 * Submits `calls` atomically through `Utility.batch_all`: all succeed, or none takes effect.
 * On failure the `DispatchError` carries `callIndex`, the index of the call that failed (when it
 * can be determined from the weights; see the README).
 */
export async function batch(client: ModelproofClient, calls: CallLike[], options?: SubmitOptions): Promise<Receipt> {
  return submit(client, batchCall(client, calls), options);
}
