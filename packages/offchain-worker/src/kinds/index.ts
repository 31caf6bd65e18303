/**
 * The job kinds the worker serves, one module each (see `./types.ts` for the contract). The
 * pipeline iterates this table: serving a new kind of chain job means writing its module and
 * adding it here.
 */
import type { Job } from '@modelproof/sdk';

import { aggregationKind } from './aggregation/index.js';
import { inferenceKind } from './inference/index.js';
import type { ClaimRules, JobKindModule } from './types.js';

export * from './types.js';
export {
  aggregationKind,
  type AggregationSubmission,
  type ReviewOutcome,
  checkAggregationResult,
  postCloseContributions,
  postFormCommittee,
  postPartial,
  postReportContribution,
} from './aggregation/index.js';
export { inferenceKind, type InferenceResultSubmission, ProvingEstimate, checkInferenceResult, handBackReasonFor, postInferenceResult } from './inference/index.js';

export const JOB_KINDS = [inferenceKind, aggregationKind] as const;

/** A job kind's name: its processor queue, config switch and metrics label. */
export type JobKind = (typeof JOB_KINDS)[number]['name'];

/** The module of a chain job's kind. */
export function kindOf(job: Job): (typeof JOB_KINDS)[number] {
  const module = JOB_KINDS.find((k) => k.chainType === job.kind.type);
  if (!module) throw new Error(`no job-kind module for chain jobs of kind ${job.kind.type}`);
  return module;
}

/** The claim rules of a chain job's kind. */
export function rulesOf(job: Job): ClaimRules {
  return kindOf(job).rules;
}

/** The module owning a submit action, if a kind owns it (the shared ones — claim, hand-back, expire — are the submitter's). */
export function kindOfAction(action: string): JobKindModule | undefined {
  return JOB_KINDS.find((k) => k.actions.includes(action));
}
