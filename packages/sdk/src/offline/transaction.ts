import { createSigningPayload as txwrapperSigningPayload } from '@substrate/txwrapper-core/lib/core/construct/createSigningPayload.js';
import type { UnsignedTransaction as TxwrapperUnsignedTransaction } from '@substrate/txwrapper-core/lib/types/method.js';
import type { OfflineCall } from './call.js';
import { OfflineError, reason } from './errors.js';
import { bytesToHex, isHex, type Hex } from './hex.js';
import { resolveRegistry, type OfflineOptions, type OfflineRegistry } from './registry.js';

/**
 * An unsigned transaction in @substrate/txwrapper-core's format (`SignerPayloadJSON` plus the
 * metadata): numbers are SCALE hex, as polkadot-js signers expect. JSON-serialisable, so it can be
 * carried to an air-gapped signer.
 */
export type UnsignedTransaction = TxwrapperUnsignedTransaction;

/** Default mortality: 64 blocks (~6.4 minutes at 6 s blocks), as txwrapper-core. */
export const DEFAULT_ERA_PERIOD = 64;

export interface UnsignedTransactionParams {
  /** From `buildCall`, or an encoded call (0x-hex). */
  call: OfflineCall | Hex;
  /** The signer's address (SS58, any prefix, or 0x-hex public key). */
  address: string;
  /** The signer's next nonce (`system_accountNextIndex`). */
  nonce: number | bigint;
  /** Hash of the checkpoint block the mortality period starts at (usually the finalized head). Required unless `eraPeriod` is 0 (then: the genesis hash). */
  blockHash?: Hex;
  /** Number of that block. */
  blockNumber: number;
  genesisHash: Hex;
  /** Blocks the transaction stays valid for (4…65536, rounded to a power of two); 0 = immortal. Default 64. */
  eraPeriod?: number;
  /** Tip for the block author, in the chain's smallest unit. Default 0. */
  tip?: number | bigint | string;
  /** The runtime's spec version; must match the metadata's (it is part of what is signed). Default: the metadata's. */
  specVersion?: number;
  /** The runtime's transaction version; must match the metadata's. Default: the metadata's. */
  transactionVersion?: number;
}

/** Anything that signs like a @polkadot/keyring pair: `sign(message, { withType: true })`. */
export interface PayloadSigner {
  sign(message: Uint8Array, options?: { withType?: boolean }): Uint8Array;
}

const U32_MAX = 0xffff_ffff;
const invalidArg = (message: string, cause?: unknown): OfflineError =>
  new OfflineError('Offline.InvalidArgs', message, cause === undefined ? undefined : { cause });

function uint(name: string, value: unknown, max: bigint): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'bigint' && value >= 0n) return value <= max ? value : fail();
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value) <= max ? BigInt(value) : fail();
  return fail();
  function fail(): never {
    throw invalidArg(`${name} must be a non-negative integer (≤ ${max}), got ${String(value)}`);
  }
}

/**
 * The unsigned transaction for `call`, signed by `address`, in txwrapper-core's format.
 *
 * @throws OfflineError `Offline.InvalidArgs` (malformed field), `Offline.RuntimeMismatch`
 *   (versions that are not the metadata's)
 */
export function buildUnsignedTransaction(params: UnsignedTransactionParams, options?: OfflineOptions): UnsignedTransaction {
  const reg = resolveRegistry(options);
  const { registry } = reg;
  if (typeof params !== 'object' || params === null) throw invalidArg('expected the transaction parameters');

  let method: Hex;
  if (isHex(params.call)) {
    try {
      method = registry.createType('Call', params.call).toHex() as Hex;
    } catch (error) {
      throw invalidArg(`call is not a call of this runtime: ${reason(error)}`, error);
    }
  } else if (typeof params.call === 'object' && params.call !== null && isHex(params.call.method)) {
    method = params.call.method;
  } else {
    throw invalidArg('call must come from buildCall (or be an encoded call, 0x-hex)');
  }

  const specVersion = params.specVersion ?? reg.specVersion;
  const transactionVersion = params.transactionVersion ?? reg.transactionVersion;
  checkVersions(reg, specVersion, transactionVersion);

  let address: string;
  try {
    address = registry.createType('AccountId', params.address).toString();
  } catch (error) {
    throw invalidArg(`address: ${reason(error)}`, error);
  }
  const nonce = uint('nonce', params.nonce, BigInt(U32_MAX));
  const blockNumber = Number(uint('blockNumber', params.blockNumber, BigInt(U32_MAX)));
  const tip = uint('tip', params.tip ?? 0, (1n << 128n) - 1n);
  if (!isHex(params.genesisHash, 32)) throw invalidArg('genesisHash must be a 32-byte 0x-hex hash');
  const eraPeriod = params.eraPeriod ?? DEFAULT_ERA_PERIOD;
  const immortal = eraPeriod === 0;
  if (!immortal && (!Number.isInteger(eraPeriod) || eraPeriod < 4 || eraPeriod > 65536)) {
    throw invalidArg(`eraPeriod must be 0 (immortal) or an integer from 4 to 65536, got ${String(eraPeriod)}`);
  }
  // An immortal transaction's checkpoint is the genesis block.
  const blockHash = params.blockHash ?? (immortal ? params.genesisHash : undefined);
  if (!isHex(blockHash, 32)) throw invalidArg('blockHash must be a 32-byte 0x-hex hash');
  if (immortal && blockHash.toLowerCase() !== params.genesisHash.toLowerCase()) {
    throw invalidArg('an immortal transaction (eraPeriod 0) is checked against the genesis hash: blockHash must be genesisHash');
  }

  const era = immortal
    ? registry.createType('ExtrinsicEra')
    : registry.createType('ExtrinsicEra', { current: blockNumber, period: eraPeriod });
  return {
    address,
    blockHash,
    blockNumber: registry.createType('BlockNumber', blockNumber).toHex(),
    era: era.toHex(),
    genesisHash: params.genesisHash,
    metadataRpc: reg.metadataRpc,
    method,
    nonce: registry.createType('Compact<Index>', nonce).toHex(),
    signedExtensions: [...reg.signedExtensions],
    specVersion: registry.createType('u32', specVersion).toHex(),
    tip: registry.createType('Compact<Balance>', tip).toHex(),
    transactionVersion: registry.createType('u32', transactionVersion).toHex(),
    version: 4,
  };
}

function checkVersions(reg: OfflineRegistry, specVersion: number, transactionVersion: number): void {
  if (specVersion !== reg.specVersion || transactionVersion !== reg.transactionVersion) {
    throw new OfflineError(
      'Offline.RuntimeMismatch',
      `the metadata is for spec_version ${reg.specVersion} / transaction_version ${reg.transactionVersion}, ` +
        `the transaction is for ${specVersion} / ${transactionVersion}: use getRegistry({ metadataRpc }) with the chain's current metadata`,
    );
  }
}

const hexNumber = (value: unknown): number => (isHex(value) ? parseInt(value.slice(2) || '0', 16) : NaN);

/** The unsigned transaction must have been built for the registry used with it. */
function checkUnsigned(reg: OfflineRegistry, unsigned: UnsignedTransaction): void {
  if (typeof unsigned !== 'object' || unsigned === null || !isHex(unsigned.method)) {
    throw invalidArg('expected an unsigned transaction from buildUnsignedTransaction');
  }
  if (unsigned.metadataRpc !== reg.metadataRpc) {
    throw new OfflineError(
      'Offline.RuntimeMismatch',
      'the unsigned transaction was built with other metadata than this registry: pass { registry: getRegistry({ metadataRpc: unsigned.metadataRpc }) }',
    );
  }
  checkVersions(reg, hexNumber(unsigned.specVersion), hexNumber(unsigned.transactionVersion));
  if (unsigned.signedExtensions.join(',') !== reg.signedExtensions.join(',')) {
    throw new OfflineError(
      'Offline.RuntimeMismatch',
      `the unsigned transaction lists the signed extensions ${unsigned.signedExtensions.join(', ')}; the metadata declares ${reg.signedExtensions.join(', ')}`,
    );
  }
}

/**
 * The signing payload of an unsigned transaction, 0x-hex (txwrapper-core's `createSigningPayload`:
 * an `ExtrinsicPayload` — call, era, nonce, tip, then the signed extensions' implicit data: spec
 * and transaction version, genesis hash, checkpoint block hash). Give it to `signPayload` or to any
 * signer that signs polkadot-js payloads.
 */
export function createSigningPayload(unsigned: UnsignedTransaction, options?: OfflineOptions): Hex {
  const reg = resolveRegistry(options);
  checkUnsigned(reg, unsigned);
  try {
    return txwrapperSigningPayload(unsigned, { registry: reg.registry as never }) as Hex;
  } catch (error) {
    throw invalidArg(`cannot build the signing payload: ${reason(error)}`, error);
  }
}

/**
 * Signs a signing payload with a @polkadot/keyring pair (or anything with the same `sign`).
 * What is signed is the payload's SCALE bytes, or their blake2-256 hash when longer than 256
 * bytes, as the runtime checks. Returns the signature with its type prefix (`MultiSignature`), 0x-hex.
 */
export function signPayload(payload: Hex, signer: PayloadSigner, options?: OfflineOptions): Hex {
  const reg = resolveRegistry(options);
  const { registry } = reg;
  if (!isHex(payload)) throw invalidArg('payload must be the 0x-hex signing payload from createSigningPayload');
  if (typeof signer?.sign !== 'function') throw invalidArg('signer must be a keyring pair (an object with sign())');
  let bytes: Uint8Array;
  try {
    const decoded = registry.createType('ExtrinsicPayload', payload, { version: 4 });
    if (decoded.toHex() !== payload.toLowerCase()) throw new Error('trailing or malformed bytes');
    checkVersions(reg, decoded.specVersion.toNumber(), decoded.transactionVersion.toNumber());
    bytes = decoded.toU8a({ method: true });
  } catch (error) {
    if (error instanceof OfflineError) throw error;
    throw invalidArg(`payload is not a signing payload of this runtime: ${reason(error)}`, error);
  }
  const message = bytes.length > 256 ? registry.hash(bytes) : bytes;
  return bytesToHex(signer.sign(message, { withType: true }));
}

/**
 * The signed transaction (0x-hex, ready for `author_submitExtrinsic`) from the unsigned
 * transaction and the signature of its signing payload.
 */
export function createSignedTransaction(unsigned: UnsignedTransaction, signature: Hex, options?: OfflineOptions): Hex {
  const reg = resolveRegistry(options);
  checkUnsigned(reg, unsigned);
  if (!isHex(signature) || signature.length < 4) throw invalidArg('signature must be 0x-hex (from signPayload)');
  try {
    const extrinsic = reg.registry.createType('Extrinsic', { method: unsigned.method }, { version: unsigned.version });
    extrinsic.addSignature(unsigned.address, signature, unsigned as never);
    return extrinsic.toHex() as Hex;
  } catch (error) {
    throw invalidArg(`cannot build the signed transaction: ${reason(error)}`, error);
  }
}
