/**
 * `@modelproof/sdk/models` — publish an encrypted model, grant access to it, fetch it back
 * verified: {@link publishModel}, {@link grantModelAccess}, {@link fetchModel},
 * {@link fetchModelStream}. IPFS comes in as a store (`createIpfs` of `@modelproof/sdk/ipfs`).
 */
export { ModelError, type ModelErrorCode } from './errors.js';
export {
  MAX_MANIFEST_LEN,
  MODEL_MANIFEST_FORMAT,
  MODEL_MANIFEST_VERSION,
  decodeManifest,
  encodeManifest,
  type ModelManifest,
} from './manifest.js';
export {
  DEFAULT_MODEL_MAX_BYTES,
  fetchModel,
  fetchModelStream,
  grantModelAccess,
  publishModel,
  type FetchModelOptions,
  type FetchModelParams,
  type GrantModelAccessParams,
  type ModelStore,
  type PublishModelOptions,
  type PublishModelParams,
  type PublishedModel,
} from './models.js';
