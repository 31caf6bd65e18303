/**
 * The offline type registry: @substrate/txwrapper-core's `getRegistryBase` over the runtime's
 * metadata (by default the metadata shipped with the SDK, generated from runtime-spec/), plus the
 * lookups the other offline functions need (calls by name, runtime versions, signed extensions).
 *
 * No network. Runtime imports come only from @substrate/txwrapper-core (deep paths, so its
 * `@polkadot/api-augment` side import is not pulled in): txwrapper-core is CommonJS-only, so the
 * polkadot-js packages it loads are their CommonJS builds, and this entry uses exactly those
 * instances (through the registry) instead of loading the ESM builds a second time.
 */
import type { TypeRegistry } from '@polkadot/types';
import type { ExtDef } from '@polkadot/types/extrinsic/signedExtensions/types';
import { createMetadataUnmemoized } from '@substrate/txwrapper-core/lib/core/metadata/createMetadata.js';
import { getRegistryBase } from '@substrate/txwrapper-core/lib/core/metadata/getRegistryBase.js';
import { OfflineError, reason } from './errors.js';
import { camelCase, isHex, nameKey, type Hex } from './hex.js';
import { metadataRpc as shippedMetadataRpc } from './metadata.js';

/** A call argument as the metadata declares it. */
export interface OfflineCallField {
  /** Rust name, e.g. `ciphertext_digest`. */
  readonly name: string;
  /** camelCase name, e.g. `ciphertextDigest` (the key in `args`). */
  readonly key: string;
  /** Type id in the metadata's portable registry. */
  readonly typeId: number;
  /** The type as written in the pallet source, e.g. `H256`, `BoundedVec<u8, T::MaxCidLen>`. */
  readonly typeName: string;
}

/** A call of the runtime, from its metadata. */
export interface OfflineCallInfo {
  /** Pallet name as in the runtime, e.g. `ModelRegistry`. */
  readonly pallet: string;
  readonly palletIndex: number;
  /** Call name as in the pallet, e.g. `register_model`. */
  readonly call: string;
  readonly callIndex: number;
  readonly fields: readonly OfflineCallField[];
  readonly docs: string;
}

/** What {@link getRegistry} returns; pass it as `{ registry }` to the other offline functions. */
export interface OfflineRegistry {
  /** The polkadot-js type registry (txwrapper-core's `getRegistryBase`), metadata and extensions set. */
  readonly registry: TypeRegistry;
  /** The metadata, hex (as `state_getMetadata` returns it). */
  readonly metadataRpc: Hex;
  /** From the metadata's `System.Version` constant. */
  readonly specName: string;
  readonly specVersion: number;
  readonly transactionVersion: number;
  /** From `System.SS58Prefix` unless overridden by `chainProperties.ss58Format`. */
  readonly ss58Format: number;
  /** The signed extensions in the order the metadata declares them (extrinsic format v4). */
  readonly signedExtensions: readonly string[];
  /** Definitions given to polkadot-js for extensions it does not know (payload-free ones only). */
  readonly userExtensions: ExtDef;
  /** Every call of every pallet, in pallet then call index order. */
  readonly calls: readonly OfflineCallInfo[];
}

export interface GetRegistryOptions {
  /** Metadata hex (`state_getMetadata`); default: the runtime-spec/ metadata shipped with the SDK. */
  metadataRpc?: Hex;
  /** Expected spec version: an `Offline.RuntimeMismatch` error if the metadata is another one. */
  specVersion?: number;
  /** Expected transaction version: an `Offline.RuntimeMismatch` error if the metadata's differs. */
  transactionVersion?: number;
  /** Expected spec name: an `Offline.RuntimeMismatch` error if the metadata's differs. */
  specName?: string;
  /** Chain properties for address encoding and display. */
  chainProperties?: { ss58Format?: number; tokenDecimals?: number | number[]; tokenSymbol?: string | string[] };
}

/** Options every offline function takes. */
export interface OfflineOptions {
  /** From {@link getRegistry}; default: the registry of the metadata shipped with the SDK. */
  registry?: OfflineRegistry;
}

interface Internal extends OfflineRegistry {
  readonly byName: Map<string, { pallet: string; calls: Map<string, OfflineCallInfo> }>;
  readonly byIndex: Map<number, OfflineCallInfo>;
}

// Minimal structural views of the polkadot-js metadata objects read here (the classes come from
// txwrapper-core's CommonJS copy of @polkadot/types; only their shape matters).
interface Named {
  toString(): string;
}
interface Num {
  toNumber(): number;
}
interface SiLookup {
  getSiType(id: number | Num): SiTypeView;
}
interface SiTypeView {
  path: { map<T>(f: (p: Named) => T): T[] };
  def: {
    isComposite: boolean;
    asComposite: { fields: { length: number; every(f: (x: { type: Num }) => boolean): boolean } };
    isTuple: boolean;
    asTuple: { length: number; every(f: (x: Num) => boolean): boolean };
    isArray: boolean;
    asArray: { len: Num; type: Num };
  };
}

let shipped: Internal | undefined;
const cache = new Map<string, Map<string, Internal>>();
const CACHE_MAX = 8;

/**
 * A type registry for the runtime's metadata, no network. Without `metadataRpc` it uses the
 * metadata shipped with the SDK (runtime-spec/ at build time). Cached per set of options.
 *
 * @throws OfflineError `Offline.InvalidMetadata`, `Offline.RuntimeMismatch`, `Offline.UnsupportedExtension`
 */
export function getRegistry(options: GetRegistryOptions = {}): OfflineRegistry {
  const { metadataRpc = shippedMetadataRpc, specVersion, transactionVersion, specName, chainProperties } = options;
  const isDefault =
    metadataRpc === shippedMetadataRpc &&
    specVersion === undefined &&
    transactionVersion === undefined &&
    specName === undefined &&
    chainProperties === undefined;
  if (isDefault) return (shipped ??= createRegistry(shippedMetadataRpc, {}));
  const key = JSON.stringify([specVersion, transactionVersion, specName, chainProperties]);
  const hit = cache.get(metadataRpc)?.get(key);
  if (hit) return hit;
  const created = createRegistry(metadataRpc, options);
  if (!cache.has(metadataRpc) && cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  const byOptions = cache.get(metadataRpc) ?? new Map<string, Internal>();
  byOptions.set(key, created);
  cache.set(metadataRpc, byOptions);
  return created;
}

function createRegistry(metadataRpc: Hex, options: GetRegistryOptions): Internal {
  if (!isHex(metadataRpc) || metadataRpc.length < 12) {
    throw new OfflineError('Offline.InvalidMetadata', 'metadataRpc must be the hex of SCALE-encoded metadata (0x6d657461…)');
  }
  const toArray = <T>(v: T | T[] | undefined): T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);
  let registry: TypeRegistry;
  let versioned: VersionedView;
  try {
    // No extensions yet: the list is derived below from the metadata as declared.
    registry = getRegistryBase({
      chainProperties: {
        ss58Format: options.chainProperties?.ss58Format,
        tokenDecimals: toArray(options.chainProperties?.tokenDecimals),
        tokenSymbol: toArray(options.chainProperties?.tokenSymbol),
      },
      specTypes: {},
      metadataRpc,
      signedExtensions: [],
    }) as unknown as TypeRegistry;
    // The metadata as versioned (V14/V15 keep each extension's implicit type; the registry's
    // "latest" view does not).
    versioned = createMetadataUnmemoized(registry as never, metadataRpc) as unknown as VersionedView;
    if (versioned.version < 14) throw new Error(`metadata V${versioned.version} is not supported (V14 or later needed)`);
  } catch (error) {
    throw new OfflineError('Offline.InvalidMetadata', `cannot decode the metadata: ${reason(error)}`, { cause: error });
  }
  const { signedExtensions, userExtensions } = deriveExtensions(registry, versioned);
  (registry as unknown as ExtensionSetter).setSignedExtensions([...signedExtensions], userExtensions);

  const system = readSystemConstants(registry);
  for (const [field, expected, actual] of [
    ['specName', options.specName, system.specName],
    ['specVersion', options.specVersion, system.specVersion],
    ['transactionVersion', options.transactionVersion, system.transactionVersion],
  ] as const) {
    if (expected !== undefined && expected !== actual) {
      throw new OfflineError(
        'Offline.RuntimeMismatch',
        `the metadata is for ${field} ${String(actual)}, not ${String(expected)}: pass the metadata of the runtime you build for`,
      );
    }
  }
  const ss58Format = options.chainProperties?.ss58Format ?? system.ss58Prefix;
  if (options.chainProperties?.ss58Format === undefined) {
    registry.setChainProperties(
      registry.createType('ChainProperties', {
        ss58Format,
        tokenDecimals: toArray(options.chainProperties?.tokenDecimals),
        tokenSymbol: toArray(options.chainProperties?.tokenSymbol),
      }) as never,
    );
  }

  const { byName, byIndex, calls } = callTable(registry);
  return {
    registry,
    metadataRpc,
    specName: system.specName,
    specVersion: system.specVersion,
    transactionVersion: system.transactionVersion,
    ss58Format,
    signedExtensions,
    userExtensions,
    calls,
    byName,
    byIndex,
  };
}

interface ExtensionSetter {
  setSignedExtensions(list: string[], user?: ExtDef, noInitWarn?: boolean): void;
  getSignedExtensionTypes(): Record<string, string>;
  getSignedExtensionExtra(): Record<string, string>;
}

interface ExtensionView {
  identifier: Named;
  type: Num;
  additionalSigned?: Num;
  implicit?: Num;
}
interface VersionedView {
  version: number;
  asLatest: {
    lookup: SiLookup;
    pallets: PalletView[];
    extrinsic: {
      transactionExtensions: ExtensionView[];
      transactionExtensionsByVersion: { get(v: unknown): { map<T>(f: (i: Num) => T): T[] } | undefined; forEach(f: (v: { map<T>(f: (i: Num) => T): T[] }, k: Num) => void): void };
    };
  };
  asV14: { lookup: SiLookup; extrinsic: { signedExtensions: ExtensionView[] } };
  asV15: { lookup: SiLookup; extrinsic: { signedExtensions: ExtensionView[] } };
}
interface PalletView {
  name: Named;
  index: Num;
  calls: { isSome: boolean; unwrap(): { type: Num } };
  constants: { name: Named; type: Num; value: { toU8a(bare: boolean): Uint8Array } }[];
}

/**
 * The signed extensions of extrinsic format v4, in the order the metadata declares them — so the
 * signing payload and the signed transaction carry exactly the runtime's `TxExtension` tuple.
 * Extensions polkadot-js does not know are accepted only when they carry no data (no explicit
 * and no implicit part); anything else would be encoded wrongly, so it is an error.
 */
function deriveExtensions(target: TypeRegistry, versioned: VersionedView): { signedExtensions: string[]; userExtensions: ExtDef } {
  let list: { identifier: string; explicit: number; implicit: number | undefined }[];
  let lookup: SiLookup;
  if (versioned.version === 14 || versioned.version === 15) {
    const v = versioned.version === 14 ? versioned.asV14 : versioned.asV15;
    lookup = v.lookup;
    list = v.extrinsic.signedExtensions.map((e) => ({
      identifier: e.identifier.toString(),
      explicit: e.type.toNumber(),
      implicit: e.additionalSigned?.toNumber(),
    }));
  } else {
    const latest = versioned.asLatest;
    lookup = latest.lookup;
    const all = latest.extrinsic.transactionExtensions;
    let indices: number[] | undefined;
    latest.extrinsic.transactionExtensionsByVersion.forEach((v, k) => {
      if (k.toNumber() === 4) indices = v.map((i) => i.toNumber());
    });
    list = (indices ?? all.map((_, i) => i)).map((i) => {
      const e = all[i];
      if (!e) throw new OfflineError('Offline.InvalidMetadata', `transaction extension #${i} is not in the metadata`);
      return { identifier: e.identifier.toString(), explicit: e.type.toNumber(), implicit: e.implicit?.toNumber() };
    });
  }

  const isEmpty = (id: number, depth = 0): boolean => {
    if (depth > 16) return false;
    const def = lookup.getSiType(id).def;
    if (def.isTuple) return def.asTuple.every((t) => isEmpty(t.toNumber(), depth + 1));
    if (def.isComposite) return def.asComposite.fields.every((f) => isEmpty(f.type.toNumber(), depth + 1));
    if (def.isArray) return def.asArray.len.toNumber() === 0;
    return false;
  };

  const userExtensions: ExtDef = {};
  const registry = target as unknown as ExtensionSetter;
  for (const ext of list) {
    // What polkadot-js would put in the extrinsic / payload for this extension alone.
    registry.setSignedExtensions([ext.identifier], {}, true);
    const known =
      Object.keys(registry.getSignedExtensionTypes()).length + Object.keys(registry.getSignedExtensionExtra()).length > 0;
    const dataFree = isEmpty(ext.explicit) && (ext.implicit === undefined || isEmpty(ext.implicit));
    if (known || dataFree) {
      if (!known) userExtensions[ext.identifier] = { extrinsic: {}, payload: {} };
      continue;
    }
    throw new OfflineError(
      'Offline.UnsupportedExtension',
      `the metadata declares the signed extension ${ext.identifier}, which carries data this SDK cannot fill in offline`,
    );
  }
  return { signedExtensions: list.map((e) => e.identifier), userExtensions };
}

function readSystemConstants(registry: TypeRegistry): {
  specName: string;
  specVersion: number;
  transactionVersion: number;
  ss58Prefix: number;
} {
  const latest = registry.metadata as unknown as { pallets: PalletView[] };
  const system = latest.pallets.find((p) => p.name.toString() === 'System');
  const constant = (name: string): unknown => {
    const c = system?.constants.find((k) => k.name.toString() === name);
    if (!c) throw new OfflineError('Offline.InvalidMetadata', `the metadata has no System.${name} constant`);
    return registry.createTypeUnsafe(registry.createLookupType(c.type.toNumber() as never), [c.value.toU8a(true)]);
  };
  const version = constant('Version') as { specName: Named; specVersion: Num; transactionVersion: Num };
  let ss58Prefix = 42;
  try {
    ss58Prefix = (constant('SS58Prefix') as Num).toNumber();
  } catch {
    // Not every runtime declares it; 42 is Substrate's generic prefix.
  }
  return {
    specName: version.specName.toString(),
    specVersion: version.specVersion.toNumber(),
    transactionVersion: version.transactionVersion.toNumber(),
    ss58Prefix,
  };
}

interface VariantView {
  name: Named;
  index: Num;
  fields: { name: { isSome: boolean; unwrap(): Named }; type: Num; typeName: { isSome: boolean; unwrap(): Named } }[];
  docs: Named[];
}

function callTable(registry: TypeRegistry): Pick<Internal, 'byName' | 'byIndex' | 'calls'> {
  const latest = registry.metadata as unknown as { pallets: PalletView[] };
  const lookup = registry.lookup as unknown as { getSiType(id: Num): { def: { asVariant: { variants: VariantView[] } } } };
  const byName: Internal['byName'] = new Map();
  const byIndex: Internal['byIndex'] = new Map();
  const calls: OfflineCallInfo[] = [];
  const pallets = [...latest.pallets].sort((a, b) => a.index.toNumber() - b.index.toNumber());
  for (const p of pallets) {
    if (!p.calls.isSome) continue;
    const pallet = p.name.toString();
    const palletIndex = p.index.toNumber();
    const entry = { pallet, calls: new Map<string, OfflineCallInfo>() };
    byName.set(nameKey(pallet), entry);
    const variants = [...lookup.getSiType(p.calls.unwrap().type).def.asVariant.variants].sort(
      (a, b) => a.index.toNumber() - b.index.toNumber(),
    );
    for (const v of variants) {
      const info: OfflineCallInfo = {
        pallet,
        palletIndex,
        call: v.name.toString(),
        callIndex: v.index.toNumber(),
        fields: v.fields.map((f, i) => {
          const name = f.name.isSome ? f.name.unwrap().toString() : `param${i}`;
          return {
            name,
            key: camelCase(name),
            typeId: f.type.toNumber(),
            typeName: f.typeName.isSome ? f.typeName.unwrap().toString() : '',
          };
        }),
        docs: v.docs.map((d) => d.toString()).join('\n').trim(),
      };
      entry.calls.set(nameKey(info.call), info);
      byIndex.set(palletIndex * 256 + info.callIndex, info);
      calls.push(info);
    }
  }
  return { byName, byIndex, calls };
}

/** The registry to use: the one given, or the shipped metadata's. */
export function resolveRegistry(options?: OfflineOptions): Internal {
  return (options?.registry ?? getRegistry()) as Internal;
}

/** The call `pallet.call` (names matched ignoring case and underscores), or `Offline.UnknownCall`. */
export function findCall(reg: OfflineRegistry, pallet: string, call: string): OfflineCallInfo {
  const internal = reg as Internal;
  if (typeof pallet !== 'string' || typeof call !== 'string') {
    throw new OfflineError('Offline.UnknownCall', 'pallet and call must be names (strings), e.g. buildCall("ModelRegistry", "register_model", …)');
  }
  const p = internal.byName.get(nameKey(pallet));
  if (!p) {
    const names = [...internal.byName.values()].map((e) => e.pallet).join(', ');
    throw new OfflineError('Offline.UnknownCall', `the runtime has no pallet ${JSON.stringify(pallet)} with calls; pallets: ${names}`);
  }
  const c = p.calls.get(nameKey(call));
  if (!c) {
    const names = [...p.calls.values()].map((e) => e.call).join(', ');
    throw new OfflineError('Offline.UnknownCall', `${p.pallet} has no call ${JSON.stringify(call)}; its calls: ${names}`);
  }
  return c;
}

/** The call with this `[palletIndex, callIndex]`, if the metadata has it. */
export function callByIndex(reg: OfflineRegistry, palletIndex: number, callIndex: number): OfflineCallInfo | undefined {
  return (reg as Internal).byIndex.get(palletIndex * 256 + callIndex);
}
