/** Job processors: plain functions plus the BullMQ sandbox entry files that wrap them. */
import { fileURLToPath } from 'node:url';

export { DEFAULT_MAX_INPUT_BYTES, type InferenceDeps, type InferenceJobRef, type InferenceOutcome, processInference } from './inference.js';
export { type AggregationDeps, classifyAggregationError, processAggregation } from './aggregation.js';

// The sandbox entries are not imported here: loading one installs its shutdown signal handlers,
// which belong in the BullMQ child process, not in the daemon.
/** Absolute path of the inference sandbox entry, for `registerProcessor('inference', …)`. */
export const inferenceProcessorFile = (): string => fileURLToPath(new URL('./inference-sandbox.js', import.meta.url));
/** Absolute path of the aggregation sandbox entry, for `registerProcessor('aggregation', …)`. */
export const aggregationProcessorFile = (): string => fileURLToPath(new URL('./aggregation-sandbox.js', import.meta.url));
