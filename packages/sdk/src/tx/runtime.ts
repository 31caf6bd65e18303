/**
 * Typed access to the few standard runtime items the SDK itself uses (System events,
 * TransactionPayment runtime APIs, Utility.batch_all). The SDK does not rely on a global type
 * augmentation, so these are looked up by name and fail with `Client.RuntimeMismatch` if absent.
 */
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { Codec } from '@polkadot/types-codec/types';
import type { Call, EventRecord } from '@polkadot/types/interfaces';

import { ClientError } from '../errors.js';

type AnyFn = (...args: unknown[]) => unknown;

function lookup<T>(root: unknown, path: string[], what: string): T {
  let node = root as Record<string, unknown> | undefined;
  for (const key of path) node = node?.[key] as Record<string, unknown> | undefined;
  if (node === undefined || node === null) throw new ClientError('Client.RuntimeMismatch', `the connected runtime has no ${what}`);
  return node as T;
}

/** The `System.Events` of a block. */
export async function eventsAt(api: ApiPromise, blockHash: string): Promise<EventRecord[]> {
  const events = lookup<{ at: (hash: string) => Promise<Codec> }>(api.query, ['system', 'events'], 'System.Events storage');
  return [...((await events.at(blockHash)) as unknown as Iterable<EventRecord>)];
}

/** A weight's `ref_time`. */
export function refTime(weight: unknown): bigint {
  return (weight as { refTime: { toBigInt(): bigint } }).refTime.toBigInt();
}

/** `TransactionPaymentCallApi.query_call_info(call, len).weight.ref_time`. */
export async function callRefTime(api: ApiPromise, call: Call | Codec): Promise<bigint> {
  const fn = lookup<AnyFn>(api.call, ['transactionPaymentCallApi', 'queryCallInfo'], 'TransactionPaymentCallApi.query_call_info');
  const info = (await fn(call, 0)) as { weight: unknown };
  return refTime(info.weight);
}

/** `System.BlockWeights.per_class.normal.base_extrinsic.ref_time`. */
export function baseExtrinsicRefTime(api: ApiPromise): bigint {
  const weights = lookup<{ perClass: { normal: { baseExtrinsic: unknown } } }>(api.consts, ['system', 'blockWeights'], 'System.BlockWeights constant');
  return refTime(weights.perClass.normal.baseExtrinsic);
}

/** `Utility.batch_all(calls)`. */
export function batchAllTx(api: ApiPromise, calls: Call[]): SubmittableExtrinsic<'promise'> {
  const fn = lookup<(calls: Call[]) => SubmittableExtrinsic<'promise'>>(api.tx, ['utility', 'batchAll'], 'Utility.batch_all call');
  return fn(calls);
}
