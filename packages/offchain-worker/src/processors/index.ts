/**
 * The built-in processors as plain functions (testable without BullMQ or Redis), and the
 * sandbox context their BullMQ entry files share. Each kind's processor lives with its module
 * (`../kinds/<kind>/processor.ts`; the entry BullMQ runs is `sandbox-entry.ts` beside it).
 */
export { DEFAULT_MAX_INPUT_BYTES, type InferenceDeps, type InferenceJobRef, type InferenceOutcome, processInference } from '../kinds/inference/processor.js';
export { type AggregationDeps, classifyAggregationError, processAggregation } from '../kinds/aggregation/processor.js';
export { aggregationProcessorFile, inferenceProcessorFile } from './files.js';
export { unlessCancelled } from './cancel.js';
