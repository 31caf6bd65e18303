/**
 * BullMQ sandboxed-processor entry for inference jobs (default export), registered with
 * `registerProcessor('inference', inferenceProcessorFile())` (see `./index.ts`).
 *
 * BullMQ runs it in a child process (or worker thread), so proving never blocks the daemon's
 * event loop. Its context (client, IPFS, keys, limits) comes from `./sandbox.ts`. Failures reach
 * BullMQ as `toQueueError` errors (the `[Code] ` prefix survives the process boundary). On exit
 * snarkjs' curve threads are terminated with the rest of the sandbox.
 */
import type { ProcessorJob } from '../../pipeline/processors.js';
import { type InferenceJobData, type InferenceResult, toQueueError } from '../../queues/index.js';
import { terminateProver } from '../../zk/prove.js';
import { processInference } from './processor.js';
import { onSandboxShutdown, sandboxContext, unlessCancelled } from '../../processors/sandbox.js';

onSandboxShutdown(terminateProver);

export default async function inferenceProcessor(job: ProcessorJob<InferenceJobData>, _token?: string, signal?: AbortSignal): Promise<InferenceResult> {
  try {
    const { client, ipfs, x25519SecretKey, account, limits, artifacts } = await unlessCancelled(sandboxContext(), signal);
    const { output, outputCommitment, sealedOutputCid, proof } = await unlessCancelled(
      processInference(
        { client, ipfs, x25519SecretKey, account, artifacts, limits: { maxModelBytes: limits.maxBytes, fetchTimeoutMs: limits.fetchTimeoutMs }, progress: (p) => job.updateProgress(p) },
        { chainJobId: job.data.chainJobId },
      ),
      signal,
    );
    return { output, outputCommitment, ...(sealedOutputCid === undefined ? {} : { sealedOutputCid }), proof };
  } catch (error) {
    throw toQueueError(error);
  }
}
