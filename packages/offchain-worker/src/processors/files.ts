/**
 * Where the BullMQ sandbox entries of the built-in processors are, for `registerProcessor`.
 * Naming them does not load the processors (nor snarkjs): loading an entry also installs its
 * shutdown signal handlers, which belong in the sandbox process.
 */
import { aggregationKind } from '../kinds/aggregation/index.js';
import { inferenceKind } from '../kinds/inference/index.js';

/** Absolute path of the inference sandbox entry. */
export const inferenceProcessorFile = (): string => inferenceKind.processorFile();
/** Absolute path of the aggregation sandbox entry. */
export const aggregationProcessorFile = (): string => aggregationKind.processorFile();
