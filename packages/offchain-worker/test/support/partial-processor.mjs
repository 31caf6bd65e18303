// Sandboxed test aggregation processor (plain ESM, run by BullMQ in a child process): returns a
// canned partial for the job. The chain records partials without checking their content (the
// job owner checks them when summing), so this exercises the queue → submitter → chain path;
// the real secure-aggregation processor is the SMPC processor's own.
export default async function partialProcessor(job) {
  const { chainJobId, memberIndex, committee } = job.data;
  if (!Array.isArray(committee) || committee.length === 0) throw new Error('[Pipeline.BadJob] no committee');
  return { partialCid: `bafy-partial-${chainJobId}-${memberIndex}`, partialDigest: `0x${'ab'.repeat(32)}` };
}
