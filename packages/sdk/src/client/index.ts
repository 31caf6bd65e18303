export {
  type ClientSigner,
  type CreateClientOptions,
  type ModelproofClient,
  checkRuntimeCompatibility,
  createClient,
} from './client.js';
export {
  type ArgSignature,
  type CallDifference,
  type CallSignature,
  type CallSignatures,
  type PalletSignatures,
  CHECKED_PALLETS,
  callSignatures,
  diffCallSignatures,
  typeShape,
} from './compat.js';
export { EXPECTED_CALL_SIGNATURES, PALLET_ERROR_CODES, SIGNATURES_METADATA_SHA256, type PalletErrorCode } from './call-signatures.generated.js';
export type { CallOptions } from './guard.js';
export { ReconnectingWsProvider, type ReconnectingWsProviderOptions } from './provider.js';
