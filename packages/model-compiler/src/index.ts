/**
 * `@modelproof/model-compiler` — ONNX MLPs → per-model Groth16 circuits (fixed point, calibrated,
 * weights as circuit constants). See the package README.
 *
 * Licence note: this package depends on snarkjs, circom2 and circomlib (GPL-3.0).
 */
export { ModelCompilerError, isBadInput, isModelCompilerError, type ModelCompilerErrorCode } from './errors.js';
export * as io from './io.js';
export { loadOnnx, runFloat, softmax, argmax, type DenseGraph, type DenseLayer, type Postprocess } from './onnx.js';
export {
  quantize,
  runQuantized,
  readCalibration,
  modelToJson,
  modelFromJson,
  QUANTIZED_MODEL_FORMAT,
  QUANTIZED_MODEL_VERSION,
  type QuantizeOptions,
  type QuantizedModel,
  type QuantizedLayer,
  type QuantizedRun,
  type ExpectedError,
} from './quantize.js';
export { generateCircuit } from './circuit.js';
export { compileModel, contribute, verifySetup, circuitIdOf, publicSignalNames, type CompileOptions, type CompileReport, type ContributionRecord } from './compile.js';
export {
  prove,
  verify,
  vkBytes,
  inputHashOf,
  outputCommitmentOf,
  circuitInput,
  postprocessOutputs,
  randomFieldElement,
  type ProveOptions,
  type ProveResult,
} from './prove.js';
export { checkPtauHash, devPtau, devPtauPath, ptauCacheDir, ptauInfo, resolvePtau, requiredPower, blake2b512File, sha256File, terminateSnarkjs } from './ptau.js';
export { encodeProof, encodeVerifyingKey, encodeG1, encodeG2, fieldToBytes32, publicSignalsToBytes32, type SnarkjsProof, type SnarkjsVerificationKey } from './encoding.js';
export { FILES, loadModel } from './modeldir.js';
