// For the sandboxed test processors: the chain job a queue job names, read from the devnet named
// by MODELPROOF_WORKER_CHAIN_ENDPOINT (queue jobs carry only the chain job id, like the real
// processors get).
import { createClient, getJob } from '@modelproof/sdk';

let client;

export async function chainJob(chainJobId) {
  const endpoint = process.env['MODELPROOF_WORKER_CHAIN_ENDPOINT'];
  if (!endpoint) throw new Error('[Pipeline.NoEndpoint] MODELPROOF_WORKER_CHAIN_ENDPOINT is not set in the processor environment');
  client ??= createClient({ endpoint }).catch((error) => {
    client = undefined;
    throw error;
  });
  const job = await getJob(await client, BigInt(chainJobId));
  if (job === null) {
    const error = new Error(`[Pipeline.JobNotFound] job ${chainJobId} does not exist on chain`);
    error.name = 'UnrecoverableError';
    throw error;
  }
  return job;
}
