/** Job processors: plain functions plus the BullMQ sandbox entry files that wrap them. */
export { DEFAULT_MAX_INPUT_BYTES, type InferenceDeps, type InferenceJobRef, type InferenceOutcome, processInference } from './inference.js';
export { type AggregationDeps, classifyAggregationError, processAggregation } from './aggregation.js';

export { aggregationProcessorFile, inferenceProcessorFile } from './files.js';
