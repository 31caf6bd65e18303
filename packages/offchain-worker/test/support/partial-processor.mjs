// Sandboxed test aggregation processor (plain ESM, run by BullMQ in a child process): returns a
// canned partial for the job. The chain records partials without checking their content (the
// job owner checks them when summing), so this exercises the queue → submitter → chain path;
// the real secure-aggregation processor is the SMPC processor's own.
import { chainJob } from './chain-job.mjs';

export default async function partialProcessor(job) {
  const { chainJobId } = job.data;
  const { kind } = await chainJob(chainJobId);
  if (!Array.isArray(kind.committee) || kind.committee.length === 0) throw new Error('[Pipeline.BadJob] no committee');
  return { partialCid: `bafy-partial-${chainJobId}`, partialDigest: `0x${'ab'.repeat(32)}` };
}
