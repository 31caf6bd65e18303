/**
 * `@modelproof/sdk/zk` — verifiable-inference helpers, browser-safe and MIT-only
 * (@noble/curves, poseidon-lite; no snarkjs):
 * - {@link verifyGroth16}: the runtime's Groth16 verifier, byte for byte, in TypeScript;
 * - {@link publicSignals}: the chain's public-signal vector for a job;
 * - {@link inputHash} / {@link outputCommitment}: salted circomlib Poseidon over fixed-point values;
 * - field and fixed-point encodings ({@link toField}, {@link fromField}, {@link encodeFixedPoint}, …).
 */
export { ZkError, type ZkErrorCode, type ZkMalformedReason } from './errors.js';
export {
  BN254_Q,
  BN254_R,
  MAX_SCALE_BITS,
  MAX_SIGNED,
  assertCanonical,
  bytesToField,
  decodeFixedPoint,
  dequantize,
  encodeFixedPoint,
  fieldToBytes,
  fieldToHex,
  fromField,
  parseField,
  quantize,
  toField,
  type FieldLike,
} from './field.js';
export {
  DEFAULT_MAX_PUBLIC_INPUTS,
  PROOF_LEN,
  VK_FIXED_LEN,
  decodeProof,
  decodeVerifyingKey,
  verifyGroth16,
  verifyingKeyLength,
  type Proof,
  type VerifyingKey,
} from './groth16.js';
export { POSEIDON_MAX_ARITY, inputHash, outputCommitment, poseidon, poseidonVector, randomSalt } from './poseidon.js';
export { publicSignals, publicSignalsHex, type PublicSignalsParams } from './signals.js';
export { proofFromSnarkjs, verifyingKeyFromSnarkjs, type SnarkjsProofJson, type SnarkjsVerifyingKeyJson } from './snarkjs-json.js';
