/**
 * Decoding chain values into plain JavaScript: ids and balances (integers wider than 32 bits)
 * as `bigint`, smaller integers as `number`, hashes and fixed byte arrays as `0x` hex, account
 * ids as SS58 addresses, byte vectors as `Uint8Array`, options as the value or `null`.
 */
import type { ApiPromise } from '@polkadot/api';
import {
  AbstractInt,
  Bool,
  BTreeMap,
  Bytes,
  Compact,
  Enum,
  Null,
  Option,
  Result,
  Struct,
  Text,
  Tuple,
  U8aFixed,
  Vec,
  VecFixed,
} from '@polkadot/types-codec';
import type { Codec } from '@polkadot/types-codec/types';
import type { DispatchError as DispatchErrorCodec, EventRecord } from '@polkadot/types/interfaces';
import { stringCamelCase, u8aToHex } from '@polkadot/util';

import { DispatchError } from '../errors.js';

/** A `0x`-prefixed hex string. */
export type Hex = `0x${string}`;

/** An event as the SDK returns it. `section` is the pallet name as in the metadata (`ModelRegistry`). */
export interface DecodedEvent {
  section: string;
  method: string;
  /** Fields by camelCase name (`modelId`), decoded to plain values. */
  data: Record<string, unknown>;
}

/** Converts a decoded codec into plain JavaScript values (see the module comment). */
export function toPlain(value: Codec): unknown {
  if (value instanceof Option) return value.isSome ? toPlain(value.unwrap()) : null;
  if (value instanceof Compact) return toPlain(value.unwrap());
  if (value instanceof AbstractInt) return value.bitLength() <= 32 ? value.toNumber() : value.toBigInt();
  if (value instanceof Bool) return value.isTrue;
  if (value instanceof Null) return null;
  if (value instanceof Text) return value.toString();
  if (value instanceof Bytes) return value.toU8a(true).slice();
  if (value instanceof U8aFixed) {
    return value.toRawType().startsWith('AccountId') ? value.toString() : value.toHex();
  }
  if (value instanceof Struct) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of value.entries()) out[String(key)] = toPlain(field);
    return out;
  }
  if (value instanceof Result) return value.isOk ? { ok: toPlain(value.asOk) } : { err: toPlain(value.asErr) };
  if (value instanceof Enum) return value.isBasic ? value.type : { [value.type]: toPlain(value.value) };
  if (value instanceof BTreeMap) {
    const out = new Map<unknown, unknown>();
    for (const [k, v] of value.entries()) out.set(toPlain(k), toPlain(v));
    return out;
  }
  if (value instanceof Vec || value instanceof VecFixed || value instanceof Tuple) {
    // [u8; N] that is not a U8aFixed (rare) comes out as hex, like other fixed byte arrays
    if (value instanceof VecFixed && value.Type === 'u8') return value.toHex();
    return [...(value as unknown as Iterable<Codec>)].map((item) => toPlain(item));
  }
  return value.toPrimitive();
}

/** Pallet name (`ModelRegistry`) for a pallet index of the connected runtime's metadata. */
export function palletName(api: ApiPromise, index: number): string | undefined {
  return api.runtimeMetadata.asLatest.pallets.find((p) => p.index.toNumber() === index)?.name.toString();
}

/** Decodes one event record into a {@link DecodedEvent}. */
export function decodeEvent(api: ApiPromise, record: EventRecord): DecodedEvent {
  const { event } = record;
  const section = palletName(api, event.index[0] as number) ?? stringPascal(event.section);
  const names = event.data.names;
  const data: Record<string, unknown> = {};
  event.data.forEach((field, i) => {
    const name = names?.[i];
    data[name ? stringCamelCase(name) : String(i)] = toPlain(field);
  });
  return { section, method: event.method, data };
}

function stringPascal(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

/** The runtime's built-in dispatch errors, described for humans. */
const BUILTIN_DOCS: Record<string, string> = {
  Other: 'Some error occurred.',
  CannotLookup: 'Failed to look up some data (e.g. an unknown account index).',
  BadOrigin: 'The caller is not allowed to make this call.',
  ConsumerRemaining: 'At least one consumer is remaining so the account cannot be destroyed.',
  NoProviders: 'There are no providers so the account cannot be created.',
  TooManyConsumers: 'There are too many consumers so the account cannot be created.',
  Exhausted: 'Resources exhausted, e.g. attempt to read/write data which is too large to manipulate.',
  Corruption: 'The state is corrupt; this is generally not going to fix itself.',
  Unavailable: 'Some resource (e.g. a preimage) is unavailable right now.',
  RootNotAllowed: 'Root origin is not allowed.',
  Trie: 'An error with tries.',
  FundsUnavailable: 'Funds are unavailable.',
  OnlyProvider: 'Some part of the balance gives the only provider reference to the account and thus cannot be (re)moved.',
  BelowMinimum: 'The account cannot be created because of the existential deposit.',
  CannotCreate: 'The account cannot be created.',
  UnknownAsset: 'The asset in question is unknown.',
  Frozen: 'Funds exist but are frozen.',
  Unsupported: 'The operation is not supported for this asset.',
  CannotCreateHold: 'The account cannot be created because there are too many holds.',
  NotExpendable: 'The withdrawal would cause the account to be killed.',
  Blocked: 'The account cannot receive these funds.',
  Underflow: 'An underflow would occur.',
  Overflow: 'An overflow would occur.',
  DivisionByZero: 'Division by zero.',
  LimitReached: 'Too many transactional layers have been spawned.',
  NoLayer: 'A transactional layer was expected, but does not exist.',
};

/** The typed {@link DispatchError} for a runtime `DispatchError` value. */
export function decodeDispatchError(
  api: ApiPromise,
  error: DispatchErrorCodec,
  context: { callIndex?: number; txHash?: string; blockHash?: string; blockNumber?: number } = {},
): DispatchError {
  if (error.isModule) {
    const module = error.asModule;
    const index = module.index.toNumber();
    const pallet = palletName(api, index) ?? `Pallet${index}`;
    try {
      const meta = api.registry.findMetaError(module);
      return new DispatchError(pallet, meta.name, meta.docs.join(' ').trim(), context);
    } catch {
      return new DispatchError(pallet, `Error${u8aToHex(module.error.toU8a())}`, 'unknown error (not in the metadata)', context);
    }
  }
  const kind = error.type;
  const inner = error.value as Codec;
  if (inner instanceof Enum && !(inner instanceof Option)) {
    const variant = inner.type;
    return new DispatchError(kind, variant, BUILTIN_DOCS[variant] ?? '', context);
  }
  return new DispatchError('Dispatch', kind, BUILTIN_DOCS[kind] ?? '', context);
}
