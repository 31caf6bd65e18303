/**
 * Runtime compatibility check.
 *
 * The SDK ships the call signatures of `ModelRegistry`, `Escrow` and `ComputeJobs` as they are
 * in `runtime-spec/metadata.scale` (generated into `call-signatures.generated.ts` by
 * `scripts/gen-call-signatures.mjs`). At connect, the client computes the same table from the
 * connected chain's metadata and compares: pallet index, call names and indices, argument names,
 * their type names and their SCALE shape. Any difference means the SDK could encode calls the
 * chain decodes differently, so it is reported (by call) instead of silently mis-encoding.
 */
import type { PortableRegistry } from '@polkadot/types';
import type { MetadataLatest, SiLookupTypeId } from '@polkadot/types/interfaces';

import { ClientError } from '../errors.js';

/** The pallets whose calls the SDK builds. */
export const CHECKED_PALLETS = ['ModelRegistry', 'Escrow', 'ComputeJobs'] as const;

export interface ArgSignature {
  name: string;
  /** The type name as written in the pallet (`T::AccountId`, `BoundedVec<u8, T::MaxCidLen>`). */
  type: string;
  /** The SCALE shape of the type (what the bytes look like), e.g. `Vec<u8>`, `[u8;32]`, `Option<[u8;32]>`. */
  shape: string;
}

export interface CallSignature {
  index: number;
  args: ArgSignature[];
}

export interface PalletSignatures {
  index: number;
  calls: Record<string, CallSignature>;
}

export type CallSignatures = Record<string, PalletSignatures>;

export interface CallDifference {
  pallet: string;
  /** Call name (snake_case as in the metadata); `*` for a whole-pallet difference. */
  call: string;
  kind: 'added' | 'removed' | 'changed';
  /** What differs, e.g. `arg 2 cid: Vec<u8> → BoundedVec<u8, T::MaxCidLen>; arg 2 cid encoding Vec<u8> → [u8;32]`. */
  detail: string;
}

const PRIMITIVES: Record<string, string> = {
  Bool: 'bool',
  Char: 'char',
  Str: 'str',
  U8: 'u8',
  U16: 'u16',
  U32: 'u32',
  U64: 'u64',
  U128: 'u128',
  U256: 'u256',
  I8: 'i8',
  I16: 'i16',
  I32: 'i32',
  I64: 'i64',
  I128: 'i128',
  I256: 'i256',
};

/**
 * The SCALE shape of a type: its encoding, independent of Rust paths. Single-field wrappers
 * (`H256`, `BoundedVec`, `AccountId32`) collapse to their content; enums list their variants
 * with indices; recursion is cut with `^path`.
 */
export function typeShape(lookup: PortableRegistry, id: SiLookupTypeId | number, seen: Set<number> = new Set()): string {
  const siType = lookup.getSiType(id);
  const n = typeof id === 'number' ? id : id.toNumber();
  if (seen.has(n)) return `^${siType.path.map((p) => p.toString()).join('::') || n}`;
  const inner = new Set(seen).add(n);
  const def = siType.def;
  if (def.isPrimitive) return PRIMITIVES[def.asPrimitive.type] ?? def.asPrimitive.type.toLowerCase();
  if (def.isCompact) return `Compact<${typeShape(lookup, def.asCompact.type, inner)}>`;
  if (def.isSequence) return `Vec<${typeShape(lookup, def.asSequence.type, inner)}>`;
  if (def.isArray) return `[${typeShape(lookup, def.asArray.type, inner)};${def.asArray.len.toNumber()}]`;
  if (def.isTuple) return `(${def.asTuple.map((t) => typeShape(lookup, t, inner)).join(',')})`;
  if (def.isBitSequence) return 'BitVec';
  if (def.isComposite) {
    const fields = def.asComposite.fields;
    if (fields.length === 1) return typeShape(lookup, (fields[0] as (typeof fields)[number]).type, inner);
    return `{${fields.map((f, i) => `${f.name.isSome ? f.name.unwrap().toString() : i}:${typeShape(lookup, f.type, inner)}`).join(',')}}`;
  }
  if (def.isVariant) {
    const path = siType.path.map((p) => p.toString());
    const variants = [...def.asVariant.variants].sort((a, b) => a.index.toNumber() - b.index.toNumber());
    if (path.length === 1 && path[0] === 'Option' && variants.length === 2) {
      const some = variants[1];
      if (some && some.fields.length === 1) return `Option<${typeShape(lookup, (some.fields[0] as (typeof some.fields)[number]).type, inner)}>`;
    }
    return `enum{${variants
      .map((v) => {
        const fields = v.fields.map((f) => typeShape(lookup, f.type, inner));
        return `${v.index.toNumber()}:${v.name.toString()}${fields.length ? `(${fields.join(',')})` : ''}`;
      })
      .join('|')}}`;
  }
  return def.type;
}

/** The call-signature table of the checked pallets in `metadata` (whose types `lookup` resolves). */
export function callSignatures(metadata: MetadataLatest, lookup: PortableRegistry): CallSignatures {
  const out: CallSignatures = {};
  for (const name of CHECKED_PALLETS) {
    const pallet = metadata.pallets.find((p) => p.name.toString() === name);
    if (!pallet) continue;
    const calls: Record<string, CallSignature> = {};
    if (pallet.calls.isSome) {
      const callType = lookup.getSiType(pallet.calls.unwrap().type);
      if (callType.def.isVariant) {
        for (const variant of callType.def.asVariant.variants) {
          calls[variant.name.toString()] = {
            index: variant.index.toNumber(),
            args: variant.fields.map((field, i) => ({
              name: field.name.isSome ? field.name.unwrap().toString() : String(i),
              type: field.typeName.isSome ? field.typeName.unwrap().toString() : '',
              shape: typeShape(lookup, field.type),
            })),
          };
        }
      }
    }
    out[name] = { index: pallet.index.toNumber(), calls };
  }
  return out;
}

const argText = (a: ArgSignature): string => `${a.name}: ${a.type || '?'}`;

/** Every difference between the expected table (the SDK's) and the actual one (the chain's). */
export function diffCallSignatures(expected: CallSignatures, actual: CallSignatures): CallDifference[] {
  const diffs: CallDifference[] = [];
  const pallets = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  for (const pallet of pallets) {
    const want = expected[pallet];
    const have = actual[pallet];
    if (!have) {
      diffs.push({ pallet, call: '*', kind: 'removed', detail: `the chain has no ${pallet} pallet` });
      continue;
    }
    if (!want) {
      diffs.push({ pallet, call: '*', kind: 'added', detail: `the SDK does not know the ${pallet} pallet` });
      continue;
    }
    if (want.index !== have.index) {
      diffs.push({ pallet, call: '*', kind: 'changed', detail: `pallet index ${want.index} → ${have.index}` });
    }
    const names = [...new Set([...Object.keys(want.calls), ...Object.keys(have.calls)])].sort();
    for (const call of names) {
      const w = want.calls[call];
      const h = have.calls[call];
      if (!h) {
        diffs.push({ pallet, call, kind: 'removed', detail: 'not in the connected runtime' });
        continue;
      }
      if (!w) {
        diffs.push({ pallet, call, kind: 'added', detail: `new in the connected runtime: (${h.args.map(argText).join(', ')})` });
        continue;
      }
      const parts: string[] = [];
      if (w.index !== h.index) parts.push(`call index ${w.index} → ${h.index}`);
      const count = Math.max(w.args.length, h.args.length);
      for (let i = 0; i < count; i++) {
        const wa = w.args[i];
        const ha = h.args[i];
        if (!wa && ha) parts.push(`new arg ${i} ${argText(ha)}`);
        else if (wa && !ha) parts.push(`arg ${i} ${argText(wa)} removed`);
        else if (wa && ha) {
          if (wa.name !== ha.name || wa.type !== ha.type) parts.push(`arg ${i} ${argText(wa)} → ${argText(ha)}`);
          if (wa.shape !== ha.shape) parts.push(`arg ${i} ${ha.name} encoding ${wa.shape} → ${ha.shape}`);
        }
      }
      if (parts.length) diffs.push({ pallet, call, kind: 'changed', detail: parts.join('; ') });
    }
  }
  return diffs;
}

/** The `Client.RuntimeMismatch` error for a non-empty list of differences. */
export function runtimeMismatchError(diffs: CallDifference[], runtime: string): ClientError {
  const lines = diffs.map((d) => `  ${d.kind} ${d.pallet}.${d.call}: ${d.detail}`);
  return new ClientError(
    'Client.RuntimeMismatch',
    `the connected runtime (${runtime}) differs from the one this SDK was built for in ${diffs.length} ` +
      `call${diffs.length === 1 ? '' : 's'}:\n${lines.join('\n')}\n` +
      'Use an SDK version built for this runtime (or pass checkRuntime: "warn" / "off" at your own risk).',
    { details: { differences: diffs } },
  );
}
