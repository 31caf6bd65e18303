/**
 * BullMQ sandboxed-processor entry for secure-aggregation jobs (default export), registered with
 * `registerProcessor('aggregation', aggregationProcessorFile())`.
 *
 * BullMQ runs it in a child process (or worker thread). The pipeline passes only the job's data
 * (`AggregationJobData`: chain job id, committee, member index); the sandbox builds its own deps
 * once, from the same sources the daemon uses: the config (`loadConfig`: the file named by
 * MODELPROOF_WORKER_CONFIG + MODELPROOF_WORKER_* env, which a forked child inherits) and the
 * keystore (passphrase from the env or the passphrase file). It needs only the X25519 secret and
 * the worker's address: the chain client (no signer) is used for queries, the submitter posts the
 * partial. IPFS fetches use the configured timeout and size limit. Failures reach BullMQ as
 * queue errors (`[Code] ` prefix, `UnrecoverableError` name for permanent ones). On exit it
 * disconnects the client.
 */
import { fileURLToPath } from 'node:url';

import { type ModelproofClient, createClient } from '@modelproof/sdk';
import { createIpfs } from '@modelproof/sdk/ipfs';

import { loadConfig, requirePassphrase } from '../config/index.js';
import { loadKeys } from '../keys/index.js';
import type { ProcessorJob } from '../pipeline/processors.js';
import type { AggregationJobData, AggregationResult } from '../queues/index.js';
import { type AggregationDeps, classifyAggregationError, processAggregation } from './aggregation.js';

/** Absolute path of this module (what `registerProcessor('aggregation', …)` takes). */
export function aggregationProcessorFile(): string {
  return fileURLToPath(import.meta.url);
}

let deps: Promise<AggregationDeps> | undefined;
let client: ModelproofClient | undefined;

async function buildDeps(): Promise<AggregationDeps> {
  const config = await loadConfig();
  const keys = await loadKeys({ dir: config.keystore.dir, passphrase: requirePassphrase(config) });
  client = await createClient({ endpoint: config.chain.endpoint, autoConnectRetries: config.chain.connectRetries });
  return {
    client,
    ipfs: createIpfs({ url: config.ipfs.apiUrl, timeoutMs: config.ipfs.fetchTimeoutMs, maxBytes: config.ipfs.maxModelBytes }),
    x25519SecretKey: keys.x25519.secretKey,
    account: keys.address,
    limits: { maxBytes: config.ipfs.maxModelBytes, fetchTimeoutMs: config.ipfs.fetchTimeoutMs },
  };
}

let closing: Promise<void> | undefined;
/** Disconnects the chain client (idempotent). */
export function shutdownAggregationSandbox(): Promise<void> {
  closing ??= (async () => {
    await client?.disconnect().catch(() => undefined);
  })();
  return closing;
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void shutdownAggregationSandbox().finally(() => process.exit(0));
  });
}
process.once('beforeExit', () => {
  void shutdownAggregationSandbox();
});

export default async function aggregationProcessor(job: ProcessorJob<AggregationJobData>): Promise<AggregationResult> {
  try {
    deps ??= buildDeps();
    let d: AggregationDeps;
    try {
      d = await deps;
    } catch (e) {
      deps = undefined; // a failed start (chain down, bad keystore) is retried with the next job
      throw e;
    }
    const { partialCid, partialDigest } = await processAggregation(d, { chainJobId: job.data.chainJobId });
    return { partialCid, partialDigest };
  } catch (error) {
    throw classifyAggregationError(error);
  }
}
