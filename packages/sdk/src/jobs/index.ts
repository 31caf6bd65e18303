/**
 * `@modelproof/sdk/jobs` — job helpers on top of the actions:
 * - verifiable inference on compiled models: {@link submitInferenceAndWait} (quantize, seal the
 *   input to the granted workers, submit, wait, re-verify the Groth16 proof locally with the
 *   model's verifying key, open committed outputs) and {@link verifyInferenceJob}; the sealed
 *   input/output format ({@link sealInferenceInput}, {@link openInferenceInput},
 *   {@link sealInferenceOutput}, {@link openInferenceOutput});
 * - secure aggregation: {@link createAggregationJob}, {@link waitForCommittee},
 *   {@link contributeVector}, {@link submitPartialSum} (committee member),
 *   {@link waitForAggregate}, {@link fetchAggregate}.
 *
 * IPFS is injected as an {@link IpfsStore} (`add` / `cat`).
 */
export { JobError, type JobErrorCode } from './errors.js';
export type { IpfsStore } from './ipfs.js';
export { waitForJobState, type WaitForJobStateOptions } from '../actions/jobs.js';
export {
  checkInferenceProof,
  grantedWorkerKeys,
  quantizeInput,
  submitInferenceAndWait,
  verifyInferenceJob,
  type InferenceResult,
  type SubmitInferenceAndWaitOptions,
  type SubmitInferenceAndWaitParams,
  type VerifiedInference,
  type VerifyInferenceOptions,
} from './inference.js';
export {
  MAX_SEALED_RECIPIENTS,
  SEALED_INFERENCE_VERSION,
  openInferenceInput,
  openInferenceOutput,
  sealInferenceInput,
  sealInferenceOutput,
  type SaltedVector,
} from './sealed.js';
export {
  accountIdHex,
  checkContribution,
  computePartialSum,
  contributeVector,
  createAggregationJob,
  fetchAggregate,
  submitPartialSum,
  waitForAggregate,
  waitForCommittee,
  type Aggregate,
  type CheckContributionParams,
  type ContributeVectorParams,
  type PrivacyMinimums,
  type ComputePartialSumParams,
  type ContributionResult,
  type PartialSum,
  type FetchAggregateParams,
  type SubmitPartialSumParams,
} from './aggregation.js';
