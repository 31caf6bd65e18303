/**
 * `@modelproof/sdk/jobs` — job helpers on top of the actions:
 * - verifiable inference: {@link submitInferenceAndWait} (submit, wait, re-verify the Groth16
 *   proof locally with the chain's verifying key) and {@link verifyInferenceJob};
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
  INFERENCE_INPUT_FORMAT,
  INFERENCE_INPUT_VERSION,
  checkInferenceProof,
  encodeInferenceInput,
  inputsToField,
  parseInferenceInput,
  submitInferenceAndWait,
  verifyInferenceJob,
  type InferenceResult,
  type SubmitInferenceAndWaitOptions,
  type SubmitInferenceAndWaitParams,
  type VerifiedInference,
  type VerifyInferenceOptions,
} from './inference.js';
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
