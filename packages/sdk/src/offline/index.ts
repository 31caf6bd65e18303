/**
 * `@modelproof/sdk/offline` — build, sign and decode Modelproof transactions with no network,
 * on @substrate/txwrapper-core, from the runtime metadata shipped with the SDK (runtime-spec/).
 *
 *   const call = buildCall('ModelRegistry', 'register_model', { digest, ciphertextDigest, cid, circuit: null, royalty: 50_000 });
 *   const unsigned = buildUnsignedTransaction({ call, address, nonce, blockHash, blockNumber, genesisHash });
 *   const payload = createSigningPayload(unsigned);           // → the cold signer
 *   const signature = signPayload(payload, keyringPair);      // on the cold signer
 *   const tx = createSignedTransaction(unsigned, signature);  // → author_submitExtrinsic
 *   decodeTransaction(tx, { signed: true });                  // { pallet, call, args, address, nonce, tip, era, … }
 *
 * Not part of the core entry: the metadata (~80 KB) is only loaded with this one.
 */
export { buildCall, type OfflineCall } from './call.js';
export { decodeTransaction, type DecodeOptions, type DecodedEra, type DecodedTransaction } from './decode.js';
export { OfflineError, type OfflineErrorCode } from './errors.js';
export type { Hex } from './hex.js';
export { metadataRpc, metadataSha256 } from './metadata.js';
export {
  getRegistry,
  type GetRegistryOptions,
  type OfflineCallField,
  type OfflineCallInfo,
  type OfflineOptions,
  type OfflineRegistry,
} from './registry.js';
export {
  DEFAULT_ERA_PERIOD,
  buildUnsignedTransaction,
  createSignedTransaction,
  createSigningPayload,
  signPayload,
  type PayloadSigner,
  type UnsignedTransaction,
  type UnsignedTransactionParams,
} from './transaction.js';
