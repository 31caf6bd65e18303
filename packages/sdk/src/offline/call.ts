import { OfflineError, reason } from './errors.js';
import { nameKey, type Hex } from './hex.js';
import { findCall, resolveRegistry, type OfflineOptions } from './registry.js';
import { prepareValue, toPlain } from './values.js';

/** A call encoded for the runtime, with its arguments in plain form. */
export interface OfflineCall {
  /** Pallet name as in the runtime, e.g. `ModelRegistry`. */
  readonly pallet: string;
  /** Call name as in the pallet, e.g. `register_model`. */
  readonly call: string;
  /**
   * The arguments as encoded, in plain form (keys camelCase; integers ≤ 32 bits as numbers,
   * wider as bigint; `Vec<u8>` as Uint8Array; H256 and `[u8; N]` as 0x-hex; accounts as SS58;
   * `Option` as value or null). `decodeTransaction` gives back the same form.
   */
  readonly args: Readonly<Record<string, unknown>>;
  /** The SCALE-encoded call (call index ‖ arguments), 0x-hex. */
  readonly method: Hex;
}

/**
 * Encodes a call of the runtime, offline: `buildCall('ModelRegistry', 'register_model', { … })`.
 *
 * Names are matched ignoring case and underscores (`modelRegistry.registerModel` works too);
 * argument keys likewise (`ciphertext_digest` or `ciphertextDigest`). Every argument must be
 * given (use `null` for an `Option`'s None); unknown keys are rejected.
 *
 * @throws OfflineError `Offline.UnknownCall` (pallet or call not in the metadata),
 *   `Offline.InvalidArgs` (missing, unknown or unencodable argument)
 */
export function buildCall(
  pallet: string,
  call: string,
  args: Readonly<Record<string, unknown>> = {},
  options?: OfflineOptions,
): OfflineCall {
  const reg = resolveRegistry(options);
  const info = findCall(reg, pallet, call);
  const where = `${info.pallet}.${info.call}`;
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new OfflineError('Offline.InvalidArgs', `${where}: args must be an object keyed by argument name`);
  }
  const fieldList = info.fields.map((f) => f.key).join(', ') || 'none';
  const given = new Map<string, string>();
  for (const key of Object.keys(args)) {
    const field = info.fields.find((f) => nameKey(f.name) === nameKey(key));
    if (!field) throw new OfflineError('Offline.InvalidArgs', `${where} has no argument ${JSON.stringify(key)} (arguments: ${fieldList})`);
    if (given.has(field.key)) throw new OfflineError('Offline.InvalidArgs', `${where}: argument ${field.key} given twice`);
    given.set(field.key, key);
  }

  const { registry } = reg;
  const codecs = info.fields.map((f) => {
    const key = given.get(f.key);
    const path = `${where}(${f.key})`;
    if (key === undefined) {
      throw new OfflineError('Offline.InvalidArgs', `${path}: missing${f.typeName.startsWith('Option<') ? ' (use null for None)' : ''}`);
    }
    const input = prepareValue(reg, f.typeId, args[key], path);
    try {
      return registry.createTypeUnsafe(registry.createLookupType(f.typeId as never), [input]);
    } catch (error) {
      throw new OfflineError('Offline.InvalidArgs', `${path}: ${reason(error)}`, { cause: error });
    }
  });

  let method: Hex;
  try {
    const fn = registry.findMetaCall(new Uint8Array([info.palletIndex, info.callIndex]));
    method = fn(...codecs).toHex() as Hex;
  } catch (error) {
    throw new OfflineError('Offline.InvalidArgs', `${where}: ${reason(error)}`, { cause: error });
  }

  const plain: Record<string, unknown> = {};
  info.fields.forEach((f, i) => {
    plain[f.key] = toPlain(reg, codecs[i], f.typeId);
  });
  return { pallet: info.pallet, call: info.call, args: plain, method };
}
