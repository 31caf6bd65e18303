/**
 * The processor contract and the registry the daemon's seam reads.
 *
 * A processor is a module file whose default export BullMQ runs as a SANDBOXED processor (a
 * child process, or a worker thread with `useWorkerThreads`), so CPU-bound proving never blocks
 * the daemon's event loop (a blocked loop lets BullMQ's lock lapse and the job run twice):
 *
 * ```js
 * // inference-processor.js
 * export default async function (job) {            // job.data: InferenceJobData
 *   const { chainJobId } = job.data;                 // the rest is read from chain
 *   …read the job, fetch, verify, decrypt, prove…
 *   return { output: ['0x…32 bytes'], proof: '0x…256 bytes' };   // InferenceResult
 * }
 * ```
 *
 * An aggregation processor gets `AggregationJobData` and returns `{ partialCid, partialDigest }`.
 * Results must be JSON (they cross a process boundary). Errors: throw a `PermanentError` (or
 * any error whose `name` is `UnrecoverableError`) for failures a retry cannot fix, anything
 * else is retried with backoff; start the message with `[Code] ` (e.g. `[Model.DigestMismatch]`)
 * so the dead-letter entry carries the code. `toQueueError` from `../queues` does both for any
 * error that says whether it is `retryable` (every SDK error does).
 *
 * At shutdown, a job still running after half the shutdown budget is cancelled: the processor's
 * third argument, an `AbortSignal`, fires, and the processor should reject at once (the built-in
 * ones fail with a transient `Pipeline.Cancelled`, see `unlessCancelled` in
 * `../processors/sandbox.ts`); the job stays queued. One that ignores it holds the shutdown up
 * until it finishes.
 */
import type { JobKind } from '../kinds/index.js';
import type { AggregationJobData, AggregationResult, InferenceJobData, InferenceResult } from '../queues/index.js';

/** The job a sandboxed processor receives (BullMQ's `SandboxedJob`, the parts the contract uses). */
export interface ProcessorJob<D> {
  id?: string;
  data: D;
  attemptsMade: number;
  updateProgress(progress: number | object): Promise<void>;
}

export type InferenceProcessor = (job: ProcessorJob<InferenceJobData>, token?: string, signal?: AbortSignal) => Promise<InferenceResult>;
export type AggregationProcessor = (job: ProcessorJob<AggregationJobData>, token?: string, signal?: AbortSignal) => Promise<AggregationResult>;

/** Processor module files by job kind (absolute paths or `file:` URLs). */
export type ProcessorFiles = Partial<Record<JobKind, string>>;

const registry: ProcessorFiles = {};

/**
 * Registers the processor file of a job kind; the daemon's default components start the
 * pipeline once at least one is registered. Returns the previous file, if any.
 */
export function registerProcessor(kind: JobKind, file: string): string | undefined {
  const previous = registry[kind];
  registry[kind] = file;
  return previous;
}

/** The registered processor files. */
export function registeredProcessors(): ProcessorFiles {
  return { ...registry };
}
