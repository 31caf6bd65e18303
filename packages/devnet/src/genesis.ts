/**
 * Builds a raw chain spec from a runtime wasm alone: the runtime's own genesis presets
 * (`GenesisBuilder_get_preset`) turned into storage by the runtime itself
 * (`GenesisBuilder_build_state`), executed with chopsticks-core's wasm executor.
 */
import { compactAddLength, compactFromU8a, hexToU8a, stringToU8a, u8aToHex, u8aToString } from '@polkadot/util';
import type { HexString } from '@polkadot/util/types';

import { DevnetError } from './errors.js';
import { callRuntime, releaseExecutor, retainExecutor, runtimeVersion } from './executor.js';
import { type JsonValue, mergeJson, parseJson, stringifyJson, toJsonValue } from './json.js';

/** Storage key of `Timestamp::Now`: twox128("Timestamp") ++ twox128("Now"). */
export const TIMESTAMP_NOW_KEY: HexString = '0xf0c365c3cf59d671eb72da0e7a4113c49f1f0515f462cdcf84e0f1d6045dfcbb';

/** Storage key of the runtime code, the ASCII bytes of `:code`. */
export const CODE_KEY: HexString = '0x3a636f6465';

/** Default genesis time, 2026-01-01T00:00:00Z, rounded down to a whole slot. */
export const DEFAULT_GENESIS_TIMESTAMP = 1_767_225_600_000;

/** A raw chain spec in the shape substrate nodes and chopsticks read. */
export interface RawChainSpec {
  name: string;
  id: string;
  chainType: 'Development' | 'Local' | 'Live';
  bootNodes: string[];
  telemetryEndpoints: null;
  protocolId: string | null;
  properties: Record<string, unknown>;
  codeSubstitutes: Record<string, never>;
  genesis: { raw: { top: Record<HexString, HexString>; childrenDefault: Record<string, never> } };
}

export interface ChainSpecOptions {
  /** The runtime: compact (optionally zstd-compressed) wasm bytes or their hex. */
  wasm: Uint8Array | HexString;
  /** Genesis preset of the runtime; default `development`. */
  preset?: string;
  /**
   * Extra genesis config merged over the preset (polkadot-sdk merge rules: objects merge,
   * `null` removes). Use `bigint` for u128 balances.
   */
  genesisPatch?: Record<string, unknown>;
  /**
   * `Timestamp::Now` at genesis in ms (rounded down to a whole slot), so block #1 is
   * deterministic and in the slot Aura expects; default {@link DEFAULT_GENESIS_TIMESTAMP}.
   */
  genesisTimestamp?: number | bigint;
  /** Chain name; default derived from the runtime's spec name and the preset. */
  name?: string;
  /** Chain id; default `<spec_name>_<preset>`. */
  id?: string;
  /** Chain properties (`system_properties`); default {@link DEFAULT_CHAIN_PROPERTIES}, the node's own. */
  properties?: Record<string, unknown>;
}

/**
 * What the node's chain spec says (`chain/node/src/chain_spec.rs`): UNIT with 12 decimals, SS58
 * prefix 42 (the runtime's `SS58Prefix`). Wallets and polkadot.js Apps read them from
 * `system_properties` to show balances and addresses.
 */
export const DEFAULT_CHAIN_PROPERTIES: Readonly<Record<string, unknown>> = Object.freeze({ tokenSymbol: 'UNIT', tokenDecimals: 12, ss58Format: 42 });

const ZSTD_WASM_PREFIX = [0x52, 0xbc, 0x53, 0x76, 0x46, 0xdb, 0x8e, 0x05];
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

const startsWith = (bytes: Uint8Array, prefix: number[]): boolean =>
  bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);

/** Normalises wasm input to hex and checks it looks like a (compressed) wasm runtime. */
export function wasmToHex(wasm: Uint8Array | HexString): HexString {
  const bytes = typeof wasm === 'string' ? hexToU8a(wasm) : wasm;
  if (!startsWith(bytes, WASM_MAGIC) && !startsWith(bytes, ZSTD_WASM_PREFIX)) {
    throw new DevnetError('WASM_INVALID', 'not a wasm runtime: neither wasm nor substrate-compressed wasm magic bytes');
  }
  return typeof wasm === 'string' ? wasm : u8aToHex(wasm);
}

/** SCALE: Vec<u8>. */
const encodeBytes = (bytes: Uint8Array): HexString => u8aToHex(compactAddLength(bytes));

/** SCALE: decodes a Vec<u8> at `offset`, returning it and the offset after it. */
function decodeBytes(data: Uint8Array, offset: number): [Uint8Array, number] {
  const [lenBytes, len] = compactFromU8a(data.subarray(offset));
  const start = offset + lenBytes;
  const end = start + len.toNumber();
  if (end > data.length) throw new Error('truncated SCALE Vec<u8>');
  return [data.subarray(start, end), end];
}

/** The names of the runtime's genesis presets (`GenesisBuilder_preset_names`). */
export async function presetNames(wasm: HexString): Promise<string[]> {
  const { result } = await callRuntime(wasm, 'GenesisBuilder_preset_names', []);
  const data = hexToU8a(result);
  const [lenBytes, count] = compactFromU8a(data);
  let offset = lenBytes;
  const names: string[] = [];
  for (let i = 0; i < count.toNumber(); i++) {
    const [name, next] = decodeBytes(data, offset);
    names.push(u8aToString(name));
    offset = next;
  }
  return names;
}

/** A preset's JSON (`GenesisBuilder_get_preset`); `undefined` name = the runtime's default config. */
async function getPreset(wasm: HexString, name: string | undefined): Promise<JsonValue | undefined> {
  const arg: HexString =
    name === undefined ? '0x00' : u8aToHex(new Uint8Array([1, ...hexToU8a(encodeBytes(stringToU8a(name)))]));
  const { result } = await callRuntime(wasm, 'GenesisBuilder_get_preset', [arg]);
  const data = hexToU8a(result);
  if (data[0] === 0) return undefined;
  const [json] = decodeBytes(data, 1);
  return parseJson(u8aToString(json));
}

/** Genesis storage for a full genesis config (`GenesisBuilder_build_state`). */
async function buildState(wasm: HexString, config: JsonValue): Promise<Map<HexString, HexString>> {
  const storage = new Map<HexString, HexString>();
  const { result, storageDiff } = await callRuntime(
    wasm,
    'GenesisBuilder_build_state',
    [encodeBytes(stringToU8a(stringifyJson(config)))],
    { get: (key) => storage.get(key) },
  );
  const data = hexToU8a(result);
  if (data[0] !== 0) {
    const [message] = decodeBytes(data, 1);
    throw new DevnetError('GENESIS_FAILED', `the runtime rejected the genesis config: ${u8aToString(message)}`);
  }
  for (const [key, value] of storageDiff) {
    if (value === null) storage.delete(key);
    else storage.set(key, value);
  }
  return storage;
}

/** Aura slot duration in ms (`AuraApi_slot_duration`, a u64). */
export async function slotDuration(wasm: HexString): Promise<bigint> {
  const { result } = await callRuntime(wasm, 'AuraApi_slot_duration', []);
  const bytes = hexToU8a(result);
  if (bytes.length < 8) throw new Error('AuraApi_slot_duration returned fewer than 8 bytes');
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
}

const u64le = (value: bigint): HexString => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, true);
  return u8aToHex(bytes);
};

/**
 * Builds the raw chain spec for `options.wasm` and `options.preset`. Deterministic: the same
 * wasm, preset, patch and timestamp give the same spec, byte for byte.
 */
export async function buildChainSpec(options: ChainSpecOptions): Promise<RawChainSpec> {
  const wasm = wasmToHex(options.wasm);
  const preset = options.preset ?? 'development';
  retainExecutor();
  try {
    let version: { specName: string; specVersion: number };
    try {
      version = await runtimeVersion(wasm);
    } catch (cause) {
      throw new DevnetError('WASM_INVALID', `the executor cannot run this wasm: ${String(cause)}`, { cause });
    }

    const base = await getPreset(wasm, undefined);
    const patch = await getPreset(wasm, preset);
    if (base === undefined || patch === undefined) {
      const names = await presetNames(wasm).catch(() => [] as string[]);
      throw new DevnetError(
        'PRESET_NOT_FOUND',
        `runtime ${version.specName} has no genesis preset '${preset}' (available: ${names.join(', ') || 'none'})`,
      );
    }
    let config = mergeJson(base, patch);
    if (options.genesisPatch) config = mergeJson(config, toJsonValue(options.genesisPatch));

    const storage = await buildState(wasm, config);

    const slot = await slotDuration(wasm);
    const requested = BigInt(options.genesisTimestamp ?? DEFAULT_GENESIS_TIMESTAMP);
    if (requested < 0n) throw new DevnetError('INVALID_OPTION', 'genesisTimestamp must not be negative');
    storage.set(TIMESTAMP_NOW_KEY, u64le(slot > 0n ? (requested / slot) * slot : requested));
    storage.set(CODE_KEY, wasm);

    const top = Object.fromEntries([...storage.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as Record<
      HexString,
      HexString
    >;
    const chainType = preset === 'development' ? 'Development' : preset === 'local_testnet' ? 'Local' : 'Live';
    return {
      name: options.name ?? `${version.specName} ${preset.replace(/_/g, ' ')}`,
      id: options.id ?? `${version.specName}_${preset}`,
      chainType,
      bootNodes: [],
      telemetryEndpoints: null,
      protocolId: null,
      properties: { ...(options.properties ?? DEFAULT_CHAIN_PROPERTIES) },
      codeSubstitutes: {},
      genesis: { raw: { top, childrenDefault: {} } },
    };
  } finally {
    await releaseExecutor();
  }
}
