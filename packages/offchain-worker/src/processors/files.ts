/**
 * Where the BullMQ sandbox entries of the built-in processors are. Kept apart from `./index.ts`
 * so the daemon can name them without loading the processors (and snarkjs) itself; loading an
 * entry also installs its shutdown signal handlers, which belong in the sandbox process.
 */
import { fileURLToPath } from 'node:url';

/** Absolute path of the inference sandbox entry, for `registerProcessor('inference', …)`. */
export const inferenceProcessorFile = (): string => fileURLToPath(new URL('./inference-sandbox.js', import.meta.url));
/** Absolute path of the aggregation sandbox entry, for `registerProcessor('aggregation', …)`. */
export const aggregationProcessorFile = (): string => fileURLToPath(new URL('./aggregation-sandbox.js', import.meta.url));
