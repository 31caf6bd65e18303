/**
 * ZK inference of the reference model family (fixed-point MLP): model format and reference
 * implementation (`model.ts`), circuit artifacts (`circuits.ts`), proving (`prove.ts`).
 */
export { ZkJobError, type ZkJobErrorCode } from './errors.js';
export {
  ACTIVATION_BITS,
  MAX_LAYER_WIDTH,
  MODEL_FORMAT,
  MODEL_VERSION,
  SCALE_BITS,
  circuitInput,
  encodeModel,
  inRange,
  modelCommitment,
  modelParameters,
  parseModel,
  rescale,
  runMlp,
  seededModel,
  seededRandom,
  seededValues,
  signedInputs,
  type MlpCircuitInput,
  type MlpLayer,
  type MlpModel,
} from './model.js';
export { circuitByName, defaultCircuitsDir, findCircuitByVk, listCircuitArtifacts, type CircuitArtifacts } from './circuits.js';
export { encodeProof } from './encoding.js';
export { prove, terminateProver, type ProveParams, type ProveResult } from './prove.js';
