/** Parameter checks and conversions shared by the actions. Failures are `Client.InvalidParams`. */
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { Codec } from '@polkadot/types-codec/types';
import { isHex, stringCamelCase, u8aToHex } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';

import { ClientError } from '../errors.js';
import type { ModelproofClient } from '../client/client.js';
import type { Hex } from '../tx/decode.js';

export type { Hex };

const invalid = (message: string): ClientError => new ClientError('Client.InvalidParams', message);

/** A 32-byte value as `0x` hex (accepts `0x` hex or 32 bytes). */
export function h256(value: unknown, name: string): Hex {
  if (value instanceof Uint8Array) {
    if (value.length !== 32) throw invalid(`${name} must be 32 bytes, got ${value.length}`);
    return u8aToHex(value) as Hex;
  }
  if (typeof value === 'string' && isHex(value, 256)) return value.toLowerCase() as Hex;
  throw invalid(`${name} must be 32 bytes or 0x + 64 hex digits`);
}

/** Bytes; a string is taken as UTF-8 text (CIDs). */
export function bytes(value: unknown, name: string, max?: number): Uint8Array {
  let out: Uint8Array;
  if (value instanceof Uint8Array) out = value;
  else if (typeof value === 'string') out = new TextEncoder().encode(value);
  else throw invalid(`${name} must be a string or a Uint8Array`);
  if (out.length === 0) throw invalid(`${name} must not be empty`);
  if (max !== undefined && out.length > max) throw invalid(`${name} is ${out.length} bytes, at most ${max} allowed`);
  return out;
}

/** Raw bytes only (envelopes, keys, proofs), optionally of an exact length. */
export function rawBytes(value: unknown, name: string, exact?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalid(`${name} must be a Uint8Array`);
  if (exact !== undefined && value.length !== exact) throw invalid(`${name} must be ${exact} bytes, got ${value.length}`);
  return value;
}

function integer(value: unknown, name: string, bits: number): bigint {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === 'string' && /^[0-9]+$/.test(value)) n = BigInt(value);
  else throw invalid(`${name} must be a non-negative integer (bigint, safe number or decimal string)`);
  if (n < 0n || n >= 1n << BigInt(bits)) throw invalid(`${name} is out of range for u${bits}`);
  return n;
}

/** A u64 id. */
export const u64 = (value: unknown, name: string): bigint => integer(value, name, 64);
/** A u128 balance. */
export const balance = (value: unknown, name: string): bigint => integer(value, name, 128);
/** A u32 (block numbers, counts). */
export const u32 = (value: unknown, name: string): number => Number(integer(value, name, 32));

/** Parts per million (`Permill`): an integer 0 … 1 000 000. */
export function permill(value: unknown, name: string): number {
  const n = u32(value, name);
  if (n > 1_000_000) throw invalid(`${name} is parts per million: at most 1000000`);
  return n;
}

/** Parts per billion (`Perbill`): an integer 0 … 1 000 000 000. */
export function perbill(value: unknown, name: string): number {
  const n = u32(value, name);
  if (n > 1_000_000_000) throw invalid(`${name} is parts per billion: at most 1000000000`);
  return n;
}

/** An account: an SS58 address, or 32 bytes / `0x` hex of the public key. */
export function account(value: unknown, name: string): string | Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.length !== 32) throw invalid(`${name} must be 32 bytes`);
    return value;
  }
  if (typeof value === 'string') {
    try {
      decodeAddress(value);
      return value;
    } catch {
      throw invalid(`${name} is not a valid address`);
    }
  }
  throw invalid(`${name} must be an address`);
}

/** An optional value: `undefined` and `null` are `None`. */
export function optional<T>(value: unknown, convert: (v: unknown) => T): T | null {
  return value === undefined || value === null ? null : convert(value);
}

/**
 * An unsigned call of the connected runtime: `buildCall(client, 'ModelRegistry', 'register_model', args)`.
 * Throws `Client.RuntimeMismatch` when the chain has no such call.
 */
export function buildCall(client: ModelproofClient, pallet: string, call: string, args: unknown[]): SubmittableExtrinsic<'promise'> {
  return txOf(client.api, pallet, call)(...args.map(rawToHex));
}

/** Byte arrays as `0x` hex: `@polkadot/types` reads a `Uint8Array` given for `Bytes` as SCALE-encoded (length-prefixed). */
function rawToHex(value: unknown): unknown {
  if (value instanceof Uint8Array) return u8aToHex(value);
  if (Array.isArray(value)) return value.map(rawToHex);
  return value;
}

function txOf(api: ApiPromise, pallet: string, call: string): (...args: unknown[]) => SubmittableExtrinsic<'promise'> {
  const section = (api.tx as unknown as Record<string, Record<string, ((...args: unknown[]) => SubmittableExtrinsic<'promise'>) | undefined> | undefined>)[
    stringCamelCase(pallet)
  ];
  const fn = section?.[stringCamelCase(call)];
  if (!fn) throw new ClientError('Client.RuntimeMismatch', `the connected runtime has no call ${pallet}.${call}`);
  return fn;
}

type QueryFn = ((...keys: unknown[]) => Promise<Codec>) & { entries?: unknown };

/** A storage query function of the connected runtime (`queryOf(api, 'ModelRegistry', 'Models')`). */
export function queryOf(api: ApiPromise, pallet: string, item: string): QueryFn {
  const section = (api.query as unknown as Record<string, Record<string, QueryFn | undefined> | undefined>)[stringCamelCase(pallet)];
  const fn = section?.[stringCamelCase(item)];
  if (!fn) throw new ClientError('Client.RuntimeMismatch', `the connected runtime has no storage item ${pallet}.${item}`);
  return fn;
}

/** The first event `section.method` in `events` (e.g. to extract an id), or throws. */
export function eventField<T>(events: { section: string; method: string; data: Record<string, unknown> }[], section: string, method: string, field: string): T {
  const event = events.find((e) => e.section === section && e.method === method);
  if (!event || !(field in event.data)) {
    throw new ClientError('Client.RuntimeMismatch', `expected a ${section}.${method} event with ${field} in the receipt`);
  }
  return event.data[field] as T;
}

/** A `u32` constant of the connected runtime (e.g. `ModelRegistry.MaxCidLen`), if it has it. */
export function constU32(api: ApiPromise, pallet: string, name: string): number | undefined {
  const section = (api.consts as unknown as Record<string, Record<string, Codec | undefined> | undefined>)[stringCamelCase(pallet)];
  const value = section?.[stringCamelCase(name)] as unknown as { toNumber?: () => number } | undefined;
  return typeof value?.toNumber === 'function' ? value.toNumber() : undefined;
}
