/**
 * Call arguments between JavaScript values and polkadot-js codecs, driven by the metadata's
 * portable type registry (internal).
 *
 * Plain form (what `buildCall` returns in `args` and `decodeTransaction` gives back):
 * integers up to 32 bits → number, wider → bigint; `Vec<u8>` → Uint8Array; `[u8; N]`, H256 → 0x-hex;
 * AccountId32 → SS58 string; Option → value or null; structs → objects with camelCase keys;
 * enums without data → the variant name, otherwise `{ Variant: value }`; nested calls →
 * `{ pallet, call, args }`.
 */
import type { TypeRegistry } from '@polkadot/types';
import { OfflineError } from './errors.js';
import { bytesToHex, camelCase, isHex, nameKey } from './hex.js';
import type { OfflineRegistry } from './registry.js';

interface FieldShape {
  readonly name: string;
  readonly key: string;
  readonly type: number;
}
interface VariantShape {
  readonly name: string;
  readonly index: number;
  readonly named: boolean;
  readonly fields: readonly FieldShape[];
}

type Shape =
  | { kind: 'bool' }
  | { kind: 'str' }
  | { kind: 'int'; bits: number; signed: boolean }
  | { kind: 'compact'; inner: number }
  | { kind: 'bytes' }
  | { kind: 'fixedBytes'; len: number }
  | { kind: 'seq'; inner: number }
  | { kind: 'array'; inner: number; len: number }
  | { kind: 'tuple'; items: readonly number[] }
  | { kind: 'account' }
  | { kind: 'option'; inner: number }
  | { kind: 'call' }
  | { kind: 'newtype'; inner: number }
  | { kind: 'struct'; fields: readonly FieldShape[] }
  | { kind: 'enum'; variants: readonly VariantShape[]; basic: boolean }
  | { kind: 'opaque' };

// Structural views of polkadot-js objects (see registry.ts for why they are not imported).
interface Num {
  toNumber(): number;
}
interface Txt {
  toString(): string;
}
interface SiField {
  name: { isSome: boolean; unwrap(): Txt };
  type: Num;
}
interface SiType {
  path: Txt[];
  params: { type: { isSome: boolean; unwrap(): Num } }[];
  def: {
    isComposite: boolean;
    asComposite: { fields: SiField[] };
    isVariant: boolean;
    asVariant: { variants: { name: Txt; index: Num; fields: SiField[] }[] };
    isSequence: boolean;
    asSequence: { type: Num };
    isArray: boolean;
    asArray: { len: Num; type: Num };
    isTuple: boolean;
    asTuple: Num[];
    isPrimitive: boolean;
    asPrimitive: { type: string };
    isCompact: boolean;
    asCompact: { type: Num };
  };
}

const shapes = new WeakMap<object, Map<number, Shape>>();

function shapeOf(reg: OfflineRegistry, id: number): Shape {
  let table = shapes.get(reg);
  if (!table) {
    table = new Map();
    shapes.set(reg, table);
  }
  let shape = table.get(id);
  if (!shape) {
    shape = computeShape(reg.registry, id);
    table.set(id, shape);
  }
  return shape;
}

function computeShape(registry: TypeRegistry, id: number): Shape {
  const lookup = registry.lookup as unknown as { getSiType(id: number): SiType };
  const ty = lookup.getSiType(id);
  const path = ty.path.map((p) => p.toString());
  const last = path[path.length - 1];
  const def = ty.def;
  const isU8 = (inner: number): boolean => {
    const d = lookup.getSiType(inner).def;
    return d.isPrimitive && d.asPrimitive.type === 'U8';
  };
  const fieldsOf = (fields: SiField[]): FieldShape[] =>
    fields.map((f, i) => {
      const name = f.name.isSome ? f.name.unwrap().toString() : `${i}`;
      return { name, key: camelCase(name), type: f.type.toNumber() };
    });

  if (last === 'AccountId32') return { kind: 'account' };
  if (last === 'RuntimeCall' && def.isVariant) return { kind: 'call' };
  if (path.length === 1 && last === 'Option' && def.isVariant) {
    const some = def.asVariant.variants.find((v) => v.name.toString() === 'Some');
    const inner = some?.fields[0]?.type.toNumber();
    if (inner !== undefined) return { kind: 'option', inner };
  }
  if (def.isPrimitive) {
    const p = def.asPrimitive.type;
    if (p === 'Bool') return { kind: 'bool' };
    if (p === 'Str' || p === 'Char') return { kind: 'str' };
    const m = /^([UI])(\d+)$/.exec(p);
    if (m) return { kind: 'int', bits: Number(m[2]), signed: m[1] === 'I' };
    return { kind: 'opaque' };
  }
  if (def.isCompact) return { kind: 'compact', inner: def.asCompact.type.toNumber() };
  if (def.isSequence) {
    const inner = def.asSequence.type.toNumber();
    return isU8(inner) ? { kind: 'bytes' } : { kind: 'seq', inner };
  }
  if (def.isArray) {
    const inner = def.asArray.type.toNumber();
    const len = def.asArray.len.toNumber();
    return isU8(inner) ? { kind: 'fixedBytes', len } : { kind: 'array', inner, len };
  }
  if (def.isTuple) return { kind: 'tuple', items: def.asTuple.map((t) => t.toNumber()) };
  if (def.isComposite) {
    const fields = def.asComposite.fields;
    if (fields.length === 0) return { kind: 'tuple', items: [] };
    if (fields.length === 1 && !fields[0]?.name.isSome) return { kind: 'newtype', inner: fields[0]!.type.toNumber() };
    if (fields.every((f) => !f.name.isSome)) return { kind: 'tuple', items: fields.map((f) => f.type.toNumber()) };
    return { kind: 'struct', fields: fieldsOf(fields) };
  }
  if (def.isVariant) {
    const variants = def.asVariant.variants.map((v) => ({
      name: v.name.toString(),
      index: v.index.toNumber(),
      named: v.fields.length > 0 && v.fields.every((f) => f.name.isSome),
      fields: fieldsOf(v.fields),
    }));
    return { kind: 'enum', variants, basic: variants.every((v) => v.fields.length === 0) };
  }
  return { kind: 'opaque' };
}

// ---------------------------------------------------------------------------------------------
// JavaScript value → input polkadot-js encodes (validated; polkadot-js alone is too lenient,
// e.g. it turns any object into the bytes of "[object Object]" for a Vec<u8>).

const invalid = (path: string, message: string): OfflineError =>
  new OfflineError('Offline.InvalidArgs', `${path}: ${message}`);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** Class instances (polkadot-js codecs, BN, …) are passed to polkadot-js as they are. */
const isForeignObject = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !isPlainObject(v);

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : v instanceof Uint8Array ? 'a Uint8Array' : `a ${typeof v}`;

function byteArray(path: string, v: unknown[], len?: number): Uint8Array {
  if (len !== undefined && v.length !== len) throw invalid(path, `expected ${len} bytes, got ${v.length}`);
  for (const b of v) {
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) throw invalid(path, 'byte arrays hold integers 0…255');
  }
  return Uint8Array.from(v as number[]);
}

export function prepareValue(reg: OfflineRegistry, typeId: number, value: unknown, path: string): unknown {
  if (value === undefined) throw invalid(path, 'missing');
  if (isForeignObject(value)) return value;
  const shape = shapeOf(reg, typeId);
  switch (shape.kind) {
    case 'bool':
      if (typeof value !== 'boolean') throw invalid(path, `expected a boolean, got ${describe(value)}`);
      return value;
    case 'str':
      if (typeof value !== 'string') throw invalid(path, `expected a string, got ${describe(value)}`);
      return value;
    case 'int': {
      const bad = (why: string) => invalid(path, `expected a ${shape.signed ? 'i' : 'u'}${shape.bits} (${why})`);
      if (typeof value === 'number') {
        if (!Number.isSafeInteger(value)) throw bad(`${value} is not a safe integer; use a bigint or a decimal string`);
      } else if (typeof value === 'string') {
        if (!/^(-?\d+|0x[0-9a-fA-F]+)$/.test(value)) throw bad(`${JSON.stringify(value)} is not a decimal or 0x-hex integer`);
      } else if (typeof value !== 'bigint') {
        throw bad(`got ${describe(value)}`);
      }
      const big = BigInt(value as number | bigint | string);
      const max = shape.signed ? (1n << BigInt(shape.bits - 1)) - 1n : (1n << BigInt(shape.bits)) - 1n;
      const min = shape.signed ? -(1n << BigInt(shape.bits - 1)) : 0n;
      if (big < min || big > max) throw bad(`${big} is out of range`);
      return typeof value === 'string' ? big : value;
    }
    case 'compact':
    case 'newtype':
      return prepareValue(reg, shape.inner, value, path);
    case 'bytes':
      // As hex: polkadot-js reads a Uint8Array given for `Bytes` as already SCALE-encoded
      // (length-prefixed), a hex string as the content itself.
      if (value instanceof Uint8Array) return bytesToHex(value);
      if (typeof value === 'string') return value;
      if (Array.isArray(value)) return bytesToHex(byteArray(path, value));
      throw invalid(path, `expected bytes (Uint8Array, 0x-hex or a string), got ${describe(value)}`);
    case 'fixedBytes':
      if (value instanceof Uint8Array) {
        if (value.length !== shape.len) throw invalid(path, `expected ${shape.len} bytes, got ${value.length}`);
        return value;
      }
      if (typeof value === 'string') {
        if (!isHex(value, shape.len)) throw invalid(path, `expected ${shape.len} bytes as 0x-hex (${2 + 2 * shape.len} characters)`);
        return value;
      }
      if (Array.isArray(value)) return byteArray(path, value, shape.len);
      throw invalid(path, `expected ${shape.len} bytes (Uint8Array or 0x-hex), got ${describe(value)}`);
    case 'seq':
      if (!Array.isArray(value)) throw invalid(path, `expected an array, got ${describe(value)}`);
      return value.map((v, i) => prepareValue(reg, shape.inner, v, `${path}[${i}]`));
    case 'array':
      if (!Array.isArray(value) || value.length !== shape.len) throw invalid(path, `expected an array of ${shape.len} items`);
      return value.map((v, i) => prepareValue(reg, shape.inner, v, `${path}[${i}]`));
    case 'tuple':
      if (shape.items.length === 0) {
        if (value === null || (Array.isArray(value) && value.length === 0)) return [];
        throw invalid(path, 'expected null (no data)');
      }
      if (!Array.isArray(value) || value.length !== shape.items.length) {
        throw invalid(path, `expected an array of ${shape.items.length} items`);
      }
      return value.map((v, i) => prepareValue(reg, shape.items[i]!, v, `${path}[${i}]`));
    case 'account':
      if (typeof value === 'string' || (value instanceof Uint8Array && value.length === 32)) return value;
      throw invalid(path, `expected an account (SS58 address or 32-byte public key), got ${describe(value)}`);
    case 'option':
      return value === null ? null : prepareValue(reg, shape.inner, value, path);
    case 'call':
      if (isHex(value)) return value;
      if (isPlainObject(value) && isHex(value.method)) return value.method;
      throw invalid(path, 'expected a call built with buildCall (or its 0x-hex encoding)');
    case 'struct':
      return prepareStruct(reg, shape.fields, value, path);
    case 'enum':
      return prepareEnum(reg, shape.variants, value, path);
    case 'opaque':
      return value;
  }
}

function prepareStruct(reg: OfflineRegistry, fields: readonly FieldShape[], value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw invalid(path, `expected an object with ${fields.map((f) => f.key).join(', ')}`);
  const out: Record<string, unknown> = {};
  const known = new Map(fields.map((f) => [nameKey(f.name), f]));
  for (const k of Object.keys(value)) {
    if (!known.has(nameKey(k))) throw invalid(path, `unknown field ${JSON.stringify(k)} (fields: ${fields.map((f) => f.key).join(', ')})`);
  }
  const given = new Map(Object.keys(value).map((k) => [nameKey(k), k]));
  for (const f of fields) {
    const k = given.get(nameKey(f.name));
    out[f.key] = prepareValue(reg, f.type, k === undefined ? undefined : value[k], `${path}.${f.key}`);
  }
  return out;
}

function prepareEnum(reg: OfflineRegistry, variants: readonly VariantShape[], value: unknown, path: string): unknown {
  const names = variants.map((v) => v.name).join(', ');
  const find = (name: string) => variants.find((v) => nameKey(v.name) === nameKey(name));
  if (typeof value === 'string') {
    const v = find(value);
    if (!v) throw invalid(path, `unknown variant ${JSON.stringify(value)} (variants: ${names})`);
    if (v.fields.length) throw invalid(path, `variant ${v.name} carries data: pass { ${v.name}: … }`);
    return v.name;
  }
  if (!isPlainObject(value) || Object.keys(value).length !== 1) {
    throw invalid(path, `expected a variant name or { Variant: value } (variants: ${names})`);
  }
  const key = Object.keys(value)[0]!;
  const v = find(key);
  if (!v) throw invalid(path, `unknown variant ${JSON.stringify(key)} (variants: ${names})`);
  const inner = value[key];
  const at = `${path}.${v.name}`;
  if (v.fields.length === 0) {
    if (inner !== null && inner !== undefined) throw invalid(at, 'this variant carries no data: pass null');
    return v.name;
  }
  if (v.named) return { [v.name]: prepareStruct(reg, v.fields, inner, at) };
  if (v.fields.length === 1) return { [v.name]: prepareValue(reg, v.fields[0]!.type, inner, at) };
  if (!Array.isArray(inner) || inner.length !== v.fields.length) throw invalid(at, `expected an array of ${v.fields.length} items`);
  return { [v.name]: inner.map((x, i) => prepareValue(reg, v.fields[i]!.type, x, `${at}[${i}]`)) };
}

// ---------------------------------------------------------------------------------------------
// codec → plain JavaScript value

/** A decoded call in plain form. */
export interface PlainCall {
  pallet: string;
  call: string;
  args: Record<string, unknown>;
}

// polkadot-js codec instances, structurally.
type AnyCodec = {
  toHex(): string;
  toU8a(bare?: boolean): Uint8Array;
  toString(): string;
  toBigInt(): bigint;
  unwrap(): AnyCodec;
  isSome: boolean;
  isTrue: boolean;
  index: number;
  value: AnyCodec;
  values(): Iterable<AnyCodec>;
  [Symbol.iterator](): Iterator<AnyCodec>;
  callIndex: Uint8Array;
  args: AnyCodec[];
};

export function toPlain(reg: OfflineRegistry, codec: unknown, typeId: number): unknown {
  const c = codec as AnyCodec;
  const shape = shapeOf(reg, typeId);
  switch (shape.kind) {
    case 'bool':
      return c.isTrue;
    case 'str':
      return c.toString();
    case 'int': {
      const big = c.toBigInt();
      return shape.bits <= 32 ? Number(big) : big;
    }
    case 'compact':
      return toPlain(reg, c.unwrap(), shape.inner);
    case 'newtype':
      return toPlain(reg, c, shape.inner);
    case 'bytes':
      return new Uint8Array(c.toU8a(true));
    case 'fixedBytes':
    case 'opaque':
      return c.toHex();
    case 'seq':
    case 'array':
      return Array.from(c, (x) => toPlain(reg, x, shape.inner));
    case 'tuple':
      if (shape.items.length === 0) return null;
      return Array.from(c, (x, i) => toPlain(reg, x, shape.items[i]!));
    case 'account':
      return c.toString();
    case 'option':
      return c.isSome ? toPlain(reg, c.unwrap(), shape.inner) : null;
    case 'call':
      return callToPlain(reg, c);
    case 'struct': {
      const values = Array.from(c.values());
      const out: Record<string, unknown> = {};
      shape.fields.forEach((f, i) => {
        out[f.key] = toPlain(reg, values[i], f.type);
      });
      return out;
    }
    case 'enum': {
      const v = shape.variants.find((x) => x.index === c.index);
      if (!v) throw new OfflineError('Offline.InvalidTransaction', `unknown enum variant index ${c.index}`);
      if (shape.basic) return v.name;
      if (v.fields.length === 0) return { [v.name]: null };
      if (v.named) {
        const values = Array.from(c.value.values());
        const out: Record<string, unknown> = {};
        v.fields.forEach((f, i) => {
          out[f.key] = toPlain(reg, values[i], f.type);
        });
        return { [v.name]: out };
      }
      if (v.fields.length === 1) return { [v.name]: toPlain(reg, c.value, v.fields[0]!.type) };
      return { [v.name]: Array.from(c.value, (x, i) => toPlain(reg, x, v.fields[i]!.type)) };
    }
  }
}

/** A polkadot-js `Call` codec in plain form, names and argument types from the metadata. */
export function callToPlain(reg: OfflineRegistry, call: unknown): PlainCall {
  const c = call as AnyCodec;
  const [palletIndex = -1, callIndex = -1] = c.callIndex;
  const info = (reg as unknown as { byIndex: Map<number, import('./registry.js').OfflineCallInfo> }).byIndex.get(
    palletIndex * 256 + callIndex,
  );
  if (!info) throw new OfflineError('Offline.InvalidTransaction', `the metadata has no call with index [${palletIndex}, ${callIndex}]`);
  const args: Record<string, unknown> = {};
  info.fields.forEach((f, i) => {
    args[f.key] = toPlain(reg, c.args[i], f.typeId);
  });
  return { pallet: info.pallet, call: info.call, args };
}
