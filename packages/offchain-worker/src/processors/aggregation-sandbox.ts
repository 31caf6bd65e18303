/**
 * BullMQ sandboxed-processor entry for secure-aggregation jobs (default export), registered with
 * `registerProcessor('aggregation', aggregationProcessorFile())` (see `./index.ts`).
 *
 * BullMQ runs it in a child process (or worker thread). The pipeline passes only the job's data
 * (`AggregationJobData`: chain job id, committee, member index); the rest comes from the
 * sandbox context (`./sandbox.ts`). Failures reach BullMQ as queue errors (`[Code] ` prefix,
 * `UnrecoverableError` name for permanent ones).
 */
import type { ProcessorJob } from '../pipeline/processors.js';
import type { AggregationJobData, AggregationResult } from '../queues/index.js';
import { classifyAggregationError, processAggregation } from './aggregation.js';
import { sandboxContext } from './sandbox.js';

export default async function aggregationProcessor(job: ProcessorJob<AggregationJobData>): Promise<AggregationResult> {
  try {
    const { client, ipfs, x25519SecretKey, account, limits } = await sandboxContext();
    const { partialCid, partialDigest } = await processAggregation(
      { client, ipfs, x25519SecretKey, account, limits },
      { chainJobId: job.data.chainJobId },
    );
    return { partialCid, partialDigest };
  } catch (error) {
    throw classifyAggregationError(error);
  }
}
