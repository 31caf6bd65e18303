/**
 * ZK inference on compiled models: the proving-artifact cache (`artifacts.ts`: fetched with the
 * model's grant, checked against the on-chain verifying key) and proving (`prove.ts`).
 */
export { ZkJobError, type ZkJobErrorCode } from './errors.js';
export { ArtifactCache, verifyingKeyOfZkey, type ArtifactCacheOptions, type FetchArtifactsParams, type ModelArtifacts } from './artifacts.js';
export { computeOutputs, prove, terminateProver, type ProveParams, type ProveResult } from './prove.js';
