/**
 * `@modelproof/sdk/models` — publish an encrypted model, grant access to it, fetch it back
 * verified: {@link publishModel}, {@link grantModelAccess}, {@link fetchModel},
 * {@link fetchModelStream}; compiled models (`modelproof-model`): {@link publishCompiledModel},
 * {@link getModelInterface}, the model bundle ({@link encodeBundle}, {@link decodeBundle}).
 * IPFS comes in as a store (`createIpfs` of `@modelproof/sdk/ipfs`).
 */
export { ModelError, type ModelErrorCode } from './errors.js';
export {
  MAX_MANIFEST_LEN,
  MODEL_MANIFEST_FORMAT,
  MODEL_MANIFEST_VERSION,
  checkModelInterface,
  decodeManifest,
  encodeManifest,
  type ModelInterface,
  type ModelManifest,
} from './manifest.js';
export {
  BUNDLE_PROVING_KEY,
  BUNDLE_QUANTIZED_MODEL,
  BUNDLE_WITNESS_GENERATOR,
  MODEL_BUNDLE_MAGIC,
  MODEL_BUNDLE_VERSION,
  compiledModelFromFiles,
  decodeBundle,
  encodeBundle,
  getModelInterface,
  publishCompiledModel,
  type CompiledModelArtifacts,
  type PublishCompiledModelParams,
  type PublishedCompiledModel,
} from './compiled.js';
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
  type UploadedModel,
  uploadEncryptedModel,
} from './models.js';
