import { OfflineError, reason } from './errors.js';
import { hexToBytes, isHex, type Hex } from './hex.js';
import { resolveRegistry, type OfflineOptions, type OfflineRegistry } from './registry.js';
import type { UnsignedTransaction } from './transaction.js';
import { callToPlain } from './values.js';

/** Mortality: valid from the block whose number ≡ `phase` (mod `period`), for `period` blocks. */
export type DecodedEra = { readonly period: number; readonly phase: number } | 'immortal';

export interface DecodedTransaction {
  /** Pallet name as in the runtime, e.g. `ModelRegistry`. */
  pallet: string;
  /** Call name as in the pallet, e.g. `register_model`. */
  call: string;
  /** Arguments in the same plain form as `buildCall(…).args`. */
  args: Record<string, unknown>;
  /** The SCALE-encoded call, 0x-hex (equals `buildCall(…).method`). */
  method: Hex;
  /** The signer (SS58 in the registry's format); absent when decoding a bare signing payload. */
  address?: string;
  nonce: number;
  tip: bigint;
  era: DecodedEra;
  /** Signed transactions only: the signature (with its type prefix) and the transaction hash (blake2-256). */
  signature?: Hex;
  hash?: Hex;
  /** Signing payloads and unsigned transactions only (a signed transaction does not carry them). */
  specVersion?: number;
  transactionVersion?: number;
  genesisHash?: Hex;
  blockHash?: Hex;
  /** Unsigned transactions only. */
  blockNumber?: number;
}

export interface DecodeOptions extends OfflineOptions {
  /**
   * `true`: `input` is a signed transaction (0x-hex, as submitted). `false`: `input` is a signing
   * payload (0x-hex, from `createSigningPayload`) or an unsigned transaction (the object from
   * `buildUnsignedTransaction`).
   */
  signed: boolean;
}

// polkadot-js objects, structurally.
type Era = { isMortalEra: boolean; asMortalEra: { period: { toNumber(): number }; phase: { toNumber(): number } } };
type Num = { toNumber(): number };
type Big = { toBigInt(): bigint };

const notATransaction = (what: string, error?: unknown): OfflineError =>
  new OfflineError(
    'Offline.InvalidTransaction',
    `not ${what} of this runtime${error === undefined ? '' : `: ${reason(error)}`}`,
    error === undefined ? undefined : { cause: error },
  );

function era(value: Era): DecodedEra {
  return value.isMortalEra ? { period: value.asMortalEra.period.toNumber(), phase: value.asMortalEra.phase.toNumber() } : 'immortal';
}

function decodeCall(reg: OfflineRegistry, method: unknown): Pick<DecodedTransaction, 'pallet' | 'call' | 'args' | 'method'> {
  const call = reg.registry.createType('Call', method as Uint8Array);
  const { pallet, call: name, args } = callToPlain(reg, call);
  return { pallet, call: name, args, method: call.toHex() as Hex };
}

/**
 * Decodes a signed transaction, a signing payload or an unsigned transaction of the runtime,
 * offline. The call comes back in `buildCall`'s plain form, so a round trip gives back what was
 * built (`decoded.args` equals `built.args`).
 *
 * @throws OfflineError `Offline.InvalidTransaction` (not such a transaction of this runtime: bad
 *   hex, unknown call, trailing bytes), `Offline.RuntimeMismatch` (a payload for another spec or
 *   transaction version than the metadata's: it would decode wrongly)
 */
export function decodeTransaction(input: Hex | UnsignedTransaction, options: DecodeOptions): DecodedTransaction {
  const reg = resolveRegistry(options);
  if (typeof options?.signed !== 'boolean') {
    throw new OfflineError('Offline.InvalidArgs', 'decodeTransaction needs { signed: true | false }');
  }
  if (options.signed) return decodeSigned(reg, input);
  if (typeof input === 'string') return decodePayload(reg, input);
  return decodeUnsigned(reg, input);
}

function decodeSigned(reg: OfflineRegistry, input: unknown): DecodedTransaction {
  if (!isHex(input)) throw notATransaction('a signed transaction (0x-hex)');
  const { registry } = reg;
  let extrinsic;
  try {
    extrinsic = registry.createType('Extrinsic', hexToBytes(input));
    if (extrinsic.toHex() !== input.toLowerCase()) throw new Error('trailing or malformed bytes');
  } catch (error) {
    throw notATransaction('a signed transaction', error);
  }
  if (!extrinsic.isSigned) throw notATransaction('a signed transaction (it is unsigned)');
  try {
    return {
      ...decodeCall(reg, extrinsic.method.toU8a()),
      address: extrinsic.signer.toString(),
      nonce: (extrinsic.nonce as unknown as Num).toNumber(),
      tip: (extrinsic.tip as unknown as Big).toBigInt(),
      era: era(extrinsic.era as unknown as Era),
      signature: (extrinsic.inner.signature as unknown as { multiSignature: { toHex(): string } }).multiSignature.toHex() as Hex,
      hash: extrinsic.hash.toHex() as Hex,
    };
  } catch (error) {
    if (error instanceof OfflineError) throw error;
    throw notATransaction('a signed transaction', error);
  }
}

function decodePayload(reg: OfflineRegistry, input: string): DecodedTransaction {
  if (!isHex(input)) throw notATransaction('a signing payload (0x-hex)');
  let payload;
  try {
    payload = reg.registry.createType('ExtrinsicPayload', input, { version: 4 });
    if (payload.toHex() !== input.toLowerCase()) throw new Error('trailing or malformed bytes');
  } catch (error) {
    throw notATransaction('a signing payload', error);
  }
  const specVersion = payload.specVersion.toNumber();
  const transactionVersion = payload.transactionVersion.toNumber();
  if (specVersion !== reg.specVersion || transactionVersion !== reg.transactionVersion) {
    throw new OfflineError(
      'Offline.RuntimeMismatch',
      `the payload is for spec_version ${specVersion} / transaction_version ${transactionVersion}, the metadata for ` +
        `${reg.specVersion} / ${reg.transactionVersion}: decode it with getRegistry({ metadataRpc }) of that runtime`,
    );
  }
  try {
    return {
      ...decodeCall(reg, payload.method.toU8a(true)),
      nonce: (payload.nonce as unknown as Num).toNumber(),
      tip: (payload.tip as unknown as Big).toBigInt(),
      era: era(payload.era as unknown as Era),
      specVersion,
      transactionVersion,
      genesisHash: payload.genesisHash.toHex() as Hex,
      blockHash: payload.blockHash.toHex() as Hex,
    };
  } catch (error) {
    if (error instanceof OfflineError) throw error;
    throw notATransaction('a signing payload', error);
  }
}

function decodeUnsigned(reg: OfflineRegistry, input: UnsignedTransaction): DecodedTransaction {
  if (typeof input !== 'object' || input === null || !isHex(input.method)) {
    throw notATransaction('an unsigned transaction (the object from buildUnsignedTransaction)');
  }
  const { registry } = reg;
  try {
    const num = (type: string, value: unknown) => (registry.createType(type, value) as unknown as Num).toNumber();
    const specVersion = num('u32', input.specVersion);
    const transactionVersion = num('u32', input.transactionVersion);
    if (input.metadataRpc !== reg.metadataRpc || specVersion !== reg.specVersion || transactionVersion !== reg.transactionVersion) {
      throw new OfflineError(
        'Offline.RuntimeMismatch',
        'the unsigned transaction was built with other metadata than this registry: pass { registry: getRegistry({ metadataRpc: unsigned.metadataRpc }) }',
      );
    }
    return {
      ...decodeCall(reg, input.method),
      address: registry.createType('AccountId', input.address).toString(),
      nonce: num('Compact<Index>', input.nonce),
      tip: (registry.createType('Compact<Balance>', input.tip) as unknown as Big).toBigInt(),
      era: era(registry.createType('ExtrinsicEra', input.era) as unknown as Era),
      specVersion,
      transactionVersion,
      genesisHash: input.genesisHash as Hex,
      blockHash: input.blockHash as Hex,
      blockNumber: num('BlockNumber', input.blockNumber),
    };
  } catch (error) {
    if (error instanceof OfflineError) throw error;
    throw notATransaction('an unsigned transaction', error);
  }
}
