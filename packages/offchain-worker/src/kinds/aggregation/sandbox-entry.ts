/**
 * BullMQ sandboxed-processor entry for secure-aggregation jobs (default export), registered with
 * `registerProcessor('aggregation', aggregationProcessorFile())` (see `./index.ts`).
 *
 * BullMQ runs it in a child process (or worker thread). The pipeline passes only the job's data
 * (`AggregationJobData`: the chain job id); the rest comes from the chain and the sandbox context
 * (`../../processors/sandbox.ts`). Failures reach BullMQ as queue errors (`[Code] ` prefix,
 * `UnrecoverableError` name for permanent ones).
 */
import type { ProcessorJob } from '../../pipeline/processors.js';
import type { AggregationJobData, AggregationResult } from '../../queues/index.js';
import { classifyAggregationError, processAggregation } from './processor.js';
import { sandboxContext, unlessCancelled } from '../../processors/sandbox.js';

export default async function aggregationProcessor(job: ProcessorJob<AggregationJobData>, _token?: string, signal?: AbortSignal): Promise<AggregationResult> {
  try {
    const { client, ipfs, x25519SecretKey, account, limits } = await unlessCancelled(sandboxContext(), signal);
    const { partialCid, partialDigest } = await unlessCancelled(processAggregation({ client, ipfs, x25519SecretKey, account, limits }, { chainJobId: job.data.chainJobId }), signal);
    return { partialCid, partialDigest };
  } catch (error) {
    throw classifyAggregationError(error);
  }
}
